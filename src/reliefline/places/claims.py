"""Every write of situation claims: append-only, one function per use case."""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
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
from reliefline.translit import skeleton

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


def _check_kind(data: ClaimInput) -> None:
    """Refuse a claim about control from resident reports, however it comes in.

    A resident says what they see (no water, shelling), not who holds the settlement.
    The API, the case page and any import all pass here. `_source` holds a known
    source to its recorded kind, so checking the kind sent is enough, once the
    hotline's own source (matched as `_source` matches names) cannot be sent as
    another kind before its first claim is stored.
    """
    name = " ".join(data.source.split()).casefold()
    if name == RESIDENT_SOURCE.casefold() and data.source_kind != SourceKind.RESIDENTS:
        raise InvalidInput(
            _("%(name)s is recorded as %(kind)s.")
            % {"name": RESIDENT_SOURCE, "kind": SourceKind.RESIDENTS.label},
            field="source_kind",
        )
    if data.attribute == Attribute.CONTROL and data.source_kind == SourceKind.RESIDENTS:
        raise InvalidInput(
            _("A resident's report cannot be a claim about control."), field="attribute"
        )


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
    _check_kind(data)
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


# What a resident's need most often reports about their settlement: the case page
# suggests it, never chooses it.
NEED_REPORTS = {
    "water": (Attribute.WATER, "none"),
    "food": (Attribute.FOOD, "short"),
    "medicine": (Attribute.MEDICAL, "limited"),
    "medical_care": (Attribute.MEDICAL, "limited"),
}
# The regions whose numbers residents give, in their own national formats too.
PHONE_REGIONS = ("RU", "UA")
# A name's ending changes with its grammatical case (Шевцова, Шевцовою; Олег, Олегу): a
# word that is a name's stem (its last vowel dropped, when it has five letters or more)
# and up to three letters more is that name. A stem under four letters (Іра, Ян) would
# match common words, so such a name must match whole.
NAME_ENDINGS = 3
NAME_STEM_MIN = 4
_VOWELS = frozenset("аеиоуюя")

# places sits below hotline and cannot read a case: the names of the people in a case
# come from providers registered from an AppConfig.ready() (places/apps.py), given the
# case reference.
CaseNames = Callable[[str], Iterable[str]]
_case_names: list[CaseNames] = []


def register_case_names(provider: CaseNames) -> None:
    """Let claim_from_report find the names of a case's people by its reference."""
    if provider not in _case_names:
        _case_names.append(provider)


def _name_stem(word: str) -> str:
    if len(word) > NAME_STEM_MIN and word[-1] in _VOWELS:
        return word[:-1]
    return word


def _is_name(word: str, name: str) -> bool:
    if word == name:
        return True
    stem = _name_stem(name)
    return (
        len(stem) >= NAME_STEM_MIN
        and word.startswith(stem)
        and len(word) - len(stem) <= NAME_ENDINGS
    )


def _names_in(note: str, names: Iterable[str]) -> bool:
    """Return whether a word of the note is one of the names, in any script or case."""
    keys = {word for name in names for word in skeleton(name).split() if len(word) > 1}
    return any(_is_name(word, key) for word in skeleton(note).split() for key in keys)


def _phone_in(note: str) -> bool:
    """Return whether the note holds a valid number, written as either country writes it."""
    for region in PHONE_REGIONS:
        matcher = phonenumbers.PhoneNumberMatcher(
            note, region, leniency=phonenumbers.Leniency.VALID
        )
        if matcher.has_next():
            return True
    return False


def _check_report_note(note: str, *, case_reference: str) -> None:
    """Refuse a note that holds a phone number or a name of the case's people.

    The note leaves the case: it sits beside the other sources' claims, outside the
    encrypted fields and the subject's export, and only the case's purge empties it
    (claim_notes_forget), so it must not identify anyone. Anyone else's name cannot
    be told from any other word; the label asks for none.
    """
    if _phone_in(note):
        raise InvalidInput(
            _("Leave out the phone number: the note goes with the claim, outside the case."),
            field="note",
        )
    names = [name for provider in _case_names for name in provider(case_reference)]
    if _names_in(note, names):
        raise InvalidInput(
            _(
                "Leave out the names of the caller and their household: the note goes with "
                "the claim, outside the case."
            ),
            field="note",
        )


def _check_report(attribute: str, value: str) -> None:
    if not attribute or not value:
        raise InvalidInput(_("Choose what the resident reported."), field="value")


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
    the case reference, which only those who may see the case can follow, and a note
    with a phone number or a name of the case's people is refused. One case gives
    one claim per attribute and value; nothing is chosen for the operator.
    """
    _check_report(attribute, value)
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
    _check_text(data)  # the note's length first: the checks below read all of it
    _check_report_note(note, case_reference=case_reference)
    if Claim.objects.filter(
        case_reference=case_reference, attribute=attribute, value=value
    ).exists():
        raise Conflict(_("This report is already a claim."), field="value")
    return claim_record(data, by=by, case_reference=case_reference, today=day)


@transaction.atomic
def claim_notes_forget(*, case_references: Iterable[str] | QuerySet[Any, str | None]) -> int:
    """Return how many claims made from these cases (a list, or a subquery) lost their note.

    Retention empties a purged case's message; the notes written beside its report
    go with it. The claim itself stays: what was reported about the settlement is
    not personal.
    """
    claims = Claim.objects.filter(case_reference__in=case_references).exclude(note="")
    return claims.update(note="")
