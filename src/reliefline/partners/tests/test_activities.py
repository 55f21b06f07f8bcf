"""The 3W pages: a filtered list, and a form coordinators fill for any organisation and
partners for their own; bad input shows next to its field and stores nothing."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.partners.models import Activity, Organisation
from reliefline.partners.tests.factories import (
    ActivityFactory,
    OrganisationFactory,
)
from reliefline.places.models import Place

pytestmark = pytest.mark.usefixtures("gazetteer")

LIST = "/partners/activities/"
NEW = "/partners/activities/new/"
KURSK = "geonames:538560"


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def coordinator(user_in: Callable[[str], User]) -> Client:
    return _signed_in(user_in("coordinator"))


@pytest.fixture
def unhcr(db: None) -> Organisation:
    return OrganisationFactory(name="UNHCR", acronym="UNHCR")


def _form(organisation: Organisation, **overrides: Any) -> dict[str, Any]:
    return {
        "organisation": organisation.pk,
        "sector": "wash",
        "description": "Water trucking",
        "settlement": SUDZHA,
        "starts_on": "2024-08-15",
        "ends_on": "2024-09-15",
        "targeted": "3000",
        "reached": "1200",
        **overrides,
    }


def _errors(response: Any, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def test_coordinator_reports_for_any_organisation(coordinator: Client, unhcr: Organisation) -> None:
    response = coordinator.post(NEW, _form(unhcr))

    assert response.status_code == 302 and response["Location"] == LIST
    activity = Activity.objects.get()
    assert (activity.organisation, activity.settlement_id, activity.targeted) == (
        unhcr,
        SUDZHA,
        3000,
    )


def test_partner_reports_for_its_own_organisation(partner: User, icrc: Organisation) -> None:
    response = _signed_in(partner).post(NEW, _form(icrc))

    assert response.status_code == 302
    assert Activity.objects.get().entered_by == partner


def test_partner_is_offered_only_its_own_organisation(
    partner: User, icrc: Organisation, unhcr: Organisation
) -> None:
    response = _signed_in(partner).get(NEW)

    choices = list(response.context["form"].fields["organisation"].queryset)
    assert choices == [icrc]
    assert response.context["form"]["organisation"].value() == icrc.pk


def test_partner_cannot_report_for_another_organisation(
    partner: User, icrc: Organisation, unhcr: Organisation
) -> None:
    response = _signed_in(partner).post(NEW, _form(unhcr))

    assert response.status_code == 422
    assert _errors(response, "organisation")
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "2024-08-01"}, "ends_on"),
        ({"settlement": ""}, "settlement"),
        ({"settlement": "geonames:0"}, "settlement"),
        ({"targeted": "-1"}, "targeted"),
        ({"sector": "fishing"}, "sector"),
        ({"description": "   "}, "description"),
        ({"starts_on": "15/08/2024"}, "starts_on"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_bad_input_is_shown_next_to_its_field_and_stores_nothing(
    coordinator: Client, unhcr: Organisation, overrides: dict[str, str], field: str
) -> None:
    response = coordinator.post(NEW, _form(unhcr, **overrides))

    assert response.status_code == 422
    assert _errors(response, field)
    assert 'class="error" role="alert"' in response.content.decode()
    assert not Activity.objects.exists()


def test_picked_settlement_stays_picked_after_an_error(
    coordinator: Client, unhcr: Organisation
) -> None:
    response = coordinator.post(NEW, _form(unhcr, ends_on="2024-08-01"))

    assert f'data-place-id="{SUDZHA}"' in response.content.decode()


def test_partner_corrects_its_own_organisations_activity(partner: User, icrc: Organisation) -> None:
    entered_by = UserFactory(role="coordinator")
    activity = ActivityFactory(organisation=icrc, entered_by=entered_by)
    url = f"{LIST}{activity.pk}/"

    page = _signed_in(partner).get(url)
    response = _signed_in(partner).post(url, _form(icrc, reached="2500"))

    assert page.status_code == 200 and page.context["form"]["reached"].value() == 300
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.reached, activity.description, activity.entered_by) == (
        2500,
        "Water trucking",
        entered_by,
    )


def test_partner_gets_404_for_another_organisations_activity(
    partner: User, icrc: Organisation, unhcr: Organisation
) -> None:
    activity = ActivityFactory(organisation=unhcr, reached=300)
    url = f"{LIST}{activity.pk}/"

    assert _signed_in(partner).get(url).status_code == 404
    assert _signed_in(partner).post(url, _form(icrc, reached="9")).status_code == 404
    activity.refresh_from_db()
    assert (activity.organisation, activity.reached) == (unhcr, 300)


def test_partner_cannot_hand_its_activity_to_another_organisation(
    partner: User, icrc: Organisation, unhcr: Organisation
) -> None:
    activity = ActivityFactory(organisation=icrc)

    response = _signed_in(partner).post(f"{LIST}{activity.pk}/", _form(unhcr))

    assert response.status_code == 422 and _errors(response, "organisation")
    activity.refresh_from_db()
    assert activity.organisation == icrc


def test_coordinator_corrects_any_activity(coordinator: Client, unhcr: Organisation) -> None:
    activity = ActivityFactory(organisation=unhcr)

    response = coordinator.post(f"{LIST}{activity.pk}/", _form(unhcr, targeted="10"))

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.targeted == 10


def test_partner_without_an_organisation_is_told_so(user_in: Callable[[str], User]) -> None:
    response = _signed_in(user_in("partner")).get(NEW)

    assert "You are not a member of any organisation." in response.content.decode()


def _listed(client: Client, query: str = "", **headers: str) -> list[int]:
    response = client.get(f"{LIST}?{query}", headers=headers)
    assert response.status_code == 200
    return [activity.pk for activity, _targeted, _reached in response.context["activities"]]


def test_list_filters_by_organisation_sector_settlement_and_period(
    coordinator: Client, icrc: Organisation, unhcr: Organisation
) -> None:
    kursk = Place.objects.get(pk=KURSK)
    water = ActivityFactory(organisation=icrc, sector="wash")
    health = ActivityFactory(organisation=icrc, sector="health", settlement=kursk)
    later = ActivityFactory(
        organisation=unhcr, starts_on=dt.date(2024, 10, 1), ends_on=dt.date(2024, 10, 31)
    )

    assert _listed(coordinator, "organisation=UNHCR") == [later.pk]
    assert _listed(coordinator, "sector=health") == [health.pk]
    assert _listed(coordinator, f"settlement={KURSK}") == [health.pk]
    assert _listed(coordinator, "active_from=2024-09-01") == [later.pk]
    assert _listed(coordinator, "active_until=2024-09-01") == [health.pk, water.pk]
    assert len(_listed(coordinator)) == 3


def test_list_answers_htmx_with_the_table_only(coordinator: Client, icrc: Organisation) -> None:
    ActivityFactory(organisation=icrc, description="Hygiene kits")

    response = coordinator.get(f"{LIST}?sector=wash", headers={"HX-Request": "true"})

    page = response.content.decode()
    assert "Hygiene kits" in page
    assert 'id="activities-table"' in page and "<html" not in page


def test_partner_sees_every_activity_but_edit_links_for_its_own(
    partner: User, icrc: Organisation, unhcr: Organisation
) -> None:
    own = ActivityFactory(organisation=icrc)
    other = ActivityFactory(organisation=unhcr)

    page = _signed_in(partner).get(LIST).content.decode()

    assert f'data-activity="{other.pk}"' in page
    assert f'href="{LIST}{own.pk}/"' in page
    assert f'href="{LIST}{other.pk}/"' not in page


@pytest.mark.parametrize("role", ["operator", "field", "dpo"])
def test_roles_outside_the_3w_get_403(user_in: Callable[[str], User], role: str) -> None:
    client = _signed_in(user_in(role))

    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


def test_portal_links_to_the_3w_pages(partner: User) -> None:
    page = _signed_in(partner).get("/partners/").content.decode()

    assert f'href="{LIST}"' in page and f'href="{NEW}"' in page
