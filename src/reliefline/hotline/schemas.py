"""Cases as the JSON API reads and writes them; models become output only here."""

import datetime as dt
from typing import Any, Literal

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import StrictBool, StrictInt, field_validator

from reliefline.hotline import priority
from reliefline.hotline.models import (
    OPEN_STATUSES,
    Band,
    CallOutcome,
    Case,
    CaseEvent,
    Channel,
    Need,
    NeedType,
    Status,
    Vulnerability,
)
from reliefline.hotline.selectors import QueueFilters
from reliefline.hotline.services import (
    ITEM_MAX,
    MESSAGE_MAX,
    NEEDS_MAX,
    NOTE_MAX,
    QUANTITY_MAX,
    CaseInput,
    NeedInput,
    NeedsCorrection,
    case_needs_version,
    consent_method_for,
)
from reliefline.people.models import ConsentMethod, Language, LegalBasis, Person
from reliefline.people.phones import MAX_PHONE_INPUT
from reliefline.people.services import NAME_MAX, PersonInput
from reliefline.places.schemas import PlaceOut, place_out
from reliefline.schemas import IsoDate, IsoDateTime, ObjectIn

PLACE_ID_MAX = 64
USERNAME_MAX = 150
CURSOR_MAX = 200
QUEUE_STATUSES = ("open", "all", *Status.values)


class ErrorOut(Schema):
    detail: str
    code: str
    field: str | None = None


# ---- input -------------------------------------------------------------------------


class CallerIn(ObjectIn):
    """The caller as a sender knows them; fields a sender adds beyond these are ignored."""

    given_name: str | None = Field(None, max_length=NAME_MAX)
    family_name: str | None = Field(None, max_length=NAME_MAX)
    patronymic: str | None = Field(None, max_length=NAME_MAX)
    birth_date: IsoDate | None = None
    phone: str | None = Field(None, max_length=MAX_PHONE_INPUT)
    legal_basis: LegalBasis = Field(
        LegalBasis.CONSENT, description="Why reliefline may hold this person's data."
    )
    consent_method: ConsentMethod | None = Field(
        None, description="How consent was given; by default what the channel implies."
    )


class NeedIn(ObjectIn):
    type: NeedType
    item: str | None = Field(None, max_length=ITEM_MAX)
    quantity: StrictInt | None = Field(None, ge=1, le=QUANTITY_MAX)
    note: str | None = Field(None, max_length=NOTE_MAX)


class CaseIn(ObjectIn):
    """A new case: only channel, language and the caller's phone or name are required."""

    channel: Channel
    language: Language
    caller: CallerIn | None = Field(
        None,
        description="The caller as given. Linked to the registered person with this phone "
        "when the identity matcher is certain (the names agree); otherwise a new person, "
        "and the case's timeline names the others registered with the phone.",
    )
    person_id: StrictInt | None = Field(
        None, ge=1, description="An earlier caller the operator picked, instead of `caller`."
    )
    household_id: StrictInt | None = Field(
        None,
        ge=1,
        description="A registered household the new `caller` belongs to (a family member "
        "calling from its phone), instead of a household of their own.",
    )
    settlement: str | None = Field(None, max_length=PLACE_ID_MAX, description="A place id.")
    household_size: StrictInt | None = Field(None, ge=1, le=50)
    needs: list[NeedIn] = Field(default_factory=list, max_length=NEEDS_MAX)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list, max_length=20)
    message: str | None = Field(None, max_length=MESSAGE_MAX)


class CaseQuery(Schema):
    status: str = Field("open", description="A status, `open` (default) or `all`.")
    settlement: str = Field("", max_length=PLACE_ID_MAX)
    need: NeedType | None = None
    band: Band | None = None
    language: Language | None = None
    assignee: str = Field("", max_length=USERNAME_MAX, description="A username, `me` or `none`.")
    overdue: bool = False
    callback_due: bool = Field(False, description="Only open cases whose callback is due.")
    cursor: str = Field("", max_length=CURSOR_MAX)
    limit: int = Field(25, ge=1, le=100)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        if value not in QUEUE_STATUSES:
            raise ValueError(_("Use one of %(values)s.") % {"values": ", ".join(QUEUE_STATUSES)})
        return value


class EventIn(ObjectIn):
    """One timeline entry; which other fields count depends on `kind`."""

    kind: Literal["note", "call", "status", "callback", "assign"]
    text: str = Field("", max_length=NOTE_MAX, description="The note, or a remark on the event.")
    outcome: CallOutcome | None = Field(None, description="For `call`.")
    status: Status | None = Field(None, description="For `status`: the new status.")
    due_at: IsoDateTime | None = Field(None, description="For `callback`: when to call.")
    notify: StrictBool = Field(
        False,
        description="For `callback`: tell the caller the time by message, on their "
        "settlement's clock.",
    )
    assignee: str | None = Field(None, max_length=USERNAME_MAX, description="For `assign`.")


class NeedsIn(ObjectIn):
    """A correction of what intake recorded; a field left out (or null) stays as it is."""

    needs: list[NeedIn] | None = Field(
        None,
        max_length=NEEDS_MAX,
        description="The case's open needs as they should be, each type once; needs "
        "fulfilled by aid stay as they are (one of the same type here is a new request).",
    )
    vulnerabilities: list[Vulnerability] | None = Field(None, max_length=20)
    household_size: StrictInt | None = Field(None, ge=1, le=50)
    settlement: str | None = Field(None, max_length=PLACE_ID_MAX, description="A place id.")
    version: str | None = Field(
        None,
        max_length=64,
        description="The case's `needs_version` as you read it: if the case changed "
        "since, the answer is 409 and nothing is stored.",
    )


def need_inputs(needs: list[NeedIn]) -> list[NeedInput]:
    """Return the service's needs for the needs of a validated request body."""
    return [
        NeedInput(
            type=need.type.value,
            item=need.item or "",
            quantity=need.quantity,
            note=need.note or "",
        )
        for need in needs
    ]


def needs_correction(data: NeedsIn) -> NeedsCorrection:
    """Return the service's correction for a validated request body."""
    return NeedsCorrection(
        needs=None if data.needs is None else need_inputs(data.needs),
        vulnerabilities=None
        if data.vulnerabilities is None
        else [v.value for v in data.vulnerabilities],
        household_size=data.household_size,
        settlement_id=data.settlement,
    )


def case_input(data: CaseIn) -> CaseInput:
    """Return the service's input for a validated request body."""
    caller = data.caller
    return CaseInput(
        channel=data.channel.value,
        language=data.language.value,
        caller=None
        if caller is None
        else PersonInput(
            given_name=caller.given_name or "",
            family_name=caller.family_name or "",
            patronymic=caller.patronymic or "",
            birth_date=caller.birth_date,
            phone=caller.phone or "",
            preferred_language=data.language.value,
            legal_basis=caller.legal_basis.value,
            consent_method=caller.consent_method.value
            if caller.consent_method
            else consent_method_for(data.channel.value),
        ),
        person_id=data.person_id,
        # A known caller on a new number, as the operator's form takes it (the caller's
        # names are checked against person_id's in services._caller_is).
        caller_phone=(caller.phone or "") if caller is not None and data.person_id else "",
        link_known_caller=True,
        household_id=data.household_id,
        settlement_id=data.settlement,
        household_size=data.household_size,
        needs=need_inputs(data.needs),
        vulnerabilities=[v.value for v in data.vulnerabilities],
        message=data.message or "",
    )


def queue_filters(query: CaseQuery, *, user: User) -> QueueFilters:
    """Return the queue filters of a query; `assignee=me` is the asking user."""
    return QueueFilters(
        status=query.status,
        band=query.band.value if query.band else "",
        settlement=query.settlement,
        language=query.language.value if query.language else "",
        assignee=user.username if query.assignee == "me" else query.assignee,
        need=query.need.value if query.need else "",
        overdue=query.overdue,
        callback_due=query.callback_due,
    )


# ---- output ------------------------------------------------------------------------


class CallerOut(Schema):
    id: int
    given_name: str
    family_name: str
    patronymic: str
    birth_date: dt.date | None
    phone: str
    preferred_language: str


class NeedOut(Schema):
    type: str
    item: str
    quantity: int | None
    note: str
    fulfilled_at: dt.datetime | None


class EventOut(Schema):
    kind: str
    at: dt.datetime
    by: str | None
    from_status: str
    to_status: str
    outcome: str
    text: str
    due_at: dt.datetime | None


class CaseOut(Schema):
    reference: str
    status: str
    priority: int
    band: str
    priority_reasons: list[str]
    person_id: int | None
    household_id: int | None
    household_size: int
    caller: CallerOut | None
    settlement: PlaceOut | None
    needs: list[NeedOut]
    vulnerabilities: list[str]
    channel: str
    language: str
    assignee: str | None
    due_at: dt.datetime
    overdue: bool
    callback_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CaseDetail(CaseOut):
    message: str
    events: list[EventOut]
    needs_version: str = Field(
        description="Send it back with a correction (POST …/needs) to refuse one over a "
        "change made since you read the case."
    )


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None


def _caller_out(person: Person) -> CallerOut:
    return CallerOut(
        id=person.pk,
        given_name=person.given_name,
        family_name=person.family_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        phone=person.phone,
        preferred_language=person.preferred_language,
    )


def _need_out(need: Need) -> NeedOut:
    return NeedOut(
        type=need.type,
        item=need.item,
        quantity=need.quantity,
        note=need.note,
        fulfilled_at=need.fulfilled_at,
    )


def _event_out(event: CaseEvent) -> EventOut:
    return EventOut(
        kind=event.kind,
        at=event.at,
        by=event.by.username if event.by else None,
        from_status=event.from_status,
        to_status=event.to_status,
        outcome=event.outcome,
        text=event.display_text,
        due_at=event.due_at,
    )


def _case_fields(case: Case) -> dict[str, Any]:
    return {
        "reference": str(case.reference),
        "status": case.status,
        "priority": case.priority,
        "band": case.band,
        "priority_reasons": [priority.reason_text(r) for r in case.priority_reasons],
        "person_id": case.caller_id,
        "household_id": case.household_id,
        "household_size": case.household_size,
        "caller": _caller_out(case.caller) if case.caller else None,
        "settlement": place_out(case.settlement) if case.settlement else None,
        "needs": [_need_out(need) for need in case.needs.all()],
        "vulnerabilities": list(case.vulnerabilities),
        "channel": case.channel,
        "language": case.language,
        "assignee": case.assignee.username if case.assignee else None,
        "due_at": case.due_at,
        "overdue": case.status in OPEN_STATUSES and case.due_at < timezone.now(),
        "callback_at": case.callback_at,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def case_out(case: Case) -> CaseOut:
    """Return the case as the queue and intake show it (needs prefetched, ideally)."""
    return CaseOut(**_case_fields(case))


def case_detail(case: Case) -> CaseDetail:
    """Return the case with the resident's message and its whole timeline."""
    return CaseDetail(
        **_case_fields(case),
        message=case.message,
        events=[_event_out(event) for event in case.events.all()],
        needs_version=case_needs_version(case),
    )
