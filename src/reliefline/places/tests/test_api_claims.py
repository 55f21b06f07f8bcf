"""/api/v1/places/claims: record, list, and the sources side by side."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import SUDZHA
from reliefline.places.models import Claim, Source
from reliefline.places.tests.factories import ClaimFactory, PlaceFactory, SourceFactory

ApiAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")
URL = "/api/v1/places/claims"


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "settlements": [SUDZHA],
        "attribute": "water",
        "value": "none",
        "source": "Residents of Sudzha",
        "source_kind": "residents",
        "stated_at": "2024-08-14",
        "refers_to": "2024-08-13",
        "url": "",
        "note": "No water since Tuesday.",
    }
    body.update(overrides)
    return body


def test_coordinator_records_a_claim(api_as: ApiAs) -> None:
    response = api_as("coordinator").post(URL, _body(), content_type="application/json")

    assert response.status_code == 201, response.content
    claim = response.json()
    assert claim["settlements"][0]["id"] == SUDZHA
    assert claim["source"] == {"name": "Residents of Sudzha", "kind": "residents", "url": ""}
    assert claim["refers_to"] == "2024-08-13"
    assert Claim.objects.get().note == "No water since Tuesday."


@pytest.mark.parametrize("role", ["partner", "field", "dpo"])
def test_roles_that_only_read_cannot_record(api_as: ApiAs, role: str) -> None:
    response = api_as(role).post(URL, _body(), content_type="application/json")

    assert response.status_code == 403
    assert not Claim.objects.exists()


def test_stranger_gets_401() -> None:
    response = Client().post(URL, _body(), content_type="application/json")

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"stated_at": "13 August"}, "stated_at"),
        ({"settlements": ["nowhere"]}, "settlements"),
        ({"settlements": "Sudzha"}, "settlements"),
        ({"value": "plenty"}, "value"),
        ({"attribute": None}, "attribute"),
        ({"source_kind": "gossip"}, "source_kind"),
        ({"refers_to": "2024-08-20"}, "refers_to"),
        ({"url": "ftp://example.org/x"}, "url"),
        ({"note": "\x00"}, "note"),
        ({"stated_count": True}, "stated_count"),
        ({"stated_count": "5"}, "stated_count"),
        ({"stated_at": 0}, "stated_at"),
        ({"stated_at": "86400"}, "stated_at"),
    ],
)
def test_bad_claim_is_422_naming_the_field(
    api_as: ApiAs, overrides: dict[str, Any], field: str
) -> None:
    response = api_as("coordinator").post(URL, _body(**overrides), content_type="application/json")

    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(field)
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "source", ["Resident reports (hotline)", "RESIDENT REPORTS (HOTLINE)", "Residents of Sudzha"]
)
@pytest.mark.parametrize("value", ["russian_forces", "retracted"])
def test_a_claim_about_control_from_resident_reports_is_refused(
    api_as: ApiAs, source: str, value: str
) -> None:
    """A resident says what they see, not who holds the settlement (docs/partners.md)."""
    body = _body(source=source, attribute="control", value=value)

    response = api_as("coordinator").post(URL, body, content_type="application/json")

    assert response.status_code == 422, response.content
    assert response.json()["detail"] == (
        "attribute: A resident's report cannot be a claim about control."
    )
    assert not Claim.objects.exists()
    assert not Source.objects.exists()


def test_the_hotlines_source_cannot_be_sent_as_another_kind(api_as: ApiAs) -> None:
    """Stored as an analyst before its first report, it would take control claims and
    refuse every report the hotline turns into a claim."""
    body = _body(
        source=" resident reports  (HOTLINE)",
        source_kind="analyst",
        attribute="control",
        value="russian_forces",
    )

    response = api_as("coordinator").post(URL, body, content_type="application/json")

    assert response.status_code == 422, response.content
    assert response.json()["field"] == "source_kind"
    assert not Source.objects.exists()


def test_other_sources_still_claim_control(api_as: ApiAs) -> None:
    body = _body(source="ISW", source_kind="analyst", attribute="control", value="contested")

    response = api_as("coordinator").post(URL, body, content_type="application/json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("body", [None, [_body()], "water"])
def test_claim_that_is_not_an_object_is_422_naming_the_body(api_as: ApiAs, body: Any) -> None:
    response = api_as("coordinator").post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert not Claim.objects.exists()


def test_not_json_is_400(api_as: ApiAs) -> None:
    response = api_as("coordinator").post(URL, "{", content_type="application/json")

    assert response.status_code == 400


def test_list_filters_by_settlement_attribute_and_source(api_as: ApiAs) -> None:
    sudzha = ClaimFactory(settlements=[PlaceFactory(id=SUDZHA + "x")], attribute="water")
    ClaimFactory(attribute="water")
    ClaimFactory(source=sudzha.source, attribute="power", value="none")
    client = api_as("partner")

    by_place = client.get(URL, {"settlement": SUDZHA + "x"}).json()
    by_source = client.get(URL, {"source": sudzha.source.name, "attribute": "water"}).json()

    assert [c["id"] for c in by_place] == [sudzha.pk]
    assert [c["id"] for c in by_source] == [sudzha.pk]


def test_list_hides_notes_and_cases_from_partners(api_as: ApiAs) -> None:
    ClaimFactory(note="Caller's neighbour says so", case_reference="RL-ABC")

    partner = api_as("partner").get(URL).json()[0]
    operator = api_as("operator").get(URL).json()[0]

    assert (partner["note"], partner["case_reference"]) == ("", "")
    assert (operator["note"], operator["case_reference"]) == (
        "Caller's neighbour says so",
        "RL-ABC",
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"attribute": "mood"}, "attribute"),
        ({"settlement": "nowhere"}, "settlement"),
        ({"as_of": "86400"}, "as_of"),  # not the second day of 1970
    ],
)
def test_list_bad_filter_is_422(api_as: ApiAs, query: dict[str, str], field: str) -> None:
    response = api_as("partner").get(URL, query)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(field)


def test_claims_is_not_taken_for_a_settlement_id(api_as: ApiAs) -> None:
    assert api_as("partner").get(URL).status_code == 200
    assert api_as("partner").get(f"/api/v1/places/{SUDZHA}").json()["id"] == SUDZHA


def _side_by_side() -> None:
    party = SourceFactory(name="Ukrainian General Staff", kind="party")
    isw = SourceFactory(name="ISW", kind="analyst")
    both = [PlaceFactory() for _ in range(3)]
    only_party = [PlaceFactory() for _ in range(2)]
    ClaimFactory(source=party, settlements=both + only_party, stated_count=74)
    ClaimFactory(source=isw, settlements=both[:2], stated_count=41)
    ClaimFactory(source=isw, settlements=both[2:], value="contested")


def test_summary_puts_the_sources_side_by_side(api_as: ApiAs) -> None:
    _side_by_side()

    summary = api_as("partner").get(f"{URL}/summary", {"attribute": "control"}).json()

    by_source = {s["source"]["name"]: s for s in summary["sources"]}
    party = by_source["Ukrainian General Staff"]["values"]
    isw = {v["value"]: v for v in by_source["ISW"]["values"]}
    assert party == [
        {
            "value": "ukrainian_forces",
            "label": "Ukrainian forces",
            "settlements": 5,
            "stated_count": 74,
        }
    ]
    assert (isw["ukrainian_forces"]["settlements"], isw["ukrainian_forces"]["stated_count"]) == (
        2,
        41,
    )
    assert isw["contested"]["settlements"] == 1
    assert summary["totals"] == {"agree": 2, "disagree": 1, "single": 2}


def test_summary_as_of_a_day_before_the_claims_is_empty(api_as: ApiAs) -> None:
    _side_by_side()

    summary = api_as("partner").get(f"{URL}/summary", {"as_of": "2024-08-12"}).json()

    assert summary["sources"] == [] and summary["settlements"] == []


def test_summary_counts_a_retraction_as_the_newest_word(api_as: ApiAs) -> None:
    place = PlaceFactory()
    claim = ClaimFactory(settlements=[place])
    ClaimFactory(
        source=claim.source, settlements=[place], value="retracted", stated_at=dt.date(2024, 8, 20)
    )

    summary = api_as("partner").get(f"{URL}/summary").json()

    assert summary["sources"][0]["settlements"] == 0


def test_summary_bad_date_is_422(api_as: ApiAs) -> None:
    response = api_as("partner").get(f"{URL}/summary", {"as_of": "yesterday"})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("as_of")


def test_summary_needs_view_claim() -> None:
    assert Client().get(f"{URL}/summary").status_code == 401
