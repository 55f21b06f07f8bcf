"""A resident's report on a hotline case becomes a claim, naming the case, not the caller."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SUDZHA
from reliefline.errors import InvalidInput
from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import NeedInput, case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.people.tests.factories import PersonFactory
from reliefline.places.claims import claim_from_report
from reliefline.places.models import RESIDENT_SOURCE, Claim, Place

ClientAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def water_case() -> Case:
    return open_case(settlement_id=SUDZHA, needs=(NeedInput(type="water"),), message="No water")


def _url(case: Case) -> str:
    return f"/hotline/cases/{case.reference}/claim/"


def test_case_page_suggests_the_needs_report_but_chooses_nothing(
    client_as: ClientAs, water_case: Case
) -> None:
    page = client_as("operator").get(f"/hotline/cases/{water_case.reference}/").content.decode()

    assert "Turn into a claim" in page
    assert '<option value="" selected>Choose what was reported</option>' in page
    assert page.count(" selected>") == 1
    suggested = page.split("Suggested by the case", 1)[1].split("</optgroup>", 1)[0]
    assert '<option value="water:none">' in suggested


def test_case_page_without_a_suggestion_still_chooses_nothing(client_as: ClientAs) -> None:
    case = open_case(settlement_id=SUDZHA, needs=(NeedInput(type="tracing"),))

    page = client_as("operator").get(f"/hotline/cases/{case.reference}/").content.decode()

    assert '<option value="" selected>Choose what was reported</option>' in page
    assert "Suggested by" not in page
    assert '<option value="access:open">' in page


def test_a_report_not_chosen_stores_nothing(client_as: ClientAs, water_case: Case) -> None:
    page = client_as("operator").post(_url(water_case), {"report": "", "note": "x"}, follow=True)

    assert not Claim.objects.exists()
    assert "Choose what the resident reported." in page.content.decode()


def test_the_service_refuses_a_report_not_chosen(user_in: Callable[[str], User]) -> None:
    with pytest.raises(InvalidInput, match="Choose what the resident reported") as refused:
        claim_from_report(
            place=Place.objects.get(pk=SUDZHA),
            attribute="",
            value="",
            case_reference="RL-000001",
            by=user_in("operator"),
        )

    assert refused.value.field == "value"
    assert not Claim.objects.exists()


def test_a_report_about_control_stores_nothing(client_as: ClientAs, water_case: Case) -> None:
    page = client_as("operator").post(_url(water_case), {"report": "control:russian_forces"})

    assert page.status_code == 302
    assert not Claim.objects.exists()


def test_a_report_about_control_is_refused_with_the_reason(
    client_as: ClientAs, water_case: Case
) -> None:
    page = client_as("operator").post(
        _url(water_case), {"report": "control:russian_forces"}, follow=True
    )

    assert "A resident&#x27;s report cannot be a claim about control." in page.content.decode()
    assert not Claim.objects.exists()


def test_the_service_refuses_a_report_about_control(user_in: Callable[[str], User]) -> None:
    with pytest.raises(InvalidInput, match="cannot be a claim about control") as refused:
        claim_from_report(
            place=Place.objects.get(pk=SUDZHA),
            attribute="control",
            value="contested",
            case_reference="RL-000001",
            by=user_in("operator"),
        )

    assert refused.value.field == "attribute"
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "note",
    [
        "Телефонувала Шевцова Марина Олегівна, +79100000008",
        "call back on 8 910 555-01-99",
        "сын: 050 123 45 67",
        "+380 50 123 45 67 after 6pm",
        "89105550199",
    ],
)
def test_a_note_with_a_phone_number_is_refused(
    client_as: ClientAs, water_case: Case, note: str
) -> None:
    page = client_as("operator").post(
        _url(water_case), {"report": "water:none", "note": note}, follow=True
    )

    assert not Claim.objects.exists()
    assert "Leave out the phone number" in page.content.decode()


@pytest.mark.parametrize(
    "note",
    [
        "Верещук says the well is dry",
        "Vereshchuk says the well is dry",  # another script
        "говорила с Ириной",  # another grammatical case
        "Iryna: no water since Tuesday",
        "сусідка Верещуком не бачила",
        "Зинаида, her mother, has no water",  # a member of the household
    ],
)
def test_a_note_with_a_name_of_the_case_is_refused(
    client_as: ClientAs, water_case: Case, note: str
) -> None:
    PersonFactory(household=water_case.household, given_name="Зинаида", family_name="Верещук")

    page = client_as("operator").post(
        _url(water_case), {"report": "water:none", "note": note}, follow=True
    )

    assert not Claim.objects.exists()
    assert "Leave out the names of the caller and their household" in page.content.decode()


@pytest.mark.parametrize(
    "note",
    [
        "no water since 2024-11-20, about 300 people left",
        "27.11.2026 at 19:30, queue at the well of 40 people",
        "Ира's street is dry",  # not the caller's name, nor long enough to be its stem
        "вера в помощь",
    ],
)
def test_a_note_without_a_phone_or_the_case_names_is_kept(
    client_as: ClientAs, water_case: Case, note: str
) -> None:
    client_as("operator").post(_url(water_case), {"report": "water:none", "note": note})

    assert Claim.objects.get().note == note


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    note=st.one_of(
        st.text(max_size=200), st.text(alphabet="0123456789 +-().,:Вверщукirn", max_size=40)
    )
)
def test_the_note_checks_never_crash_on_junk(water_case: Case, note: str) -> None:
    Claim.objects.all().delete()
    try:
        claim = claim_from_report(
            place=Place.objects.get(pk=SUDZHA),
            attribute="water",
            value="none",
            case_reference=str(water_case.reference),
            by=User.objects.get_or_create(username="hypothesis-operator")[0],
            note=note,
        )
    except InvalidInput as error:
        assert error.field == "note"
    else:
        assert claim.note == note.strip()


def test_a_purge_empties_the_notes_of_its_cases_claims(
    client_as: ClientAs, user_in: Callable[[str], User], water_case: Case
) -> None:
    operator = user_in("operator")
    other = open_case(phone="+79101111111", settlement_id=SUDZHA, needs=(NeedInput(type="food"),))
    client_as("operator").post(_url(water_case), {"report": "water:none", "note": "well dry"})
    client_as("operator").post(_url(other), {"report": "food:short", "note": "bread twice a week"})
    case_transition(water_case, to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=water_case.pk).update(closed_at=timezone.now() - dt.timedelta(days=100))

    report = cases_purge(days=90)

    assert report.case_references == [water_case.reference]
    notes = dict(Claim.objects.values_list("case_reference", "note"))
    assert notes == {water_case.reference: "", other.reference: "bread twice a week"}
    # The claim itself stays: what was said about the settlement is not personal.
    assert Claim.objects.get(case_reference=water_case.reference).value == "none"


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
