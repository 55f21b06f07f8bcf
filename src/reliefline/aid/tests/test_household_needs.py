"""The household page's open needs: only those of cases the reader may see, and only
what handing out aid needs (privacy review: RL-000032's medicine shown in Sudzha)."""

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.aid.tests.factories import family
from reliefline.hotline.models import Case
from reliefline.hotline.services import CaseInput, NeedInput, case_open
from reliefline.people.models import Household
from reliefline.places.models import Assignment

pytestmark = pytest.mark.django_db
SUDZHA = "geonames-postal:RU-307800"
MAKHNOVKA = "geonames-postal:RU-307821"


def case_for(household: Household, *, settlement_id: str, needs: list[NeedInput]) -> Case:
    """Return a case a member of the household opened about it, in the settlement."""
    caller = household.members.order_by("pk").first()
    assert caller is not None
    return case_open(
        CaseInput(
            channel="phone",
            language="ru",
            person_id=caller.pk,
            settlement_id=settlement_id,
            needs=needs,
        ),
        by=None,
    )


@pytest.fixture
def household(gazetteer: None) -> Household:
    """Return a Sudzha family with a case in Sudzha and one opened in Makhnovka."""
    household = family(("Ольга", "Коваленко"), settlement_id=SUDZHA)
    case_for(household, settlement_id=SUDZHA, needs=[NeedInput(type="water", quantity=2)])
    case_for(
        household,
        settlement_id=MAKHNOVKA,
        needs=[
            NeedInput(type="medicine", item="антиретровирусная терапия"),
            NeedInput(type="protection", note="Боится соседа"),
        ],
    )
    return household


@pytest.fixture
def sudzha_team(user_in: Callable[[str], User]) -> Client:
    """Return a client signed in as a field team assigned to Sudzha only."""
    field = user_in("field")
    Assignment.objects.create(user=field, place_id=SUDZHA)
    client = Client()
    client.force_login(field)
    return client


def needs_shown(client: Client, household: Household) -> str:
    response = client.get(f"/aid/field/households/{household.pk}/")
    assert response.status_code == 200
    found = re.search(r'<ul id="needs">(.*?)</ul>', response.content.decode(), re.S)
    return found.group(1) if found else ""


def read_entry(household: Household) -> AuditEntry:
    return AuditEntry.objects.filter(
        action=AuditAction.READ, record=f"people.household:{household.pk}"
    ).latest("pk")


def test_field_team_sees_no_need_of_a_case_outside_its_settlements(
    household: Household, sudzha_team: Client
) -> None:
    shown = needs_shown(sudzha_team, household)
    assert "Water × 2" in shown
    assert "антиретровирусная" not in shown
    assert "Medicine" not in shown


def test_field_team_sees_the_medicine_a_case_in_its_settlements_asks_for(
    household: Household, sudzha_team: Client
) -> None:
    case_for(household, settlement_id=SUDZHA, needs=[NeedInput(type="medicine", item="инсулин")])
    assert "Medicine: инсулин" in needs_shown(sudzha_team, household)


def test_staff_who_see_all_cases_see_the_needs_of_every_case(
    household: Household, client_as: Callable[[str], Client]
) -> None:
    shown = needs_shown(client_as("coordinator"), household)
    assert "Water × 2" in shown
    assert "Medicine: антиретровирусная терапия" in shown


def test_a_need_no_item_meets_is_not_shown(
    household: Household, client_as: Callable[[str], Client]
) -> None:
    page = client_as("coordinator").get(f"/aid/field/households/{household.pk}/")
    assert "Protection" not in page.content.decode()


def test_a_needs_note_is_not_shown(
    household: Household, client_as: Callable[[str], Client]
) -> None:
    case_for(household, settlement_id=SUDZHA, needs=[NeedInput(type="food", note="Диабет")])
    client = client_as("coordinator")
    assert "Food" in needs_shown(client, household)
    page = client.get(f"/aid/field/households/{household.pk}/").content.decode()
    assert "Диабет" not in page
    assert "Боится соседа" not in page


def test_the_read_names_the_needs_shown(household: Household, sudzha_team: Client) -> None:
    needs_shown(sudzha_team, household)
    assert read_entry(household).fields == ["aid received", "name", "needs"]


def test_the_read_names_the_need_items_shown(household: Household, sudzha_team: Client) -> None:
    case_for(household, settlement_id=SUDZHA, needs=[NeedInput(type="medicine", item="инсулин")])
    needs_shown(sudzha_team, household)
    assert read_entry(household).fields == ["aid received", "name", "need.item", "needs"]


def test_the_read_names_no_needs_when_none_is_shown(gazetteer: None, sudzha_team: Client) -> None:
    household = family(("Ольга", "Коваленко"), settlement_id=SUDZHA)
    case_for(household, settlement_id=MAKHNOVKA, needs=[NeedInput(type="medicine", item="ART")])
    assert needs_shown(sudzha_team, household) == ""
    assert read_entry(household).fields == ["aid received", "name"]
