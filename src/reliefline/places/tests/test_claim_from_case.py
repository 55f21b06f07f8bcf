"""A resident's report on a hotline case becomes a claim, naming the case, not the caller."""

from collections.abc import Callable

import pytest
from django.test import Client

from conftest import SUDZHA
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.places.models import RESIDENT_SOURCE, Claim

ClientAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def water_case() -> Case:
    return open_case(settlement_id=SUDZHA, needs=(NeedInput(type="water"),), message="No water")


def _url(case: Case) -> str:
    return f"/hotline/cases/{case.reference}/claim/"


def test_case_page_offers_the_report_preselected_from_the_need(
    client_as: ClientAs, water_case: Case
) -> None:
    page = client_as("operator").get(f"/hotline/cases/{water_case.reference}/").content.decode()

    assert "Turn into a claim" in page
    assert '<option value="water:none" selected>' in page


def test_operator_turns_the_report_into_a_claim(client_as: ClientAs, water_case: Case) -> None:
    response = client_as("operator").post(
        _url(water_case), {"report": "water:none", "note": "since Tuesday"}
    )

    assert response.status_code == 302
    claim = Claim.objects.get()
    assert (claim.source.name, claim.source.kind) == (RESIDENT_SOURCE, "residents")
    assert (claim.attribute, claim.value, claim.note) == ("water", "none", "since Tuesday")
    assert claim.case_reference == water_case.reference
    assert [p.pk for p in claim.settlements.all()] == [SUDZHA]


def test_partner_sees_the_claim_but_not_the_case_or_caller(
    client_as: ClientAs, api_as: Callable[[str], Client], water_case: Case
) -> None:
    client_as("operator").post(_url(water_case), {"report": "water:none"})

    (claim,) = api_as("partner").get("/api/v1/places/claims").json()

    assert claim["case_reference"] == ""
    assert "Верещук" not in str(claim) and "+7910" not in str(claim)


def test_the_same_report_twice_is_one_claim(client_as: ClientAs, water_case: Case) -> None:
    operator = client_as("operator")
    operator.post(_url(water_case), {"report": "water:none"})

    page = operator.post(_url(water_case), {"report": "water:none"}, follow=True)

    assert Claim.objects.count() == 1
    assert "already a claim" in page.content.decode()


def test_a_report_that_is_no_value_stores_nothing(client_as: ClientAs, water_case: Case) -> None:
    page = client_as("operator").post(_url(water_case), {"report": "water:flood"}, follow=True)

    assert not Claim.objects.exists()
    assert "Not a value of water" in page.content.decode()


@pytest.mark.parametrize("role", ["partner", "field"])
def test_roles_without_add_claim_get_403(client_as: ClientAs, water_case: Case, role: str) -> None:
    assert client_as(role).post(_url(water_case), {"report": "water:none"}).status_code == 403
    assert not Claim.objects.exists()


def test_stranger_is_sent_to_sign_in(water_case: Case) -> None:
    response = Client().post(_url(water_case), {"report": "water:none"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_case_is_404(client_as: ClientAs) -> None:
    assert client_as("operator").post("/hotline/cases/RL-NOPE/claim/").status_code == 404


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("uk", "Повідомлення мешканців (гаряча лінія)"),
        ("ru", "Сообщения жителей (горячая линия)"),
        ("en", "Resident reports (hotline)"),
    ],
)
def test_the_hotlines_own_source_reads_in_the_readers_language(
    client_as: ClientAs,
    api_as: Callable[[str], Client],
    water_case: Case,
    language: str,
    shown: str,
) -> None:
    """Its name is stored in English, like every source's; pages translate it."""
    client_as("operator").post(_url(water_case), {"report": "water:none"})
    coordinator = client_as("coordinator")
    coordinator.cookies["django_language"] = language

    situation = coordinator.get("/places/situation/?attribute=water").content.decode()
    settlement = coordinator.get(f"/places/settlements/{SUDZHA}/").content.decode()
    (claim,) = (
        api_as("partner").get("/api/v1/places/claims", headers={"Accept-Language": language}).json()
    )

    assert shown in situation and shown in settlement
    assert claim["source"]["name"] == RESIDENT_SOURCE  # data for machines stays as stored
