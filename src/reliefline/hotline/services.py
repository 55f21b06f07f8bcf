"""Every write to cases: one function per use case, each in one transaction."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import Conflict, InvalidInput
from reliefline.hotline import priority
from reliefline.hotline.errors import IllegalTransition
from reliefline.hotline.models import (
    OPEN_STATUSES,
    TRANSITIONS,
    CallOutcome,
    Case,
    CaseEvent,
    Channel,
    EventKind,
    Need,
    NeedType,
    Status,
    Vulnerability,
)
from reliefline.hotline.notices import callback_notify
from reliefline.hotline.selectors import caller_known, case_scope
from reliefline.hotline.timeline import NoteParam, texts_param
from reliefline.people import services as people
from reliefline.people.models import ConsentMethod, Household, Language, LegalBasis, Person
from reliefline.people.phones import phone_normalise
from reliefline.people.selectors import household_holds, merge_ends
from reliefline.places.models import Place
from reliefline.text import text_check
from reliefline.translit import skeleton, yo_variants

MESSAGE_MAX = 10_000
NOTE_MAX = 4_000
# A call made this long before a callback falls due is that callback (case_call_attempt).
CALLBACK_EARLY = dt.timedelta(minutes=30)
# A callback further ahead is a slip (a year typed wrong), and would be told to the caller.
CALLBACK_AHEAD_MAX = dt.timedelta(days=366)
ITEM_MAX = 100
NEEDS_MAX = 20
QUANTITY_MAX = 1_000_000


@dataclass(frozen=True)
class NeedInput:
    type: str
    item: str = ""
    quantity: int | None = None
    note: str = ""


@dataclass(frozen=True)
class CaseInput:
    """A new case as an operator or a channel describes it; validated by case_open."""

    channel: str
    language: str
    caller: people.PersonInput | None = None
    person_id: int | None = None
    settlement_id: str | None = None
    household_size: int | None = None
    needs: Sequence[NeedInput] = field(default_factory=tuple)
    vulnerabilities: Sequence[str] = field(default_factory=tuple)
    message: str = ""
    # The phone a known caller (person_id) gave on this call: it becomes theirs.
    caller_phone: str = ""
    # A registered household the new `caller` belongs to: a family member calling from
    # the household's phone joins it instead of starting a second household.
    household_id: int | None = None
    # With no operator to ask which caller this is (the API), link `caller` to the
    # registered person the identity matcher is certain of (selectors.caller_known).
    # The operator's page asks instead, and "a new person" there means one.
    link_known_caller: bool = False


# How a caller gives consent follows from how they reach the hotline: by voice on the
# phone, in person at a desk, in writing through every messaging channel.
CONSENT_BY_CHANNEL: dict[str, str] = {
    Channel.PHONE: ConsentMethod.VERBAL,
    Channel.WALK_IN: ConsentMethod.IN_PERSON,
}


def consent_method_for(channel: str) -> str:
    """Return how consent is usually given on this channel (an operator may say otherwise)."""
    return CONSENT_BY_CHANNEL.get(channel, ConsentMethod.WRITTEN)


def _choice(value: str, choices: Iterable[str], *, field: str) -> str:
    if value not in choices:
        raise InvalidInput(_("Unknown value %(value)s.") % {"value": str(value)[:40]}, field=field)
    return value


def _text(value: str, *, limit: int, field: str) -> str:
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": limit}, field=field)
    return text_check(value, field=field).strip()


def _params(params: Mapping[str, NoteParam]) -> dict[str, NoteParam]:
    return {
        name: _text(value, limit=MESSAGE_MAX, field=f"params.{name}")
        if isinstance(value, str)
        else value
        for name, value in params.items()
    }


def _needs(needs: Sequence[NeedInput]) -> list[NeedInput]:
    if len(needs) > NEEDS_MAX:
        raise InvalidInput(_("At most %(n)s needs.") % {"n": NEEDS_MAX}, field="needs")
    cleaned: list[NeedInput] = []
    for i, need in enumerate(needs):
        _choice(need.type, NeedType.values, field=f"needs[{i}].type")
        if any(earlier.type == need.type for earlier in cleaned):
            # One row per type: a second would count twice in the queue's need filter
            # and in aid planning; its item, quantity and note belong in the first.
            raise InvalidInput(
                _("This need is already listed: give each need once."),
                field=f"needs[{i}].type",
            )
        if need.quantity is not None and not 0 < need.quantity <= QUANTITY_MAX:
            raise InvalidInput(_("The quantity must be positive."), field=f"needs[{i}].quantity")
        cleaned.append(
            NeedInput(
                type=need.type,
                item=_text(need.item, limit=ITEM_MAX, field=f"needs[{i}].item"),
                quantity=need.quantity,
                note=_text(need.note, limit=NOTE_MAX, field=f"needs[{i}].note"),
            )
        )
    return cleaned


def _settlement(settlement_id: str | None) -> Place | None:
    if not settlement_id:
        return None
    text_check(settlement_id, field="settlement")
    try:
        return Place.objects.get(pk=settlement_id)
    except Place.DoesNotExist:
        raise InvalidInput(
            _("Unknown settlement %(id)s.") % {"id": settlement_id[:64]}, field="settlement"
        ) from None


def _prioritise(
    case: Case, *, now: dt.datetime, needs: Iterable[Need | NeedInput] | None = None
) -> None:
    needs = case.needs.all() if needs is None else needs
    facts = [priority.NeedFacts(type=n.type, item=n.item, note=n.note) for n in needs]
    result = priority.compute(facts, case.vulnerabilities, now - case.created_at)
    case.priority, case.band, case.priority_reasons = (
        result.score,
        result.band,
        list(result.reasons),
    )
    case.due_at = case.created_at + priority.SLA[result.band]


def case_open(data: CaseInput, *, by: User | None) -> Case:
    """Return a new case with caller, household, needs and priority; validate all first.

    Everything that can refuse the input is checked before the transaction begins, so
    the write lock (on SQLite, the whole database's) is held for the writes alone.
    """
    _choice(data.channel, Channel.values, field="channel")
    _choice(data.language, Language.values, field="language")
    for i, vulnerability in enumerate(data.vulnerabilities):
        _choice(vulnerability, Vulnerability.values, field=f"vulnerabilities[{i}]")
    size = data.household_size or 1
    if not 1 <= size <= 50:
        raise InvalidInput(_("A household has 1 to 50 persons."), field="household_size")
    if data.household_id is not None and (data.person_id is not None or data.caller is None):
        raise InvalidInput(
            _("A household is chosen for a new caller: give the caller, not person_id."),
            field="household_id",
        )
    caller_phone = ""
    if data.person_id is not None and data.caller_phone.strip():
        caller_phone = phone_normalise(data.caller_phone) or ""
        if not caller_phone:
            raise InvalidInput(_("Not a phone number."), field="caller.phone")
    valid = replace(
        data,
        needs=_needs(data.needs),
        message=_text(data.message, limit=MESSAGE_MAX, field="message"),
        caller=None if data.caller is None else people.person_validate(data.caller),
        caller_phone=caller_phone,
    )
    phone_holders: list[str] = []
    if (
        valid.link_known_caller
        and valid.caller is not None
        and valid.person_id is None
        and valid.household_id is None
    ):
        known = caller_known(
            phone=valid.caller.phone,
            given_name=valid.caller.given_name,
            family_name=valid.caller.family_name,
            patronymic=valid.caller.patronymic,
            birth_date=valid.caller.birth_date,
        )
        if known.person is not None:
            valid = replace(valid, caller=None, person_id=known.person.pk)
        phone_holders = known.phone_holders
    settlement = _settlement(data.settlement_id)
    with transaction.atomic():
        case = _case_write(valid, settlement=settlement, by=by)
        if phone_holders:
            case_event_append(
                case,
                kind=EventKind.NOTE,
                msgid=gettext_noop(
                    "The caller's phone is also registered in %(households)s, and the "
                    "names given do not make the caller certainly one of them. Ask the "
                    "caller; if they are, merge the two in the duplicate review."
                ),
                params={"households": ", ".join(phone_holders)},
                by=by,
            )
        return case


def caller_names_differ(person: Person, *, given_name: str, family_name: str) -> bool:
    """Return whether the given and family names typed are both there and both differ
    from the person's, in any script (their skeletons are compared): someone else.

    One name differing is no proof: a married name, a nickname, a given name misheard.
    """
    typed = (given_name.strip(), family_name.strip())
    known = (person.given_name, person.family_name)
    return all(
        t and skeleton(t) != skeleton(k) and not yo_variants(skeleton(t), skeleton(k))
        for t, k in zip(typed, known, strict=True)
    )


def _caller_is(person: Person, caller: people.PersonInput | None) -> None:
    """Raise InvalidInput (field "caller") when the caller given too is someone else.

    Filed under the person chosen, that caller would be dropped without a word.
    """
    if caller is not None and caller_names_differ(
        person, given_name=caller.given_name, family_name=caller.family_name
    ):
        raise InvalidInput(
            _(
                "The caller given is not person %(id)s: both names differ. Give person_id "
                "alone, or the caller alone for a new person."
            )
            % {"id": person.pk},
            field="caller",
        )


def _household_holds_caller(household: Household, caller: people.PersonInput) -> None:
    """Raise InvalidInput (field "household_id") when the household chosen for a new caller
    holds nobody with their phone nor their family name: another family's.

    The operator's page refuses the same choice (hotline.views._household_not_typed).
    """
    holds = household_holds(household.pk, phone=caller.phone, family_name=caller.family_name)
    if holds is False:  # None: nobody unpurged in it to compare with
        raise InvalidInput(
            _(
                "Household %(household)s holds nobody with the caller's phone or family "
                "name: give the household of the caller's family, or none."
            )
            % {"household": household},
            field="household_id",
        )


def _case_write(data: CaseInput, *, settlement: Place | None, by: User | None) -> Case:
    size = data.household_size or 1
    new_phone = False
    if data.person_id is not None:
        # Locked, as a retention batch locks the persons it purges: one that got there
        # first has committed by now, and the caller is refused as purged below.
        caller = (
            Person.objects.select_for_update(of=("self",))
            .select_related("household")
            .filter(pk=data.person_id)
            .first()
        )
        if caller is None:
            raise InvalidInput(_("Unknown person."), field="person_id")
        if caller.merged_into_id is not None:
            # A page opened before a coordinator merged the duplicate still offers it.
            raise InvalidInput(
                _("This record was merged into person %(id)s; use that one.")
                % {"id": caller.merged_into_id},
                field="person_id",
            )
        people.person_writable(caller, field="person_id")
        _caller_is(caller, data.caller)
        # A known caller on a new number: the number they can be called back on now.
        new_phone = bool(data.caller_phone) and data.caller_phone != caller.phone
        if new_phone:
            caller.phone = data.caller_phone
            caller.save()  # rewrites the phone's blind index and matching keys
        household = caller.household
        if household is None:
            household = people.household_create(settlement=settlement, size=size)
            caller.household = household
            caller.save(update_fields=["household"])
        size = _household_resize(household, data.household_size)
    elif data.caller is not None and data.household_id is not None:
        household = _household_joined(data.household_id)
        _household_holds_caller(household, data.caller)
        caller = people.person_create(data.caller, household=household, by=by)
        size = _household_resize(household, data.household_size)
    elif data.caller is not None:
        household = people.household_create(settlement=settlement, size=size)
        caller = people.person_create(data.caller, household=household, by=by)
    else:
        raise InvalidInput(_("Give the caller's phone or name."), field="caller")

    now = timezone.now()
    actor = by
    case = Case.objects.create(
        channel=data.channel,
        language=data.language,
        caller=caller,
        household=household,
        household_size=size,
        settlement=settlement or household.settlement,
        vulnerabilities=sorted(set(data.vulnerabilities)),
        message=data.message,
        due_at=now,
        created_by=actor,
    )
    case.reference = f"RL-{case.pk:06d}"
    Need.objects.bulk_create(
        Need(case=case, type=n.type, item=n.item, quantity=n.quantity, note=n.note)
        for n in data.needs
    )
    _prioritise(case, now=case.created_at, needs=data.needs)
    case.save(update_fields=["reference", "priority", "band", "priority_reasons", "due_at"])
    CaseEvent.objects.create(case=case, kind=EventKind.CREATED, to_status=Status.NEW, by=actor)
    if new_phone:
        case_event_append(
            case,
            kind=EventKind.NOTE,
            msgid=gettext_noop(
                "The caller gave a new phone number on this call; it replaces the one "
                "recorded, for callbacks and messages."
            ),
            by=actor,
        )
    _audit_write(
        case,
        by=actor,
        action=AuditAction.CREATE,
        fields=CASE_FIELDS,
        purpose=gettext_noop("case intake"),
    )
    return case


def _household_joined(household_id: int) -> Household:
    """Return the registered household a new caller joins, or raise InvalidInput."""
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise InvalidInput(_("Unknown household."), field="household_id")
    if household.merged_into_id is not None:
        kept = merge_ends(Household, [household.pk])[household.pk]  # A into B into C: C
        raise InvalidInput(
            _("This household was merged into %(household)s; use that one.")
            % {"household": str(Household(pk=kept))},
            field="household_id",
        )
    return household


def _household_resize(household: Household, given: int | None) -> int:
    """Return the size of a known household on this call, saved if it changed.

    No size given keeps the household's; a size given never goes below the members
    recorded in it.
    """
    size = max(given or household.size, household.members.count())
    if household.size != size:
        household.size = size
        household.save(update_fields=["size"])
    return size


# What a case page or case detail shows of the people in it (for the audit log).
CASE_FIELDS = (
    "caller.name",
    "caller.phone",
    "caller.birth_date",
    "household",
    "message",
    "needs",
    "vulnerabilities",
    "timeline",
)


def _audit_write(
    case: Case, *, by: User | None, action: AuditAction, fields: Iterable[str], purpose: str
) -> None:
    audit_record(
        user=by,
        action=action,
        record=f"hotline.case:{case.reference}",
        purpose=purpose,
        person_ids=[case.caller_id],
        fields=fields,
    )


def _audit_update(case: Case, *, by: User | None, field: str, purpose: str) -> None:
    _audit_write(case, by=by, action=AuditAction.UPDATE, fields=[field], purpose=purpose)


def cases_audit_read(
    cases: Sequence[Case], *, by: User, purpose: str, fields: Iterable[str] = CASE_FIELDS
) -> None:
    """Record that `by` saw the personal data of these cases (one entry per page shown)."""
    if not cases:
        return
    references = ",".join(str(case.reference) for case in cases[:3])
    more = f"+{len(cases) - 3}" if len(cases) > 3 else ""
    audit_record(
        user=by,
        action=AuditAction.READ if len(cases) == 1 else AuditAction.SEARCH,
        record=f"hotline.case:{references}{more}",
        purpose=purpose,
        person_ids=[case.caller_id for case in cases],
        fields=fields,
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _writable(case: Case) -> Case:
    """Return the case locked for a write, or raise Conflict (field "case") once it is purged.

    Retention purges a case once and then passes it by, so a note, a call, a name or a
    member recorded on it afterwards would be kept for good. Every write an operator
    makes on a case passes through here; reliefline's own notes on a purged case are
    kept as the purge leaves them (_note_params).
    """
    case = _locked(case)
    if case.purged_at is not None:
        raise _purged(case)
    return case


def _purged(case: Case) -> Conflict:
    return Conflict(
        _("Case %(reference)s was purged under retention: nothing more is recorded on it.")
        % {"reference": case.reference},
        field="case",
    )


def _note_params(case: Case, params: dict[str, NoteParam]) -> dict[str, NoteParam]:
    """Return the parameters a system note keeps on the case: none once it is purged.

    Parameters can name people (who arrived, what was given), and the purge empties
    those of every note. A note reliefline writes later on a purged case (a request
    cancelled by the purge itself, a late delivery report, an arrival) is kept as the
    purge would have left it; refusing it would undo the cancel, report or arrival too.
    """
    return {} if case.purged_at is not None else params


def case_next_statuses(case: Case) -> list[str]:
    """Return the statuses the case may move to now, as case_transition allows them.

    "Assigned" says someone works the case: with nobody assigned, case_assign gets it
    there (and names who), not a status change.
    """
    return [
        status
        for status in TRANSITIONS[case.status]
        if status != Status.ASSIGNED or case.assignee_id is not None
    ]


@transaction.atomic
def case_transition(case: Case, *, to: str, by: User, note: str = "") -> Case:
    """Return the case moved to status `to`, or raise IllegalTransition.

    To "Assigned" only with someone assigned: otherwise Conflict (field "status").
    """
    _choice(to, Status.values, field="status")
    note = _text(note, limit=NOTE_MAX, field="note")
    case = _writable(case)
    if to not in TRANSITIONS[case.status]:
        raise IllegalTransition(
            reference=str(case.reference),
            from_label=str(Status(case.status).label),
            to_label=str(Status(to).label),
        )
    if to not in case_next_statuses(case):
        raise Conflict(
            _(
                "Nobody is assigned to case %(reference)s: assign someone to it, which "
                "marks it Assigned."
            )
            % {"reference": case.reference},
            field="status",
        )
    CaseEvent.objects.create(
        case=case, kind=EventKind.STATUS, from_status=case.status, to_status=to, text=note, by=by
    )
    case.status = to
    case.closed_at = timezone.now() if to == Status.CLOSED else None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    _audit_update(case, by=by, field="status", purpose=gettext_noop("case workflow"))
    return case


@transaction.atomic
def case_note(case: Case, *, text: str, by: User) -> CaseEvent:
    """Return the note appended to the case's timeline."""
    text = _text(text, limit=NOTE_MAX, field="text")
    if not text:
        raise InvalidInput(_("The note is empty."), field="text")
    case = _writable(case)
    event = CaseEvent.objects.create(case=case, kind=EventKind.NOTE, text=text, by=by)
    _audit_update(case, by=by, field="timeline", purpose=gettext_noop("case note"))
    return event


@transaction.atomic
def case_call_attempt(case: Case, *, outcome: str, by: User, note: str = "") -> CaseEvent:
    """Return the call attempt logged on the case's timeline.

    A callback due within CALLBACK_EARLY is the call being made: it is settled, so the
    case leaves the queue's "callbacks due" whatever the outcome (a new one can be
    scheduled). A later callback stays.
    """
    _choice(outcome, CallOutcome.values, field="outcome")
    note = _text(note, limit=NOTE_MAX, field="text")
    case = _writable(case)
    if case.callback_at is not None and case.callback_at <= timezone.now() + CALLBACK_EARLY:
        case.callback_at = None
        case.save(update_fields=["callback_at", "updated_at"])
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.CALL, outcome=outcome, text=note, by=by
    )
    # The caller's phone was used: a use of their data, as a note or a callback is.
    _audit_update(case, by=by, field="timeline", purpose=gettext_noop("call attempt"))
    return event


# The morning callback: when the hotline's day shift has settled in.
CALLBACK_MORNING = dt.time(9, 0)


def callback_after(after: str, *, now: dt.datetime) -> dt.datetime:
    """Return when a callback chosen as `after` (minutes, or "morning") falls due.

    "morning" is the next CALLBACK_MORNING in the hotline's time zone: tomorrow's,
    or today's while it is still ahead (a night shift's "in the morning").
    """
    if after != "morning":
        return now + dt.timedelta(minutes=int(after))
    local = timezone.localtime(now)
    due = timezone.make_aware(dt.datetime.combine(local.date(), CALLBACK_MORNING))
    if due <= now:
        due = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), CALLBACK_MORNING)
        )
    return due


@transaction.atomic
def case_schedule_callback(
    case: Case, *, at: dt.datetime, by: User, note: str = "", notify: bool = False
) -> Case:
    """Return the case with a callback due at `at`, which must lie in the future.

    With `notify`, the caller is told the time, on their settlement's clock
    (hotline.notices.callback_notify).
    """
    note = _text(note, limit=NOTE_MAX, field="text")
    now = timezone.now()
    if at <= now:
        raise InvalidInput(_("A callback must be in the future."), field="due_at")
    if at > now + CALLBACK_AHEAD_MAX:
        raise InvalidInput(
            _("A callback at most %(days)s days ahead.") % {"days": CALLBACK_AHEAD_MAX.days},
            field="due_at",
        )
    case = _writable(case)
    case.callback_at = at
    case.save(update_fields=["callback_at", "updated_at"])
    CaseEvent.objects.create(case=case, kind=EventKind.CALLBACK, due_at=at, text=note, by=by)
    _audit_update(case, by=by, field="callback", purpose=gettext_noop("callback"))
    if notify:
        callback_notify(case, by=by)
    return case


def _assignee_check(case: Case, to: User) -> None:
    """Raise InvalidInput (field "assignee") unless `to` can work this case.

    They must be active, may change cases, and see this one: a field team member
    outside their assigned settlements would be given a case they cannot open.
    """
    if not (to.is_active and to.has_perm("hotline.change_case")):
        raise InvalidInput(
            _("No operator %(name)s can take cases.") % {"name": to.username}, field="assignee"
        )
    if not case_scope(to).filter(pk=case.pk).exists():
        raise InvalidInput(
            _("%(name)s cannot see case %(reference)s: it is outside their settlements.")
            % {"name": to.username, "reference": case.reference},
            field="assignee",
        )


@transaction.atomic
def case_assign(case: Case, *, to: User, by: User) -> Case:
    """Return the case assigned to `to`; a new or triaged case becomes assigned.

    Raise InvalidInput (field "assignee") when `to` cannot work the case (_assignee_check).
    """
    case = _writable(case)
    _assignee_check(case, to)
    case.assignee = to
    if case.status in (Status.NEW, Status.TRIAGED):
        if case.status == Status.NEW:
            CaseEvent.objects.create(
                case=case,
                kind=EventKind.STATUS,
                from_status=Status.NEW,
                to_status=Status.TRIAGED,
                by=by,
            )
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.STATUS,
            from_status=Status.TRIAGED,
            to_status=Status.ASSIGNED,
            by=by,
        )
        case.status = Status.ASSIGNED
    CaseEvent.objects.create(case=case, kind=EventKind.ASSIGNED, text=str(to), by=by)
    case.save(update_fields=["assignee", "status", "updated_at"])
    _audit_update(case, by=by, field="assignee", purpose=gettext_noop("assignment"))
    return case


# What the two writes below change of a person, for the audit log.
PERSON_FIELDS = ("given_name", "patronymic", "family_name", "birth_date")


def _person_written(case: Case, person: Person, *, by: User, action: AuditAction) -> None:
    audit_record(
        user=by,
        action=action,
        record=f"people.person:{person.pk}",
        purpose=audit_labels.CASE_PERSON.text(case=case.reference),
        person_ids=[person.pk],
        fields=PERSON_FIELDS,
    )


@transaction.atomic
def case_caller_name(case: Case, data: people.PersonInput, *, by: User) -> Person:
    """Return the case's caller with the names and birth date given; phone and language stay.

    A message brings a phone and no name: the operator who calls back records it, and
    from then on the identity matcher finds the caller by name in any script.
    """
    case = _writable(case)
    caller = (
        Person.objects.select_for_update().filter(pk=case.caller_id).first()
        if case.caller_id is not None
        else None
    )
    if caller is None:
        raise InvalidInput(_("The case has no caller."), field="caller")
    people.person_writable(caller, field="caller")
    cleaned = people.person_validate(
        replace(
            data,
            phone=caller.phone,
            preferred_language=caller.preferred_language,
            legal_basis=caller.legal_basis,
            consent_method=caller.consent_method,
        ),
        field="caller",
    )
    people.person_update(caller, cleaned, field="caller")
    CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, msgid=gettext_noop("Caller's name recorded."), by=by
    )
    _person_written(case, caller, by=by, action=AuditAction.UPDATE)
    return caller


@transaction.atomic
def case_member_add(case: Case, data: people.PersonInput, *, by: User) -> Person:
    """Return a new member of the case's household, which grows to count every member.

    The caller speaks for the household, so a member is held on vital interest until
    they consent themselves (an evacuation request records each person's consent).
    """
    case = _writable(case)
    household = case.household
    if household is None:
        raise InvalidInput(_("The case has no household."), field="household")
    if not (data.given_name.strip() or data.family_name.strip()):
        raise InvalidInput(_("Give the member's name."), field="member.given_name")
    cleaned = people.person_validate(
        replace(
            data,
            phone="",
            preferred_language=case.language,
            legal_basis=LegalBasis.VITAL_INTEREST,
            consent_method=ConsentMethod.NOT_OBTAINED,
        ),
        field="member",
    )
    member = people.person_create(cleaned, household=household, by=by)
    count = household.members.count()
    if household.size < count:
        household.size = count
        household.save(update_fields=["size"])
    if case.household_size < count:
        case.household_size = count
        case.save(update_fields=["household_size", "updated_at"])
    CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, msgid=gettext_noop("Household member added."), by=by
    )
    _person_written(case, member, by=by, action=AuditAction.CREATE)
    return member


@dataclass(frozen=True)
class NeedsCorrection:
    """What an operator corrects of a case; a part left None stays as it is.

    `needs` are the case's open needs as they should be, one per type. Needs aid has
    fulfilled (needs_fulfil) stay as they are, shown apart: one of the same type given
    here is a new request, after the delivery.
    """

    needs: Sequence[NeedInput] | None = None
    vulnerabilities: Sequence[str] | None = None
    household_size: int | None = None
    settlement_id: str | None = None


@dataclass
class _Corrected:
    """What case_needs_correct changed, for the timeline's note and the audit log."""

    needs_removed: list[str] = field(default_factory=list)
    needs_added: list[str] = field(default_factory=list)
    needs_changed: list[str] = field(default_factory=list)
    vulnerabilities_removed: list[str] = field(default_factory=list)
    vulnerabilities_added: list[str] = field(default_factory=list)
    household_size: tuple[int, int] | None = None
    settlement: tuple[Place | None, Place] | None = None

    def fields(self) -> list[str]:
        """Return the case's fields that changed, as the audit log names them."""
        changed = {
            "needs": self.needs_removed or self.needs_added or self.needs_changed,
            "vulnerabilities": self.vulnerabilities_removed or self.vulnerabilities_added,
            "household_size": self.household_size,
            "settlement": self.settlement,
        }
        return [name for name, change in changed.items() if change]


def case_needs_version(case: Case) -> str:
    """Return a fingerprint of what case_needs_correct changes, as the reader has it.

    A form or API client sends it back with its correction: a save over another
    operator's correction, or over a delivery recorded meanwhile, is refused instead
    of silently undoing them.
    """
    needs = sorted(case.needs.all(), key=lambda need: need.pk)
    state = [
        [[n.pk, n.type, n.item, n.quantity, str(n.note), str(n.fulfilled_at)] for n in needs],
        sorted(case.vulnerabilities),
        case.household_size,
        case.settlement_id,
    ]
    return hashlib.sha256(json.dumps(state, ensure_ascii=False).encode()).hexdigest()[:16]


def case_needs_correct(
    case: Case, data: NeedsCorrection, *, by: User, version: str | None = None
) -> Case:
    """Return the case with its needs, vulnerabilities, household size and settlement
    corrected, its priority and SLA recomputed as case_open computes them.

    A message pre-fills a case from word stems ("лекарства не нужны" reads as a need
    of medicine); the operator who calls back corrects it. The timeline's note says
    what changed. With `version` (case_needs_version as read), a case changed since is
    refused (Conflict, field "version"); so is a purged or closed one (field "case").
    Everything that can refuse the input is checked before the transaction, as in
    case_open.
    """
    needs = None if data.needs is None else _needs(data.needs)
    vulnerabilities = None
    if data.vulnerabilities is not None:
        for i, vulnerability in enumerate(data.vulnerabilities):
            _choice(vulnerability, Vulnerability.values, field=f"vulnerabilities[{i}]")
        vulnerabilities = sorted(set(data.vulnerabilities))
    if data.household_size is not None and not 1 <= data.household_size <= 50:
        raise InvalidInput(_("A household has 1 to 50 persons."), field="household_size")
    settlement = _settlement(data.settlement_id)
    with transaction.atomic():
        case = _writable(case)
        if case.status == Status.CLOSED:
            raise Conflict(
                _("Case %(reference)s is closed: its needs stay as they were.")
                % {"reference": case.reference},
                field="case",
            )
        if version is not None and version != case_needs_version(case):
            raise Conflict(
                _(
                    "Case %(reference)s was changed since you opened it (another "
                    "correction, or aid delivered). Look at it again and correct it anew."
                )
                % {"reference": case.reference},
                field="version",
            )
        corrected = _Corrected()
        if needs is not None:
            _needs_replace(case, needs, corrected)
        if vulnerabilities is not None:
            corrected.vulnerabilities_removed = sorted({*case.vulnerabilities} - {*vulnerabilities})
            corrected.vulnerabilities_added = sorted({*vulnerabilities} - {*case.vulnerabilities})
            case.vulnerabilities = vulnerabilities
        if data.household_size is not None:
            _household_size_correct(case, data.household_size, corrected)
        if settlement is not None:
            _settlement_correct(case, settlement, corrected)
        if corrected.fields():
            _corrected_record(case, corrected, by=by)
        return case


def _needs_replace(case: Case, needs: Sequence[NeedInput], corrected: _Corrected) -> None:
    """Make the case's open needs these, keeping each row whose type stays."""
    kept: dict[str, Need] = {}
    for need in case.needs.filter(fulfilled_at__isnull=True).order_by("pk"):
        if need.type in kept:  # a second row of a type, from before one was refused
            corrected.needs_changed.append(need.type)
            need.delete()
        else:
            kept[need.type] = need
    given = {need.type: need for need in needs}
    for need_type, need in kept.items():
        if need_type not in given:
            corrected.needs_removed.append(need_type)
            need.delete()
    for need_type, wanted in given.items():
        row = kept.get(need_type)
        if row is None:
            corrected.needs_added.append(need_type)
            Need.objects.create(
                case=case,
                type=need_type,
                item=wanted.item,
                quantity=wanted.quantity,
                note=wanted.note,
            )
        elif (row.item, row.quantity, str(row.note)) != (wanted.item, wanted.quantity, wanted.note):
            corrected.needs_changed.append(need_type)
            row.item, row.quantity, row.note = wanted.item, wanted.quantity, wanted.note
            row.save(update_fields=["item", "quantity", "note"])
    corrected.needs_changed = sorted(set(corrected.needs_changed) - set(corrected.needs_removed))


def _household_size_correct(case: Case, size: int, corrected: _Corrected) -> None:
    """Give the case, and its household, this size: never fewer than its members."""
    if size == case.household_size:
        return
    household = case.household
    if household is not None:
        members = household.members.count()
        if size < members:
            raise InvalidInput(
                ngettext(
                    "%(n)s person is registered in the household: it has at least %(n)s.",
                    "%(n)s persons are registered in the household: it has at least %(n)s.",
                    members,
                )
                % {"n": members},
                field="household_size",
            )
        _household_resize(household, size)
    corrected.household_size = (case.household_size, size)
    case.household_size = size


def _settlement_correct(case: Case, settlement: Place, corrected: _Corrected) -> None:
    """Move the case to the settlement, and its household when it was where the case was.

    Intake gives a new household the case's settlement: read wrongly from a message,
    both were wrong, and aid plans by the household's. A household registered
    elsewhere (a known caller now in another settlement) stays where it is.
    """
    if settlement.pk == case.settlement_id:
        return
    household = case.household
    if household is not None and household.settlement_id in (None, case.settlement_id):
        household.settlement = settlement
        household.save(update_fields=["settlement"])
    corrected.settlement = (case.settlement, settlement)
    case.settlement = settlement


def _corrected_record(case: Case, corrected: _Corrected, *, by: User) -> None:
    """Save the corrected case reprioritised, with its timeline note and audit entry."""
    before = case.priority
    _prioritise(case, now=timezone.now())
    case.save(
        update_fields=[
            "vulnerabilities",
            "household_size",
            "settlement",
            "priority",
            "band",
            "priority_reasons",
            "due_at",
            "updated_at",
        ]
    )
    CaseEvent.objects.create(
        case=case,
        kind=EventKind.NOTE,
        msgid=gettext_noop("Corrected: %(changes)s. Priority %(before)s → %(after)s."),
        params={
            "changes": texts_param(lambda language: _corrected_text(corrected, language)),
            "before": before,
            "after": case.priority,
        },
        by=by,
    )
    _audit_write(
        case,
        by=by,
        action=AuditAction.UPDATE,
        fields=corrected.fields(),
        purpose=gettext_noop("case correction"),
    )


def _corrected_text(corrected: _Corrected, language: str) -> str:
    """Return what changed in `language`: labels only, never an item or a note."""
    with translation.override(language):
        needs = [
            (corrected.needs_removed, _("needs removed: %(list)s")),
            (corrected.needs_added, _("needs added: %(list)s")),
            (corrected.needs_changed, _("needs changed: %(list)s")),
        ]
        parts = [
            text % {"list": ", ".join(str(NeedType(t).label) for t in types)}
            for types, text in needs
            if types
        ]
        vulnerabilities = [
            (corrected.vulnerabilities_removed, _("vulnerabilities removed: %(list)s")),
            (corrected.vulnerabilities_added, _("vulnerabilities added: %(list)s")),
        ]
        parts += [
            text % {"list": ", ".join(str(Vulnerability(v).label) for v in values)}
            for values, text in vulnerabilities
            if values
        ]
        if corrected.household_size is not None:
            old, new = corrected.household_size
            parts.append(_("household size %(old)s → %(new)s") % {"old": old, "new": new})
        if corrected.settlement is not None:
            old_place, new_place = corrected.settlement
            parts.append(
                _("settlement %(old)s → %(new)s")
                % {
                    "old": old_place.display_name(language) if old_place else "—",
                    "new": new_place.display_name(language),
                }
            )
        return "; ".join(parts)


@transaction.atomic
def needs_fulfil(
    needs: Sequence[Need],
    *,
    msgid: str,
    params: Mapping[str, NoteParam] | None = None,
    by: User | None,
) -> int:
    """Return how many of the needs this marked fulfilled; each case's timeline says by what.

    The note is a msgid and its params, as case_event_append takes them. Needs
    fulfilled before are left as they were (aid.distribution_record calls this).
    """
    params = _params(params or {})
    now = timezone.now()
    open_needs = list(
        Need.objects.select_for_update()
        .filter(pk__in=[n.pk for n in needs], fulfilled_at__isnull=True)
        .select_related("case")
    )
    cases = {need.case_id: need.case for need in open_needs}
    Need.objects.filter(pk__in=[n.pk for n in open_needs]).update(fulfilled_at=now)
    for case in cases.values():
        CaseEvent.objects.create(
            case=case, kind=EventKind.NOTE, msgid=msgid, params=_note_params(case, params), by=by
        )
        _audit_update(case, by=by, field="needs", purpose=gettext_noop("aid"))
    return len(open_needs)


def case_reprioritise_open(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Recompute the waiting part of every open case's priority; return how many changed.

    The score grows with waiting time, so a periodic run (the task worker, or this
    command) keeps the queue's order and the SLA bands honest.
    """
    now = now or timezone.now()
    changed = 0
    ids = list(Case.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            cases = Case.objects.select_for_update().filter(pk__in=ids[start : start + batch])
            for case in cases.prefetch_related("needs"):
                before = (case.priority, case.band)
                _prioritise(case, now=now)
                if (case.priority, case.band) != before:
                    case.save(update_fields=["priority", "band", "priority_reasons", "due_at"])
                    changed += 1
    return changed


@transaction.atomic
def case_event_append(
    case: Case,
    *,
    kind: str,
    text: str = "",
    msgid: str = "",
    params: Mapping[str, NoteParam] | None = None,
    by: User | None = None,
) -> CaseEvent:
    """Return a message or note appended to the timeline by a channel (no user need act).

    Channels record what a resident wrote (kind MESSAGE, `text` kept as written) and
    each notice sent to them and its delivery (kind NOTE). Text reliefline writes itself
    comes as a `msgid` marked with gettext_noop and its `params` (see hotline.timeline),
    so each reader sees it in their own language. Operators add notes through case_note.

    On a purged case only such a note is kept, without its parameters (_note_params); a
    resident's message or a note of free text is refused (Conflict, field "case").
    """
    _choice(kind, (EventKind.MESSAGE, EventKind.NOTE), field="kind")
    text = _text(text, limit=MESSAGE_MAX, field="text")
    # Read afresh: the channel's copy of the case may be older than the purge.
    case.purged_at = Case.objects.values_list("purged_at", flat=True).get(pk=case.pk)
    if case.purged_at is not None and (kind != EventKind.NOTE or text or not msgid):
        raise _purged(case)
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        text=text,
        msgid=msgid,
        params=_note_params(case, _params(params or {})),
        by=by,
    )
    _audit_update(case, by=by, field="timeline", purpose=gettext_noop("channel"))
    return event
