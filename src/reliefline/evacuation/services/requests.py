"""Evacuation requests: who of a household goes, with whose consent, toward which side."""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import Conflict, InvalidInput
from reliefline.evacuation.models import (
    HOLDING,
    Direction,
    EvacuationRequest,
    Mobility,
    Placement,
    PlacementStatus,
    RequestMember,
    RequestStatus,
)
from reliefline.evacuation.services.corridors import text_clean
from reliefline.evacuation.services.seats import members_elsewhere, placements_release
from reliefline.hotline.models import OPEN_STATUSES, Case, EventKind
from reliefline.hotline.services import case_event_append
from reliefline.hotline.timeline import NoteParam, texts_param
from reliefline.people import services as people
from reliefline.people.models import ConsentMethod, Household, Person

MEMBERS_MAX = 50
REASON_MAX = 500


@dataclass(frozen=True)
class MemberInput:
    """One member: an existing person of the case's household, or a new one to record.

    `going` False records a refusal: the person stays, and the request says so.
    """

    going: bool
    consent_method: str
    person_id: int | None = None
    new_person: people.PersonInput | None = None
    mobility: str = Mobility.WALKING
    needs_medic: bool = False

    @classmethod
    def of(cls, member: RequestMember) -> "MemberInput":
        """Return the member of a request as it is recorded, to amend it."""
        return cls(
            going=member.going,
            consent_method=member.consent_method,
            person_id=member.person_id,
            mobility=member.mobility,
            needs_medic=member.needs_medic,
        )


def _members(
    case: Case, members: Sequence[MemberInput], *, request: EvacuationRequest | None = None
) -> list[tuple[MemberInput, Person | None]]:
    """Return the members checked, for a new request or to amend `request`; InvalidInput
    names the member's field.

    Someone going who holds a place for another request (on the road, arrived, placed) or
    goes with another open request is refused (seats.members_elsewhere): no allocation
    could seat them, since a person holds one place at most (placement_person_once).
    """
    if not members:
        raise InvalidInput(_("Name who goes."), field="members")
    if len(members) > MEMBERS_MAX:
        raise InvalidInput(_("At most %(n)s members.") % {"n": MEMBERS_MAX}, field="members")
    if not any(m.going for m in members):
        raise InvalidInput(_("Nobody on the request goes."), field="members")
    household_ids = set(
        Person.objects.filter(household=case.household).values_list("pk", flat=True)
    )
    going_ids = {m.person_id for m in members if m.going and m.person_id is not None}
    elsewhere = members_elsewhere(request, going_ids & household_ids)
    checked: list[tuple[MemberInput, Person | None]] = []
    seen: set[int] = set()
    for i, member in enumerate(members):
        if member.mobility not in Mobility.values:
            raise InvalidInput(_("Unknown mobility."), field=f"members[{i}].mobility")
        # A person goes only with their own consent, recorded how and when it was given.
        if member.consent_method not in ConsentMethod.values or (
            member.going and member.consent_method == ConsentMethod.NOT_OBTAINED
        ):
            raise InvalidInput(
                _("Record how the person consented to leave."), field=f"members[{i}].consent_method"
            )
        if member.person_id is not None and member.new_person is not None:
            # Which one was meant is unknown: taking either would record the wrong person.
            raise InvalidInput(
                _("Choose a person or name a new one, not both."), field=f"members[{i}]"
            )
        if member.person_id is not None:
            if member.person_id not in household_ids:
                raise InvalidInput(
                    _("Not a member of the case's household."), field=f"members[{i}].person_id"
                )
            if member.person_id in seen:
                raise InvalidInput(_("Named twice."), field=f"members[{i}].person_id")
            if member.going and member.person_id in elsewhere:
                raise InvalidInput(elsewhere[member.person_id], field=f"members[{i}].person_id")
            seen.add(member.person_id)
            checked.append((member, None))
        elif member.new_person is not None:
            # They speak the case's language, as a member added on the case page does.
            spoken = replace(member.new_person, preferred_language=case.language)
            data = _new_person(spoken, field=f"members[{i}]")
            checked.append((MemberInput(**{**member.__dict__, "new_person": data}), None))
        else:
            raise InvalidInput(_("Choose a person or name a new one."), field=f"members[{i}]")
    return checked


def _new_person(data: people.PersonInput, *, field: str) -> people.PersonInput:
    """Return a new member's person cleaned (people.person_validate), refusals named as
    the API names them: `members[0].new_person.birth_date`, but the consent, which is
    the member's, `members[0].consent_method`."""
    try:
        # A member is not a caller: their phone is not collected here, their name is needed.
        return people.person_validate(
            data, field=f"{field}.new_person", nameless=_("Give the new member's name.")
        )
    except InvalidInput as error:
        if error.field != f"{field}.new_person.consent_method":
            raise
        raise InvalidInput(error.message, field=f"{field}.consent_method") from None


@transaction.atomic
def request_create(
    case: Case, *, direction: str, members: Sequence[MemberInput], by: User | None
) -> EvacuationRequest:
    """Return a waiting request of the case's household, its priority from the case.

    The side is the person's own choice (international humanitarian law forbids
    forcing anyone toward either party); the request is as old as the case, so the
    earliest callers go first among equals.
    """
    household = _case_checked(case, direction=direction)
    checked = _members(case, members)
    request = _request_new(
        case, household=household, direction=direction, requested_at=case.created_at, by=by
    )
    now = timezone.now()
    rows = []
    for member, _unused in checked:
        person = _person(member, household=household, by=by)
        rows.append(_member_new(request, person, member, now=now, by=by))
    RequestMember.objects.bulk_create(rows)
    _members_audit(request, rows, by=by)
    return request


def _case_checked(case: Case, *, direction: str) -> Household:
    """Return the case's household, once the side is known and the case open with one."""
    if direction not in Direction.values:
        raise InvalidInput(_("Choose UA or RU."), field="direction")
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(_("The case is closed."), field="case")
    if case.household is None:
        raise InvalidInput(_("The case has no household."), field="case")
    return case.household


def _member_new(
    request: EvacuationRequest,
    person: Person,
    member: MemberInput,
    *,
    now: dt.datetime,
    by: User | None,
) -> RequestMember:
    """Return the person's new row on the request (not saved), consent recorded `now`."""
    return RequestMember(
        request=request,
        person=person,
        going=member.going,
        mobility=member.mobility,
        needs_medic=member.needs_medic,
        consent_method=member.consent_method,
        consent_at=now,
        consent_by=by,
    )


def _person(member: MemberInput, *, household: Household, by: User | None) -> Person:
    """Return the member's person: the household's one named, or the new one recorded."""
    if member.new_person is not None:
        return people.person_create(member.new_person, household=household, by=by)
    assert member.person_id is not None  # _members checked one of the two is given
    return Person.objects.get(pk=member.person_id)


def _request_new(
    case: Case,
    *,
    household: Household,
    direction: str,
    requested_at: dt.datetime,
    by: User | None,
) -> EvacuationRequest:
    """Return a new waiting request of the case; Conflict if it has an open one already."""
    try:
        with transaction.atomic():
            return EvacuationRequest.objects.create(
                case=case,
                household=household,
                direction=direction,
                priority=case.priority,
                requested_at=requested_at,
                created_by=by,
            )
    except IntegrityError:
        raise Conflict(
            _("The case already has an open evacuation request."), field="case"
        ) from None


def _members_audit(
    request: EvacuationRequest, rows: Sequence[RequestMember], *, by: User | None
) -> None:
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        record=f"evacuation.request:{request.pk}",
        purpose=gettext_noop("evacuation request"),
        person_ids=[row.person_id for row in rows],
        fields=["members", "mobility", "needs_medic", "consent"],
    )


@transaction.atomic
def request_follow_up(
    request: EvacuationRequest, *, members: Sequence[RequestMember], by: User | None
) -> EvacuationRequest:
    """Return a new waiting request of the case for `members`, left behind by `request`.

    Their consent (how, when and by whom it was recorded), mobility and need of a medic
    carry over as recorded; so do the side and the age of the request (as old as the
    case, so they keep their turn among equals). `request` must be closed first: a case
    has one open request at a time (request_one_open_per_case).
    """
    follow_up = _request_new(
        request.case,
        household=request.household,
        direction=request.direction,
        requested_at=request.requested_at,
        by=by,
    )
    rows = RequestMember.objects.bulk_create(
        RequestMember(
            request=follow_up,
            person_id=member.person_id,
            going=True,
            mobility=member.mobility,
            needs_medic=member.needs_medic,
            consent_method=member.consent_method,
            consent_at=member.consent_at,
            consent_by_id=member.consent_by_id,
        )
        for member in members
    )
    _members_audit(follow_up, rows, by=by)
    return follow_up


def _held(request: EvacuationRequest) -> list[Placement]:
    """Return the places the request holds, with their vehicle and convoy."""
    return list(
        Placement.objects.filter(member__request=request, status__in=HOLDING).select_related(
            "vehicle__convoy"
        )
    )


@dataclass(frozen=True)
class _Refusals:
    """What to say, per reason, when an open request cannot change now (gettext_noop
    msgids, translated when said): no longer open, someone boarded, a locked convoy."""

    closed: str
    boarded: str
    locked: str


CANCEL_REFUSALS = _Refusals(
    # The status as a label after a colon: inside the sentence, its gender would have
    # to agree with "request" ("заявка … отменена"), and the label is neuter.
    closed=gettext_noop(
        "Request %(request)s is no longer open and cannot be cancelled. Status: %(status)s."
    ),
    boarded=gettext_noop(
        "Someone of the household has already boarded: the request cannot be cancelled. "
        "It is settled on arrival: mark anyone who did not travel a no-show, and those "
        "left behind get a new request."
    ),
    locked=gettext_noop(
        "The household has seats on convoy %(convoy)s, which is locked: they were told "
        "to come. Mark them no-show at the assembly point first, then cancel."
    ),
)
AMEND_REFUSALS = _Refusals(
    closed=gettext_noop(
        "Request %(request)s is no longer open and cannot be amended. Status: %(status)s."
    ),
    boarded=gettext_noop(
        "Someone of the household has already boarded: the request cannot be amended. "
        "It is settled on arrival: mark anyone who did not travel a no-show, and those "
        "left behind get a new request."
    ),
    # Once all of them are no-shows the request waits again (field._household_settle).
    locked=gettext_noop(
        "The household has seats on convoy %(convoy)s, which is locked: they were told "
        "to come. Mark them no-show at the assembly point first: the request then waits "
        "again and can be amended."
    ),
)


def _refusal(
    request: EvacuationRequest, held: Sequence[Placement], said: _Refusals
) -> Conflict | None:
    """Return why the request, holding `held`, cannot change now and what to do instead,
    in the words of `said`; None if it can."""
    if request.status not in (RequestStatus.WAITING, RequestStatus.ALLOCATED):
        return Conflict(
            _(said.closed) % {"request": request, "status": RequestStatus(request.status).label},
            field="status",
        )
    if any(p.status != PlacementStatus.ALLOCATED for p in held):
        return Conflict(_(said.boarded), field="status")
    locked = next((p.vehicle.convoy for p in held if p.vehicle.convoy.locked_at), None)
    if locked is not None:
        return Conflict(_(said.locked) % {"convoy": locked.name}, field="status")
    return None


def _locked(
    request: EvacuationRequest, said: _Refusals
) -> tuple[EvacuationRequest, list[Placement]]:
    """Return the request locked, with its case, and the places it holds; or raise why it
    cannot change now (_refusal), asked again now that nobody else can change it."""
    request = (
        EvacuationRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=request.pk)
    )
    held = _held(request)
    if (refusal := _refusal(request, held, said)) is not None:
        raise refusal
    return request, held


def request_cancel_refusal(request: EvacuationRequest) -> Conflict | None:
    """Return why the request cannot be cancelled now, and what to do instead; None if it
    can. The request page asks before it offers the form; request_cancel asks again,
    with the request locked, and raises it."""
    return _refusal(request, _held(request), CANCEL_REFUSALS)


def request_amend_refusal(request: EvacuationRequest) -> Conflict | None:
    """Return why the request cannot be amended now, and what to do instead; None if it
    can. The request page asks before it offers the form; request_amend asks again."""
    return _refusal(request, _held(request), AMEND_REFUSALS)


@transaction.atomic
def request_cancel(
    request: EvacuationRequest, *, by: User | None, reason: str = ""
) -> EvacuationRequest:
    """Return the request cancelled, its places given back, and the case's timeline saying why.

    Refused (Conflict) once it is no longer open, once anyone of the household boarded
    (they are on the road), and while it holds a seat on a locked convoy: that household
    was told where and when to come, and silently taking the seat back would leave them
    waiting for a bus with no place (as request_unplace says). The case keeps its
    evacuation need, so a corrected request can be filed at once; it is as old as the
    case, so the household keeps its turn.
    """
    reason = text_clean(reason, limit=REASON_MAX, field="reason")
    request, held = _locked(request, CANCEL_REFUSALS)
    placements_release(held, by=by)
    request.status = RequestStatus.CANCELLED
    request.save(update_fields=["status"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        record=f"evacuation.request:{request.pk}",
        purpose=gettext_noop("evacuation request cancelled"),
        person_ids=list(request.members.values_list("person_id", flat=True)),
        fields=["status"],
    )
    _note(
        request,
        plain=gettext_noop("Evacuation request %(request)s cancelled."),
        reasoned=gettext_noop("Evacuation request %(request)s cancelled: %(reason)s"),
        reason=reason,
        by=by,
    )
    return request


def _note(
    request: EvacuationRequest,
    *,
    plain: str,
    reasoned: str = "",
    reason: str = "",
    params: Mapping[str, NoteParam] | None = None,
    by: User | None,
) -> None:
    """Append a note to the request's case: `plain` (gettext_noop msgids, read in each
    reader's language) with the request and `params`; given a reason, `reasoned` with it."""
    values: dict[str, NoteParam] = {"request": str(request), **(params or {})}
    if reason:
        values["reason"] = reason
    case_event_append(
        request.case,
        kind=EventKind.NOTE,
        msgid=reasoned if reason else plain,
        params=values,
        by=by,
    )


@dataclass(frozen=True)
class Amendment:
    """What request_amend did: the request as it is now, whether anything changed, and
    the places it gave back (with their vehicle and convoy) for allocation to seat the
    household again."""

    request: EvacuationRequest
    changed: bool
    released: tuple[Placement, ...] = ()


@dataclass(frozen=True)
class _Change:
    """One thing an amendment changed: the audit log's field name and whose data it is
    (None: everyone's on the request), and what the case's timeline says (a gettext_noop
    msgid and its values; labels are said in the reader's language)."""

    field: str
    person_id: int | None
    msgid: str
    values: Mapping[str, object]


@transaction.atomic
def request_amend(
    request: EvacuationRequest,
    *,
    direction: str | None = None,
    members: Sequence[MemberInput] | None = None,
    by: User | None,
    reason: str = "",
) -> Amendment:
    """Return the amendment of an open request in place: its side, who goes or stays, their
    mobility, need of a medic and consent. The request keeps its id and its turn.

    `members` as request_create takes them, the request's members as they are now; a
    member of the request left out of them stays on it, not going (their consent stays
    on record). None keeps the members, and None keeps the side. Refused as
    request_cancel is (AMEND_REFUSALS): no longer open, someone boarded, or seats on a
    locked convoy, whose household was told to come. Seats on a convoy not yet locked
    are given back when who goes, how they travel or the side changes, so that
    allocation seats the household again as it now is. An amendment that changes
    nothing is no change: nothing is written (a resent form or retried call is harmless).
    """
    reason = text_clean(reason, limit=REASON_MAX, field="reason")
    request, held = _locked(request, AMEND_REFUSALS)
    case = request.case
    direction = request.direction if direction is None else direction
    household = _case_checked(case, direction=direction)
    current = list(request.members.select_related("person").order_by("pk"))
    if members is None:
        members = [MemberInput.of(row) for row in current]
    checked = _members(case, members, request=request)
    before = _seating(request, current)
    changes = _direction_change(request, direction)
    changes += _members_change(request, current, checked, household=household, by=by)
    if not changes:
        return Amendment(request=request, changed=False)
    request.direction = direction
    released = tuple(held) if held and _seating(request, current) != before else ()
    if released:
        placements_release(released, by=by)
        request.status = RequestStatus.WAITING
    request.save(update_fields=["direction", "status"])
    _amend_record(request, current, changes, released, by=by, reason=reason)
    return Amendment(request=request, changed=True, released=released)


def _seating(
    request: EvacuationRequest, rows: Sequence[RequestMember]
) -> tuple[str, frozenset[tuple[int, str, bool]]]:
    """Return what seating the household depends on: its side, and who goes how."""
    going = frozenset((r.person_id, r.mobility, r.needs_medic) for r in rows if r.going)
    return request.direction, going


def _direction_change(request: EvacuationRequest, direction: str) -> list[_Change]:
    if direction == request.direction:
        return []
    values = {"from": Direction(request.direction).label, "to": Direction(direction).label}
    return [_Change("direction", None, gettext_noop("side: %(from)s → %(to)s"), values)]


def _members_change(
    request: EvacuationRequest,
    current: list[RequestMember],
    checked: Sequence[tuple[MemberInput, Person | None]],
    *,
    household: Household,
    by: User | None,
) -> list[_Change]:
    """Return what changed of the members, `current` (the request's rows) updated in place
    and new ones appended: a member left out of `checked` stays, not going."""
    rows = {row.person_id: row for row in current}
    now = timezone.now()
    changes: list[_Change] = []
    for member, _unused in checked:
        person = _person(member, household=household, by=by)
        row = rows.pop(person.pk, None)
        if row is None:
            row = _member_new(request, person, member, now=now, by=by)
            row.save()
            current.append(row)
            changes += _member_added(row)
        else:
            changes += _member_change(row, member, now=now, by=by)
    for row in rows.values():
        if row.going:
            changes += _member_change(
                row, replace(MemberInput.of(row), going=False), now=now, by=by
            )
    return changes


def _member_added(row: RequestMember) -> list[_Change]:
    name, pk = row.person.full_name, row.person_id
    if not row.going:
        return [_Change("members", pk, gettext_noop("%(name)s added, stays"), {"name": name})]
    values = {"name": name, "mobility": Mobility(row.mobility).label}
    changes = [_Change("members", pk, gettext_noop("%(name)s added, goes: %(mobility)s"), values)]
    if row.needs_medic:
        changes.append(_Change("needs_medic", pk, gettext_noop("%(name)s needs a medic"), values))
    return changes


def _member_change(
    row: RequestMember, member: MemberInput, *, now: dt.datetime, by: User | None
) -> list[_Change]:
    """Return what changed of the member, the row saved with it.

    Mobility and the need of a medic are taken only for someone who goes: a member who
    stays keeps what was recorded. A consent given, withdrawn or given another way is
    recorded anew: how, when and by whom.
    """
    name, pk = row.person.full_name, row.person_id
    changes: list[_Change] = []
    if member.going != row.going:
        msgid = (
            gettext_noop("%(name)s now goes: %(mobility)s")
            if member.going
            else gettext_noop("%(name)s now stays")
        )
        values = {"name": name, "mobility": Mobility(member.mobility).label}
        changes.append(_Change("members", pk, msgid, values))
    elif member.consent_method != row.consent_method:
        values = {"name": name, "method": ConsentMethod(member.consent_method).label}
        msgid = gettext_noop("consent of %(name)s recorded again: %(method)s")
        changes.append(_Change("consent", pk, msgid, values))
    if member.going and row.going and member.mobility != row.mobility:
        values = {
            "name": name,
            "from": Mobility(row.mobility).label,
            "to": Mobility(member.mobility).label,
        }
        changes.append(
            _Change("mobility", pk, gettext_noop("mobility of %(name)s: %(from)s → %(to)s"), values)
        )
    # Said for whoever goes now with a need other than before, or newly goes with one.
    if member.going and member.needs_medic != (row.going and row.needs_medic):
        msgid = (
            gettext_noop("%(name)s needs a medic")
            if member.needs_medic
            else gettext_noop("%(name)s no longer needs a medic")
        )
        changes.append(_Change("needs_medic", pk, msgid, {"name": name}))
    if not changes:
        return changes
    if member.going != row.going or member.consent_method != row.consent_method:
        row.consent_at, row.consent_by = now, by
    row.going, row.consent_method = member.going, member.consent_method
    if member.going:
        row.mobility, row.needs_medic = member.mobility, member.needs_medic
    row.save()
    return changes


def _amend_record(
    request: EvacuationRequest,
    members: Sequence[RequestMember],
    changes: Sequence[_Change],
    released: Sequence[Placement],
    *,
    by: User | None,
    reason: str,
) -> None:
    """Record the amendment: the audit entry naming whose data changed, and the case's
    timeline saying what changed (in each reader's language), why, and which places
    were given back."""
    everyone = [row.person_id for row in members]
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        record=f"evacuation.request:{request.pk}",
        purpose=gettext_noop("evacuation request amended"),
        person_ids=[
            pk
            for change in changes
            for pk in ([change.person_id] if change.person_id is not None else everyone)
        ],
        fields=[change.field for change in changes] + (["status"] if released else []),
    )

    def said(language: str) -> str:
        with translation.override(language):
            return "; ".join(
                _(change.msgid) % {k: str(v) for k, v in change.values.items()}
                for change in changes
            )

    _note(
        request,
        plain=gettext_noop("Evacuation request %(request)s amended: %(changes)s."),
        reasoned=gettext_noop(
            "Evacuation request %(request)s amended: %(changes)s. Reason: %(reason)s"
        ),
        reason=reason,
        params={"changes": texts_param(said)},
        by=by,
    )
    if released:
        convoys = ", ".join(sorted({p.vehicle.convoy.name for p in released}))
        _note(
            request,
            plain=gettext_noop(
                "The places of request %(request)s on convoy %(convoy)s were given back for "
                "the amendment: it waits to be seated again."
            ),
            params={"convoy": convoys},
            by=by,
        )
