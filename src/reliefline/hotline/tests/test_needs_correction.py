"""An operator corrects what a message pre-filled: needs, vulnerabilities, household size
and settlement (services.case_needs_correct), on the case page and through the API.

The SMS of QA's report, "Вода у нас есть, лекарства не нужны. Нужна только еда, Суджа.",
opened a case needing food, medicine and water: priority 57 for a family that asked for
food alone.
"""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from conftest import SUDZHA
from reliefline.access.models import AuditEntry
from reliefline.errors import Conflict, InvalidInput
from reliefline.hotline import priority, services
from reliefline.hotline.models import Band, Case, CaseEvent, EventKind, Need, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import NeedInput, NeedsCorrection
from reliefline.hotline.tests.factories import open_case
from reliefline.people.services import PersonInput

GUYEVO = "geonames-postal:RU-307815"
SMS = "Вода у нас есть, лекарства не нужны. Нужна только еда, Суджа."

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def operator(user_in: Callable[[str], User]) -> User:
    return user_in("operator")


def misread(**fields: Any) -> Case:
    """Return the case the SMS opened: food, medicine and water, in Sudzha."""
    return open_case(
        needs=(NeedInput(type="food"), NeedInput(type="medicine"), NeedInput(type="water")),
        settlement_id=SUDZHA,
        message=SMS,
        **fields,
    )


def needs_of(case: Case) -> list[tuple[str, bool]]:
    return sorted(
        (need.type, need.fulfilled_at is not None) for need in Need.objects.filter(case=case)
    )


def last_note(case: Case) -> str:
    event = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).order_by("pk").last()
    assert event is not None
    with translation.override("en"):
        return event.display_text


# ---- the service -------------------------------------------------------------------


def test_removing_the_misread_needs_recomputes_priority_reasons_and_sla(operator: User) -> None:
    case = misread()
    assert case.priority == 57

    case = services.case_needs_correct(
        case, NeedsCorrection(needs=[NeedInput(type="food")]), by=operator
    )

    case.refresh_from_db()
    assert needs_of(case) == [("food", False)]
    assert (case.priority, case.band) == (12, "low")
    assert case.priority_reasons == [{"code": "need:food", "points": 12}]
    assert case.due_at == case.created_at + priority.SLA[Band.LOW]
    assert last_note(case) == "Corrected: needs removed: Medicine, Water. Priority 57 → 12."


def test_the_priority_is_what_intake_gives_the_same_needs(operator: User) -> None:
    corrected = NeedsCorrection(
        needs=[NeedInput(type="medicine", item="инсулин")],
        vulnerabilities=["elderly_75_plus", "wheelchair"],
    )
    case = services.case_needs_correct(misread(), corrected, by=operator)

    opened = open_case(
        phone="+79101230000",
        needs=corrected.needs or (),
        vulnerabilities=corrected.vulnerabilities or (),
    )
    assert (case.priority, case.band, case.priority_reasons) == (
        opened.priority,
        opened.band,
        opened.priority_reasons,
    )
    assert case.due_at - case.created_at == opened.due_at - opened.created_at


def test_a_need_kept_is_corrected_in_place(operator: User) -> None:
    case = misread()
    food = Need.objects.get(case=case, type="food")

    services.case_needs_correct(
        case,
        NeedsCorrection(needs=[NeedInput(type="food", item="детское питание", quantity=4)]),
        by=operator,
    )

    food.refresh_from_db()
    assert (food.item, food.quantity) == ("детское питание", 4)
    assert last_note(case) == (
        "Corrected: needs removed: Medicine, Water; needs changed: Food. Priority 57 → 12."
    )


def test_vulnerabilities_household_size_and_settlement_are_corrected(operator: User) -> None:
    case = misread(household_size=1)

    case = services.case_needs_correct(
        case,
        NeedsCorrection(vulnerabilities=["pregnant"], household_size=3, settlement_id=GUYEVO),
        by=operator,
    )

    case.refresh_from_db()
    assert case.vulnerabilities == ["pregnant"]
    assert (case.household_size, case.settlement_id) == (3, GUYEVO)
    assert case.priority == 77  # the needs stay: 57, and 20 for the pregnancy
    household = case.household
    assert household is not None
    # The household came with the case, from the same misread message.
    assert (household.size, household.settlement_id) == (3, GUYEVO)
    note = last_note(case)
    assert note.startswith("Corrected: vulnerabilities added: Pregnant; household size 1 → 3;")
    assert "settlement Sudzha → " in note


def test_a_household_registered_elsewhere_stays_where_it_is(operator: User) -> None:
    first = open_case(settlement_id=GUYEVO)
    assert first.caller is not None
    case = services.case_open(
        services.CaseInput(
            channel="phone", language="ru", person_id=first.caller.pk, settlement_id=SUDZHA
        ),
        by=operator,
    )

    services.case_needs_correct(
        case, NeedsCorrection(settlement_id="geonames-postal:RU-307824"), by=operator
    )

    assert case.household is not None
    case.household.refresh_from_db()
    assert case.household.settlement_id == GUYEVO


def test_a_household_size_below_its_registered_members_is_refused(operator: User) -> None:
    case = misread(household_size=3)
    for name in ("Анна", "Олег"):
        services.case_member_add(case, PersonInput(given_name=name, family_name="Ким"), by=operator)

    with pytest.raises(InvalidInput, match="3 persons are registered") as refused:
        services.case_needs_correct(case, NeedsCorrection(household_size=2), by=operator)

    assert refused.value.field == "household_size"
    case.refresh_from_db()
    assert case.household_size == 3


def test_needs_fulfilled_by_aid_stay_as_they_are(operator: User) -> None:
    case = misread()
    water = Need.objects.get(case=case, type="water")
    services.needs_fulfil([water], msgid="Water delivered.", by=operator)

    services.case_needs_correct(case, NeedsCorrection(needs=[]), by=operator)

    assert needs_of(case) == [("water", True)]
    water.refresh_from_db()
    assert water.fulfilled_at is not None


def test_a_need_given_again_after_its_delivery_is_a_new_request(operator: User) -> None:
    case = misread()
    services.needs_fulfil(
        list(Need.objects.filter(case=case, type="water")), msgid="Water delivered.", by=operator
    )

    services.case_needs_correct(
        case, NeedsCorrection(needs=[NeedInput(type="water", quantity=40)]), by=operator
    )

    assert needs_of(case) == [("water", False), ("water", True)]


@pytest.mark.parametrize(
    ("needs", "field"),
    [
        ([NeedInput(type="food"), NeedInput(type="food", item="хлеб")], "needs[1].type"),
        ([NeedInput(type="soap")], "needs[0].type"),
        ([NeedInput(type="food", quantity=0)], "needs[0].quantity"),
    ],
)
def test_bad_needs_are_refused_naming_the_field_and_change_nothing(
    operator: User, needs: list[NeedInput], field: str
) -> None:
    case = misread()

    with pytest.raises(InvalidInput) as refused:
        services.case_needs_correct(case, NeedsCorrection(needs=needs), by=operator)

    assert refused.value.field == field
    assert needs_of(case) == [("food", False), ("medicine", False), ("water", False)]
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_case_open_refuses_a_need_type_given_twice(operator: User) -> None:
    with pytest.raises(InvalidInput, match="already listed") as refused:
        open_case(needs=(NeedInput(type="water"), NeedInput(type="water", quantity=2)))

    assert refused.value.field == "needs[1].type"
    assert not Case.objects.exists()


def test_a_save_over_a_correction_made_since_is_refused(operator: User) -> None:
    case = misread()
    read = services.case_needs_version(case)
    services.case_needs_correct(
        case, NeedsCorrection(needs=[NeedInput(type="food")]), by=operator, version=read
    )

    with translation.override("en"), pytest.raises(Conflict, match="was changed since") as stale:
        services.case_needs_correct(
            case,
            NeedsCorrection(needs=[NeedInput(type="food"), NeedInput(type="water")]),
            by=operator,
            version=read,
        )

    assert stale.value.field == "version"
    assert needs_of(case) == [("food", False)]


def test_a_delivery_recorded_since_the_form_was_read_makes_it_stale(operator: User) -> None:
    case = misread()
    read = services.case_needs_version(case)
    services.needs_fulfil(
        list(Need.objects.filter(case=case, type="water")), msgid="Water delivered.", by=operator
    )

    assert services.case_needs_version(case) != read


@pytest.mark.parametrize("status", [Status.CLOSED])
def test_a_closed_case_is_not_corrected(operator: User, status: str) -> None:
    case = services.case_transition(misread(), to=status, by=operator)

    with translation.override("en"), pytest.raises(Conflict, match="is closed") as refused:
        services.case_needs_correct(case, NeedsCorrection(needs=[]), by=operator)

    assert refused.value.field == "case"
    assert len(needs_of(case)) == 3


def test_a_purged_case_is_not_corrected(operator: User) -> None:
    case = services.case_transition(misread(), to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=365))
    cases_purge(days=90)

    with translation.override("en"), pytest.raises(Conflict, match="was purged"):
        services.case_needs_correct(case, NeedsCorrection(needs=[]), by=operator)


def test_the_correction_is_audited(operator: User) -> None:
    case = misread()

    services.case_needs_correct(
        case,
        NeedsCorrection(needs=[NeedInput(type="food")], vulnerabilities=["pregnant"]),
        by=operator,
    )

    entry = AuditEntry.objects.order_by("pk").last()
    assert entry is not None
    assert (entry.user, entry.action, entry.record) == (
        operator,
        "update",
        f"hotline.case:{case.reference}",
    )
    assert (entry.fields, entry.purpose) == (["needs", "vulnerabilities"], "case correction")
    assert entry.person_ids == [case.caller_id]


def test_a_correction_that_changes_nothing_writes_nothing(operator: User) -> None:
    case = misread()
    audited = AuditEntry.objects.count()

    services.case_needs_correct(
        case,
        NeedsCorrection(
            needs=[NeedInput(type="water"), NeedInput(type="food"), NeedInput(type="medicine")],
            vulnerabilities=[],
            household_size=1,
            settlement_id=SUDZHA,
        ),
        by=operator,
    )

    assert CaseEvent.objects.filter(case=case).count() == 1
    assert AuditEntry.objects.count() == audited


def test_the_note_reads_in_each_language_of_the_interface(operator: User) -> None:
    case = services.case_needs_correct(
        misread(), NeedsCorrection(needs=[NeedInput(type="food")]), by=operator
    )

    event = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).get()
    with translation.override("ru"):
        medicine_ru = str(Need(type="medicine").get_type_display())
        assert medicine_ru in event.display_text
    assert set(event.params["changes"]["texts"]) == {"uk", "ru", "en"}


# ---- the case page -----------------------------------------------------------------


def page_post(client: Client, case: Case, data: dict[str, Any], *, htmx: bool = True) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(reverse("hotline:case_needs", args=[case.reference]), data, headers=headers)


def form_of(case: Case, **changes: Any) -> dict[str, Any]:
    """Return the correction form as the page fills it in for the case, with `changes`."""
    data: dict[str, Any] = {
        "version": services.case_needs_version(case),
        "needs": [need.type for need in case.needs.filter(fulfilled_at__isnull=True)],
        "vulnerabilities": list(case.vulnerabilities),
        "household_size": case.household_size,
        "settlement": case.settlement_id or "",
    }
    data.update(changes)
    return data


def test_the_page_offers_the_form_filled_in_with_the_case(
    client_as: Callable[[str], Client],
) -> None:
    case = misread(vulnerabilities=("pregnant",))

    page = client_as("operator").get(reverse("hotline:case", args=[case.reference]))

    html = page.content.decode()
    assert 'id="needs-form"' in html
    for need in ("food", "medicine", "water"):
        assert f'value="{need}" id="id_needs_{need}" checked' in html
    assert 'id="id_needs_evacuation">' in html
    assert 'value="pregnant"' in html and "checked" in html
    assert f'name="version" value="{services.case_needs_version(case)}"' in html


@pytest.mark.parametrize("role", ["dpo", "field"])
def test_roles_that_may_not_change_a_case_get_no_form_and_403(
    client_as: Callable[[str], Client], user_in: Callable[[str], User], role: str
) -> None:
    case = misread()
    client = client_as(role)

    if role == "dpo":
        assert (
            'id="needs-form"'
            not in client.get(reverse("hotline:case", args=[case.reference])).content.decode()
        )
    response = page_post(client, case, form_of(case, needs=["food"]))

    assert response.status_code == 403
    assert len(needs_of(case)) == 3


def test_saving_answers_the_page_with_the_new_priority_and_the_note(
    client_as: Callable[[str], Client],
) -> None:
    case = misread()
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = page_post(client, case, form_of(case, needs=["food"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="case-page"' in html
    assert 'data-reason="need:food"' in html and 'data-reason="need:medicine"' not in html
    assert "Corrected: needs removed: Medicine, Water. Priority 57 → 12." in html
    assert needs_of(case) == [("food", False)]


def test_saving_without_htmx_goes_back_to_the_page(client_as: Callable[[str], Client]) -> None:
    case = misread()

    response = page_post(client_as("operator"), case, form_of(case, needs=["food"]), htmx=False)

    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:case", args=[case.reference])


def test_a_stale_page_gets_409_and_the_case_as_it_is_now(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = misread()
    stale = form_of(case, needs=["food", "medicine"])
    services.case_needs_correct(case, NeedsCorrection(needs=[NeedInput(type="food")]), by=operator)
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = page_post(client, case, stale)

    assert response.status_code == 409
    html = response.content.decode()
    assert "was changed since you opened it" in html
    assert 'value="medicine" id="id_needs_medicine">' in html  # the form shows it now
    assert needs_of(case) == [("food", False)]


def test_bad_input_is_422_and_keeps_what_was_typed(client_as: Callable[[str], Client]) -> None:
    case = misread()
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = page_post(
        client, case, form_of(case, needs=["food"], item_food="х" * 101, household_size=2)
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "At most 100 characters." in html
    assert 'name="household_size" value="2"' in html
    assert len(needs_of(case)) == 3


def test_a_closed_case_offers_no_form(client_as: Callable[[str], Client], operator: User) -> None:
    case = services.case_transition(misread(), to=Status.CLOSED, by=operator)
    client = client_as("operator")

    html = client.get(reverse("hotline:case", args=[case.reference])).content.decode()
    response = page_post(client, case, form_of(case, needs=[]))

    assert 'id="needs-form"' not in html
    assert response.status_code == 409


def test_a_purged_case_offers_no_form(client_as: Callable[[str], Client], operator: User) -> None:
    case = services.case_transition(misread(), to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=365))
    cases_purge(days=90)

    html = client_as("operator").get(reverse("hotline:case", args=[case.reference]))

    assert 'id="needs-form"' not in html.content.decode()
    assert reverse("hotline:case_needs", args=[case.reference]) not in html.content.decode()


def test_the_page_marks_needs_fulfilled_and_keeps_them_out_of_the_form(
    client_as: Callable[[str], Client], operator: User
) -> None:
    case = misread()
    services.needs_fulfil(
        list(Need.objects.filter(case=case, type="water")), msgid="Water delivered.", by=operator
    )

    html = client_as("operator").get(reverse("hotline:case", args=[case.reference])).content
    page = html.decode()

    assert 'id="needs-fulfilled"' in page
    assert 'value="water" id="id_needs_water">' in page  # not ticked: a new request if ticked


# ---- the API -----------------------------------------------------------------------


def api_post(client: Client, case: Case, body: Any) -> Any:
    return client.post(
        f"/api/v1/cases/{case.reference}/needs",
        json.dumps(body),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )


def test_the_api_corrects_needs_and_answers_the_case(api_as: Callable[[str], Client]) -> None:
    case = misread()
    version = api_as("operator").get(f"/api/v1/cases/{case.reference}").json()["needs_version"]

    response = api_post(
        api_as("operator"),
        case,
        {"needs": [{"type": "food", "quantity": 4}], "version": version},
    )

    assert response.status_code == 200
    body = response.json()
    assert [need["type"] for need in body["needs"]] == ["food"]
    assert (body["priority"], body["band"], body["priority_reasons"]) == (
        12,
        "low",
        ["needs Food: +12"],
    )
    assert body["events"][-1]["text"] == (
        "Corrected: needs removed: Medicine, Water; needs changed: Food. Priority 57 → 12."
    )
    assert body["needs_version"] != version


def test_the_api_keeps_what_a_body_leaves_out(api_as: Callable[[str], Client]) -> None:
    case = misread(vulnerabilities=("pregnant",))

    response = api_post(api_as("operator"), case, {"household_size": 2})

    assert response.status_code == 200
    assert (response.json()["household_size"], response.json()["vulnerabilities"]) == (
        2,
        ["pregnant"],
    )
    assert len(needs_of(case)) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"needs": [{"type": "food"}, {"type": "soap"}]}, "needs[1].type"),
        ({"needs": [{"type": "food"}, {"type": "food"}]}, "needs[1].type"),
        ({"needs": [{"type": "food", "quantity": "4"}]}, "needs[0].quantity"),
        ({"vulnerabilities": ["tall"]}, "vulnerabilities[0]"),
        ({"household_size": 0}, "household_size"),
        ({"settlement": "geonames-postal:RU-000000"}, "settlement"),
        ({"needs": [], "mobility": "wheelchair"}, "mobility"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_stores_nothing(
    api_as: Callable[[str], Client], body: dict[str, Any], field: str
) -> None:
    case = misread()

    response = api_post(api_as("operator"), case, body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")
    assert len(needs_of(case)) == 3
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_the_api_refuses_a_stale_version_with_409(
    api_as: Callable[[str], Client], operator: User
) -> None:
    case = misread()
    read = services.case_needs_version(case)
    services.case_needs_correct(case, NeedsCorrection(needs=[NeedInput(type="food")]), by=operator)

    response = api_post(api_as("operator"), case, {"needs": [], "version": read})

    assert response.status_code == 409
    assert response.json()["field"] == "version"
    assert needs_of(case) == [("food", False)]


def test_intake_refuses_a_need_type_given_twice(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").post(
        "/api/v1/cases",
        json.dumps(
            {
                "channel": "sms",
                "language": "ru",
                "caller": {"phone": "+79101234567"},
                "needs": [{"type": "water"}, {"type": "water"}],
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "needs[1].type"
    assert not Case.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("partner", 403), ("dpo", 403), ("field", 403)])
def test_roles_that_may_not_change_a_case_are_refused(
    api_as: Callable[[str], Client], role: str, status: int
) -> None:
    case = misread()

    response = api_post(api_as(role), case, {"needs": []})

    assert response.status_code == status
    assert len(needs_of(case)) == 3


def test_an_unknown_case_is_404(api_as: Callable[[str], Client]) -> None:
    response = api_as("operator").post(
        "/api/v1/cases/RL-999999/needs", "{}", content_type="application/json"
    )

    assert response.status_code == 404
