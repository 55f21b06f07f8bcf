"""Object-level scope: field teams see their settlements' cases only; partners none."""

import pytest
from django.test import Client

from reliefline.access.tests.factories import token_for
from reliefline.hotline.selectors import QueueFilters, case_queue
from reliefline.hotline.tests.factories import open_case
from reliefline.places.models import Assignment

SUDZHA = "geonames-postal:RU-307800"
GUYEVO = "geonames-postal:RU-307815"


@pytest.fixture
def two_cases(gazetteer: None):
    return open_case(phone="+79101000001", settlement_id=SUDZHA), open_case(
        phone="+79101000002", settlement_id=GUYEVO
    )


def test_field_team_sees_only_cases_in_assigned_settlements(two_cases, user_in) -> None:
    sudzha_case, _guyevo_case = two_cases
    field = user_in("field")
    Assignment.objects.create(user=field, place_id=SUDZHA)
    assert list(case_queue(QueueFilters(), user=field)) == [sudzha_case]


def test_field_team_gets_404_for_a_case_elsewhere(two_cases, user_in) -> None:
    _sudzha_case, guyevo_case = two_cases
    field = user_in("field")
    Assignment.objects.create(user=field, place_id=SUDZHA)
    client = Client()
    client.force_login(field)
    assert client.get(f"/hotline/cases/{guyevo_case.reference}/").status_code == 404


def test_field_team_api_returns_404_outside_scope(two_cases, user_in) -> None:
    sudzha_case, guyevo_case = two_cases
    field = user_in("field")
    Assignment.objects.create(user=field, place_id=SUDZHA)
    client = Client(headers={"Authorization": f"Bearer {token_for(field)}"})
    assert client.get(f"/api/v1/cases/{sudzha_case.reference}").status_code == 200
    assert client.get(f"/api/v1/cases/{guyevo_case.reference}").status_code == 404
    listed = [item["reference"] for item in client.get("/api/v1/cases").json()["items"]]
    assert listed == [sudzha_case.reference]


def test_field_team_without_assignments_sees_nothing(two_cases, user_in) -> None:
    assert list(case_queue(QueueFilters(), user=user_in("field"))) == []


@pytest.mark.parametrize("role", ["operator", "coordinator", "dpo"])
def test_hotline_staff_see_every_settlement(two_cases, user_in, role: str) -> None:
    assert len(case_queue(QueueFilters(), user=user_in(role))) == 2


def test_partner_sees_aggregates_only(two_cases, user_in, client_as) -> None:
    assert list(case_queue(QueueFilters(), user=user_in("partner"))) == []
    partner = client_as("partner")
    assert partner.get("/hotline/dashboard/").status_code == 200
    assert partner.get("/hotline/").status_code == 403
