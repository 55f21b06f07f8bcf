"""Claims about settlements: append-only, newest per source, validated field by field."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliefline.errors import InvalidInput
from reliefline.places.claims import ClaimInput, claim_record
from reliefline.places.models import RETRACTED, Claim, SourceKind
from reliefline.places.selectors import claims_latest
from reliefline.places.tests.factories import ClaimFactory, PlaceFactory, SourceFactory

pytestmark = pytest.mark.django_db
AUG = dt.date(2024, 8, 1)


def _input(**overrides: object) -> ClaimInput:
    values: dict[str, object] = {
        "attribute": "control",
        "value": "ukrainian_forces",
        "source": "Institute for the Study of War",
        "source_kind": SourceKind.ANALYST,
        "stated_at": dt.date(2024, 8, 13),
        "settlements": [],
    }
    values.update(overrides)
    return ClaimInput(**values)  # type: ignore[arg-type]


def test_claims_latest_gives_the_newest_claim_of_each_source() -> None:
    place = PlaceFactory()
    isw, party = SourceFactory(name="ISW"), SourceFactory(name="General Staff")
    ClaimFactory(source=isw, settlements=[place], value="contested", stated_at=AUG)
    newer = ClaimFactory(source=isw, settlements=[place], value="ukrainian_forces")
    theirs = ClaimFactory(source=party, settlements=[place], value="ukrainian_forces")

    assert claims_latest(place_id=place.pk, attribute="control") == [theirs, newer]


def test_claims_latest_as_of_ignores_later_statements() -> None:
    place = PlaceFactory()
    older = ClaimFactory(settlements=[place], value="contested", stated_at=AUG)
    ClaimFactory(source=older.source, settlements=[place], stated_at=dt.date(2024, 8, 20))

    assert claims_latest(place_id=place.pk, attribute="control", as_of=dt.date(2024, 8, 10)) == [
        older
    ]


def test_claims_latest_ignores_other_attributes_and_places() -> None:
    place = PlaceFactory()
    ClaimFactory(settlements=[place], attribute="water", value="none")
    ClaimFactory(settlements=[PlaceFactory()])

    assert claims_latest(place_id=place.pk, attribute="control") == []


def test_a_retraction_stands_beside_the_claim_it_withdraws() -> None:
    place = PlaceFactory()
    first = claim_record(_input(settlements=[place.pk]), by=None)
    retraction = claim_record(
        _input(settlements=[place.pk], value=RETRACTED, stated_at=dt.date(2024, 8, 14)), by=None
    )

    assert Claim.objects.count() == 2
    assert Claim.objects.get(pk=first.pk).value == "ukrainian_forces"
    assert claims_latest(place_id=place.pk, attribute="control") == [retraction]


def test_claim_record_keeps_the_stated_count_without_a_list() -> None:
    claim = claim_record(_input(stated_count=74, source_kind="party", source="Ukraine"), by=None)

    assert claim.stated_count == 74
    assert claim.settlements.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"attribute": "mood"}, "attribute"),
        ({"value": "ours"}, "value"),
        ({"source": "  "}, "source"),
        ({"source_kind": "rumour"}, "source_kind"),
        ({"stated_at": dt.date(2999, 1, 1)}, "stated_at"),
        ({"refers_to": dt.date(2024, 8, 14)}, "refers_to"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"note": "x" * 2001}, "note"),
        ({"confidence": "sure"}, "confidence"),
        ({"settlements": ["nowhere"]}, "settlements"),
        ({"settlements": []}, "settlements"),
        # A resident says what they see, not who holds the settlement.
        ({"source_kind": "residents"}, "attribute"),
        ({"source": "Resident reports (hotline)"}, "source_kind"),
    ],
)
def test_bad_claim_names_the_field_and_stores_nothing(
    overrides: dict[str, object], field: str
) -> None:
    if "settlements" not in overrides:
        overrides = {**overrides, "settlements": [PlaceFactory().pk]}
    with pytest.raises(InvalidInput) as raised:
        claim_record(_input(**overrides), by=None)

    assert raised.value.field == field
    assert Claim.objects.count() == 0


def test_a_known_source_keeps_its_kind() -> None:
    SourceFactory(name="ISW", kind=SourceKind.ANALYST)

    with pytest.raises(InvalidInput, match="recorded as"):
        claim_record(_input(source="isw", source_kind="party", stated_count=1), by=None)


@settings(max_examples=30, deadline=None)
@given(name=st.text(max_size=60), note=st.text(max_size=60))
def test_claim_record_never_crashes_on_junk_text(name: str, note: str) -> None:
    try:
        claim = claim_record(_input(source=name, note=note, stated_count=3), by=None)
    except InvalidInput as error:
        assert error.field in {"source", "note"}
    else:
        assert Claim.objects.filter(pk=claim.pk, source__name__iexact=claim.source.name).exists()
