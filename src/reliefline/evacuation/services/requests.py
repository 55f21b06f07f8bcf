"""Evacuation requests: who of a household goes, with whose consent, toward which side."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
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
from reliefline.evacuation.services.seats import placements_release
from reliefline.hotline.models import OPEN_STATUSES, Case, EventKind
from reliefline.hotline.services import case_event_append
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


def _members(case: Case, members: Sequence[MemberInput]) -> list[tuple[MemberInput, Person | None]]:
    if not members:
        raise InvalidInput(_("Name who goes."), field="members")
    if len(members) > MEMBERS_MAX:
        raise InvalidInput(_("At most %(n)s members.") % {"n": MEMBERS_MAX}, field="members")
    if not any(m.going for m in members):
        raise InvalidInput(_("Nobody on the request goes."), field="members")
    household_ids = set(
        Person.objects.filter(household=case.household).values_list("pk", flat=True)
    )
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
        if member.person_id is not None:
            if member.person_id not in household_ids:
                raise InvalidInput(
                    _("Not a member of the case's household."), field=f"members[{i}].person_id"
                )
            if member.person_id in seen:
                raise InvalidInput(_("Named twice."), field=f"members[{i}].person_id")
            seen.add(member.person_id)
            checked.append((member, None))
        elif member.new_person is not None:
            data = people.person_validate(member.new_person, field=f"members[{i}]")
            checked.append((MemberInput(**{**member.__dict__, "new_person": data}), None))
        else:
            raise InvalidInput(_("Choose a person or name a new one."), field=f"members[{i}]")
    return checked


@transaction.atomic
def request_create(
    case: Case, *, direction: str, members: Sequence[MemberInput], by: User | None
) -> EvacuationRequest:
    """Return a waiting request of the case's household, its priority from the case.

    The side is the person's own choice (international humanitarian law forbids
    forcing anyone toward either party); the request is as old as the case, so the
    earliest callers go first among equals.
    """
    if direction not in Direction.values:
        raise InvalidInput(_("Choose UA or RU."), field="direction")
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(_("The case is closed."), field="case")
    if case.household is None:
        raise InvalidInput(_("The case has no household."), field="case")
    checked = _members(case, members)
    request = _request_new(
        case, household=case.household, direction=direction, requested_at=case.created_at, by=by
    )
    now = timezone.now()
    rows = []
    for member, _unused in checked:
        if member.new_person is not None:
            person = people.person_create(member.new_person, household=case.household, by=by)
        else:
            assert member.person_id is not None  # _members checked one of the two is given
            person = Person.objects.get(pk=member.person_id)
        rows.append(
            RequestMember(
                request=request,
                person=person,
                going=member.going,
                mobility=member.mobility,
                needs_medic=member.needs_medic,
                consent_method=member.consent_method,
                consent_at=now,
                consent_by=by,
            )
        )
    RequestMember.objects.bulk_create(rows)
    _members_audit(request, rows, by=by)
    return request


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


def _cancel_refusal(request: EvacuationRequest, held: Sequence[Placement]) -> Conflict | None:
    """Return why the request, holding `held`, cannot be cancelled now and what to do
    instead; None if it can."""
    if request.status not in (RequestStatus.WAITING, RequestStatus.ALLOCATED):
        # The status as a label after a colon: inside the sentence, its gender would have
        # to agree with "request" ("заявка … отменена"), and the label is neuter.
        return Conflict(
            _("Request %(request)s is no longer open and cannot be cancelled. Status: %(status)s.")
            % {"request": request, "status": RequestStatus(request.status).label},
            field="status",
        )
    if any(p.status != PlacementStatus.ALLOCATED for p in held):
        return Conflict(
            _(
                "Someone of the household has already boarded: the request cannot be cancelled. "
                "It is settled on arrival: mark anyone who did not travel a no-show, and those "
                "left behind get a new request."
            ),
            field="status",
        )
    locked = next((p.vehicle.convoy for p in held if p.vehicle.convoy.locked_at), None)
    if locked is not None:
        return Conflict(
            _(
                "The household has seats on convoy %(convoy)s, which is locked: they were told "
                "to come. Mark them no-show at the assembly point first, then cancel."
            )
            % {"convoy": locked.name},
            field="status",
        )
    return None


def request_cancel_refusal(request: EvacuationRequest) -> Conflict | None:
    """Return why the request cannot be cancelled now, and what to do instead; None if it
    can. The request page asks before it offers the form; request_cancel asks again,
    with the request locked, and raises it."""
    return _cancel_refusal(request, _held(request))


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
    request = (
        EvacuationRequest.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=request.pk)
    )
    held = _held(request)
    if (refusal := _cancel_refusal(request, held)) is not None:
        raise refusal
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
    case_event_append(
        request.case,
        kind=EventKind.NOTE,
        msgid=(
            gettext_noop("Evacuation request %(request)s cancelled: %(reason)s")
            if reason
            else gettext_noop("Evacuation request %(request)s cancelled.")
        ),
        params={"request": str(request), "reason": reason} if reason else {"request": str(request)},
        by=by,
    )
    return request
