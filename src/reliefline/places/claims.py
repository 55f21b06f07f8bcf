"""Every write of situation claims: append-only, one function per use case."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.errors import Conflict, InvalidInput
from reliefline.places.models import (
    ATTRIBUTE_VALUES,
    RESIDENT_SOURCE,
    RETRACTED,
    Attribute,
    Claim,
    Confidence,
    Place,
    Source,
    SourceKind,
)
from reliefline.text import text_check

SETTLEMENTS_MAX = 500
NOTE_MAX = 2_000
SOURCE_MAX = 200
URL_MAX = 500
STATED_COUNT_MAX = 100_000
# A source in a time zone ahead of the server may date its statement "tomorrow".
FUTURE_TOLERANCE = dt.timedelta(days=1)


@dataclass(frozen=True)
class ClaimInput:
    """A claim as a coordinator, an analyst or an operator describes it."""

    attribute: str
    value: str
    source: str
    source_kind: str
    stated_at: dt.date
    refers_to: dt.date | None = None
    settlements: Sequence[str] = field(default_factory=tuple)
    stated_count: int | None = None
    confidence: str = Confidence.UNVERIFIED
    url: str = ""
    note: str = ""


def _check_value(data: ClaimInput) -> None:
    values = ATTRIBUTE_VALUES.get(data.attribute)
    if values is None:
        raise InvalidInput(
            _("Unknown attribute; one of %(known)s.") % {"known": ", ".join(ATTRIBUTE_VALUES)},
            field="attribute",
        )
    if data.value != RETRACTED and data.value not in values:
        raise InvalidInput(
            _("Not a value of %(attribute)s; one of %(known)s.")
            % {"attribute": data.attribute, "known": ", ".join([*values, RETRACTED])},
            field="value",
        )


def _check_dates(data: ClaimInput, *, today: dt.date) -> dt.date:
    if data.stated_at > today + FUTURE_TOLERANCE:
        raise InvalidInput(_("Is in the future."), field="stated_at")
    refers_to = data.refers_to or data.stated_at
    if refers_to > data.stated_at:
        raise InvalidInput(_("Is after the day the claim was stated."), field="refers_to")
    return refers_to


def _check_text(data: ClaimInput) -> None:
    if data.confidence not in Confidence.values:
        raise InvalidInput(
            _("One of %(known)s.") % {"known": ", ".join(Confidence.values)}, field="confidence"
        )
    if len(data.note) > NOTE_MAX:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": NOTE_MAX}, field="note")
    text_check(data.note, field="note")
    if data.url:
        try:
            URLValidator(schemes=["http", "https"])(data.url)
        except ValidationError:
            raise InvalidInput(_("Not an http or https address."), field="url") from None
        if len(data.url) > URL_MAX:
            raise InvalidInput(_("At most %(n)d characters.") % {"n": URL_MAX}, field="url")
    if data.stated_count is not None and not 0 <= data.stated_count <= STATED_COUNT_MAX:
        raise InvalidInput(
            _("Between 0 and %(n)d.") % {"n": STATED_COUNT_MAX}, field="stated_count"
        )


def _settlements(ids: Sequence[str], *, stated_count: int | None) -> list[Place]:
    if not ids and stated_count is None:
        raise InvalidInput(
            _("Name at least one settlement, or give the number the source stated."),
            field="settlements",
        )
    if len(ids) > SETTLEMENTS_MAX:
        raise InvalidInput(
            _("At most %(n)d settlements in one claim.") % {"n": SETTLEMENTS_MAX},
            field="settlements",
        )
    for place_id in ids:
        text_check(place_id, field="settlements")
    places = {p.pk: p for p in Place.objects.filter(pk__in=ids)}
    missing = [place_id for place_id in ids if place_id not in places]
    if missing:
        raise InvalidInput(
            _("No settlement %(id)s.") % {"id": missing[0][:64]}, field="settlements"
        )
    return list(places.values())


def _source(name: str, kind: str) -> Source:
    name = " ".join(text_check(name, field="source").split())
    if not name:
        raise InvalidInput(_("Name the organisation or publication."), field="source")
    if len(name) > SOURCE_MAX:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": SOURCE_MAX}, field="source")
    if kind not in SourceKind.values:
        raise InvalidInput(
            _("One of %(known)s.") % {"known": ", ".join(SourceKind.values)}, field="source_kind"
        )
    source = Source.objects.filter(name__iexact=name).first()
    if source is None:
        return Source.objects.create(name=name, kind=kind)
    if source.kind != kind:
        raise InvalidInput(
            _("%(name)s is recorded as %(kind)s.")
            % {"name": source.name, "kind": source.get_kind_display()},
            field="source_kind",
        )
    return source


@transaction.atomic
def claim_record(
    data: ClaimInput, *, by: User | None, case_reference: str = "", today: dt.date | None = None
) -> Claim:
    """Return the new claim, stored beside every earlier one; nothing is overwritten.

    Raises InvalidInput naming the field for anything that cannot be stored.
    """
    _check_value(data)
    refers_to = _check_dates(data, today=today or timezone.localdate())
    _check_text(data)
    places = _settlements(list(dict.fromkeys(data.settlements)), stated_count=data.stated_count)
    source = _source(data.source, data.source_kind)
    claim = Claim.objects.create(
        source=source,
        attribute=data.attribute,
        value=data.value,
        stated_count=data.stated_count,
        stated_at=data.stated_at,
        refers_to=refers_to,
        confidence=data.confidence,
        url=data.url,
        note=data.note.strip(),
        case_reference=case_reference,
        entered_by=by,
    )
    claim.settlements.set(places)
    return claim


# What a resident's need most often reports about their settlement, offered first.
NEED_REPORTS = {
    "water": (Attribute.WATER, "none"),
    "food": (Attribute.FOOD, "short"),
    "medicine": (Attribute.MEDICAL, "limited"),
    "medical_care": (Attribute.MEDICAL, "limited"),
}


@transaction.atomic
def claim_from_report(
    *,
    place: Place,
    attribute: str,
    value: str,
    case_reference: str,
    by: User,
    note: str = "",
    today: dt.date | None = None,
) -> Claim:
    """Return the claim a resident's report makes about their settlement.

    The source is the hotline's resident reports, never the caller: the claim keeps
    the case reference, which only those who may see the case can follow. One case
    gives one claim per attribute and value.
    """
    if Claim.objects.filter(
        case_reference=case_reference, attribute=attribute, value=value
    ).exists():
        raise Conflict(_("This report is already a claim."), field="value")
    day = today or timezone.localdate()
    data = ClaimInput(
        attribute=attribute,
        value=value,
        source=RESIDENT_SOURCE,
        source_kind=SourceKind.RESIDENTS,
        stated_at=day,
        refers_to=day,
        settlements=[place.pk],
        note=note,
    )
    return claim_record(data, by=by, case_reference=case_reference, today=day)
