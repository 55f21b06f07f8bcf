"""The /api/v1/cases endpoints: intake, the queue, one case, its timeline, who may do what."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import SUDZHA
from reliefline.hotline.models import Case, CaseEvent
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person
from reliefline.people.tests.factories import PersonFactory

ApiAs = Callable[[str], Client]
CASES = "/api/v1/cases"

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def operator(api_as: ApiAs) -> Client:
    return api_as("operator")


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), Person.objects.count(), Household.objects.count()


def sms(**fields: Any) -> dict[str, Any]:
    """Return a minimal valid intake body, with `fields` replacing its parts."""
    body: dict[str, Any] = {
        "channel": "sms",
        "language": "ru",
        "caller": {"given_name": "Ирина", "family_name": "Верещук", "phone": "+79101234567"},
    }
    body.update(fields)
    return body


INSULIN_SMS = {
    "channel": "sms",
    "language": "ru",
    "caller": {
        "given_name": "Ольга",
        "family_name": "Ковалёва",
        "patronymic": "Петровна",
        "phone": "8 910 555-12-34",
    },
    "settlement": SUDZHA,
    "household_size": 2,
    "needs": [
        {"type": "medicine", "item": "инсулин", "note": "Маме 82 года, инсулин кончается."},
        {"type": "evacuation", "quantity": 2, "note": "Мама на коляске."},
    ],
    "vulnerabilities": ["elderly_75_plus", "wheelchair"],
    "message": "Здравствуйте, мы в Судже. Маме 82, нужен инсулин, хотим уехать вдвоём.",
}


# ---- intake ------------------------------------------------------------------------


def test_open_case_returns_201_with_reference_and_priority(operator: Client) -> None:
    response = post(operator, CASES, sms(needs=[{"type": "water"}]))

    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("RL-")
    assert body["status"] == "new"
    assert body["priority"] == 20
    assert body["band"] == "medium"
    assert body["overdue"] is False
    assert Case.objects.get(reference=body["reference"]).caller_id == body["person_id"]


def test_open_case_normalises_the_callers_phone(operator: Client) -> None:
    body = post(operator, CASES, sms(caller={"phone": "8 (910) 123-45-67"})).json()

    assert body["caller"]["phone"] == "+79101234567"


def test_open_case_needs_only_channel_language_and_a_name(operator: Client) -> None:
    response = post(
        operator, CASES, {"channel": "phone", "language": "uk", "caller": {"family_name": "Шевчук"}}
    )

    assert response.status_code == 201
    assert response.json()["household_id"] is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # A misspelt household_id, ignored, made a second household for the family.
        ({"household": 1}, "household"),
        (
            {"caller": {"given_name": "Ирина", "phone": "+79101234567", "twilio_sid": "SM1"}},
            "caller.twilio_sid",
        ),
        ({"needs": [{"type": "water", "quantiy": 3}]}, "needs[0].quantiy"),
    ],
)
def test_open_case_refuses_a_field_it_does_not_know(
    operator: Client, body: dict[str, object], field: str
) -> None:
    before = counts()

    response = post(operator, CASES, {**sms(), **body})

    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert counts() == before


def test_open_case_attaches_to_an_earlier_caller(operator: Client) -> None:
    person = PersonFactory()
    before = counts()

    response = post(operator, CASES, {"channel": "phone", "language": "ru", "person_id": person.pk})

    assert response.status_code == 201
    assert response.json()["person_id"] == person.pk
    assert response.json()["household_id"] == person.household_id
    assert counts() == (before[0] + 1, before[1], before[2])


def test_sudzha_insulin_sms_is_critical_and_tops_the_queue(operator: Client) -> None:
    open_case(needs=[NeedInput(type="food")], settlement_id=SUDZHA)
    open_case(needs=[NeedInput(type="evacuation")], vulnerabilities=["child_under_5"])

    response = operator.post(
        CASES, INSULIN_SMS, content_type="application/json", headers={"Accept-Language": "en"}
    )

    assert response.status_code == 201
    case = response.json()
    assert case["band"] == "critical"
    assert case["settlement"]["id"] == SUDZHA
    assert "insulin-dependent, no supply: +40" in case["priority_reasons"]
    assert operator.get(CASES).json()["items"][0]["reference"] == case["reference"]


def test_priority_reasons_follow_the_readers_language(operator: Client) -> None:
    response = operator.post(
        CASES, INSULIN_SMS, content_type="application/json", headers={"Accept-Language": "en"}
    )

    assert "Elderly, 75 or older: +15" in response.json()["priority_reasons"]


# ---- bad input ---------------------------------------------------------------------

TOMORROW = (dt.date.today() + dt.timedelta(days=2)).isoformat()

BAD_BODIES = {
    "household size is text": (sms(household_size="many"), "household_size"),
    "household size is a float": (sms(household_size=2.5), "household_size"),
    "household size is huge": (sms(household_size=10**9), "household_size"),
    "given name is a number": (sms(caller={"given_name": 123}), "caller.given_name"),
    "caller is a string": (sms(caller="Ирина"), "caller"),
    "needs is not a list": (sms(needs="water"), "needs"),
    "quantity is text": (sms(needs=[{"type": "water", "quantity": "ten"}]), "needs[0].quantity"),
    "quantity is negative": (sms(needs=[{"type": "water", "quantity": -1}]), "needs[0].quantity"),
    "unknown need type": (sms(needs=[{"type": "unicorns"}]), "needs[0].type"),
    "unknown vulnerability": (sms(vulnerabilities=["tall"]), "vulnerabilities[0]"),
    "unknown channel": (sms(channel="pigeon"), "channel"),
    "unknown language": (sms(language="de"), "language"),
    "channel missing": ({"language": "ru", "caller": {"phone": "+79101234567"}}, "channel"),
    "unknown settlement": (sms(settlement="geonames:0"), "settlement"),
    "impossible date": (sms(caller={"phone": "+79101234567", "birth_date": "2024-02-30"}), "caller.birth_date"),
    "birth date as a number": (sms(caller={"phone": "+79101234567", "birth_date": 0}), "caller.birth_date"),
    "future birth date": (sms(caller={"phone": "+79101234567", "birth_date": TOMORROW}), "caller.birth_date"),
    "phone phonenumbers rejects": (sms(caller={"given_name": "Ирина", "phone": "12345"}), "caller.phone"),
    "caller without name or phone": (sms(caller={"patronymic": "Петровна"}), "caller"),
    "no caller at all": ({"channel": "sms", "language": "ru"}, "caller"),
    "unknown earlier caller": (sms(caller=None, person_id=999_999), "person_id"),
    "message too long": (sms(message="ж" * 10_001), "message"),
    "item too long": (sms(needs=[{"type": "food", "item": "x" * 101}]), "needs[0].item"),
}  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_intake_is_422_naming_the_field_and_stores_nothing(
    operator: Client, body: dict[str, Any], field: str
) -> None:
    before = counts()

    response = post(operator, CASES, body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")
    assert response.json()["field"] == field
    assert counts() == before


def test_a_megabyte_of_message_is_413_and_stores_nothing(operator: Client) -> None:
    before = counts()

    response = post(operator, CASES, sms(message="помогите " * 120_000))

    assert response.status_code == 413
    assert "body" in response.json()["detail"]
    assert counts() == before


def test_invalid_json_is_400_naming_the_body(operator: Client) -> None:
    before = counts()

    response = operator.post(CASES, '{"channel": "sms", ', content_type="application/json")

    assert response.status_code == 400
    assert "body" in response.json()["detail"]
    assert counts() == before


@pytest.mark.parametrize("body", [[1, 2], "a case", 42, None])
def test_body_that_is_not_an_object_is_422(operator: Client, body: Any) -> None:
    before = counts()

    response = post(operator, CASES, body)

    assert response.status_code == 422
    assert response.json()["detail"].startswith("body:")
    assert counts() == before


# ---- the queue ---------------------------------------------------------------------


def refs(response: Any) -> list[str]:
    return [item["reference"] for item in response.json()["items"]]


def test_queue_lists_open_cases_highest_priority_first(operator: Client) -> None:
    low = open_case(needs=[NeedInput(type="information")])
    high = open_case(needs=[NeedInput(type="medical_care")], vulnerabilities=["bedridden"])
    middle = open_case(needs=[NeedInput(type="water")])

    assert refs(operator.get(CASES)) == [high.reference, middle.reference, low.reference]


def test_queue_leaves_out_closed_cases_by_default(operator: Client, user_in: Any) -> None:
    from reliefline.hotline.services import case_transition

    closed = open_case()
    case_transition(closed, to="closed", by=user_in("operator"))
    still_open = open_case()

    assert refs(operator.get(CASES)) == [still_open.reference]
    assert closed.reference in refs(operator.get(CASES, {"status": "all"}))


def test_queue_filters_by_need(operator: Client) -> None:
    open_case(needs=[NeedInput(type="water")])
    medicine = open_case(needs=[NeedInput(type="medicine", item="инсулин")])

    assert refs(operator.get(CASES, {"need": "medicine"})) == [medicine.reference]


def test_queue_filters_by_settlement_and_language(operator: Client) -> None:
    open_case(settlement_id=SUDZHA, language="uk")
    wanted = open_case(settlement_id=SUDZHA, language="ru")
    open_case(language="ru")

    response = operator.get(CASES, {"settlement": SUDZHA, "language": "ru"})

    assert refs(response) == [wanted.reference]


def test_queue_filters_by_band(operator: Client) -> None:
    open_case(needs=[NeedInput(type="information")])
    critical = open_case(
        needs=[NeedInput(type="medicine", item="insulin")], vulnerabilities=["wheelchair"]
    )

    assert refs(operator.get(CASES, {"band": "critical"})) == [critical.reference]


def test_queue_filters_overdue_cases(operator: Client) -> None:
    late = open_case()
    open_case()
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))

    response = operator.get(CASES, {"overdue": "true"})

    assert refs(response) == [late.reference]
    assert response.json()["items"][0]["overdue"] is True


def test_queue_filters_callbacks_due(operator: Client) -> None:
    due = open_case(phone="+79100000001")
    open_case(phone="+79100000002")
    Case.objects.filter(pk=due.pk).update(callback_at=timezone.now() - dt.timedelta(minutes=1))

    response = operator.get(CASES, {"callback_due": "true"})

    assert refs(response) == [due.reference]
    assert response.json()["items"][0]["callback_at"] is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"need": "unicorns"}, "need"),
        ({"band": "urgent"}, "band"),
        ({"language": "de"}, "language"),
        ({"overdue": "maybe"}, "overdue"),
        ({"callback_due": "maybe"}, "callback_due"),
        ({"limit": 0}, "limit"),
        ({"limit": 1000}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_queue_filter_is_422_naming_it(
    operator: Client, params: dict[str, Any], field: str
) -> None:
    response = operator.get(CASES, params)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(f"{field}:")


def _page_through(client: Client, *, limit: int, between: Callable[[int], None]) -> list[str]:
    seen: list[str] = []
    cursor = ""
    for page in range(100):
        body = client.get(CASES, {"limit": str(limit), "cursor": cursor}).json()
        seen += [item["reference"] for item in body["items"]]
        if body["next_cursor"] is None:
            return seen
        cursor = body["next_cursor"]
        between(page)
    raise AssertionError("the cursor never ended")


def test_queue_cursor_is_stable_under_inserts(operator: Client) -> None:
    kinds = ["information", "water", "food", "medical_care", "shelter", "tracing", "water"]
    existing = [str(open_case(needs=[NeedInput(type=kind)]).reference) for kind in kinds * 2]

    def insert(page: int) -> None:
        # New cases land before, at and after the reader's position in the queue.
        for kind in ("medical_care", "water", "information"):
            open_case(needs=[NeedInput(type=kind)], phone=f"+7910{page:03d}{len(kind):04d}")

    seen = _page_through(operator, limit=3, between=insert)

    assert len(seen) == len(set(seen))
    assert sorted(r for r in seen if r in existing) == sorted(existing)


def test_queue_pages_cover_every_case_once(operator: Client) -> None:
    existing = {str(open_case(needs=[NeedInput(type="water")]).reference) for _ in range(5)}

    seen = _page_through(operator, limit=2, between=lambda page: None)

    assert sorted(seen) == sorted(existing)


def test_queue_page_costs_the_same_queries_however_many_cases(
    operator: Client, django_assert_num_queries: Any
) -> None:
    for _ in range(2):
        open_case(needs=[NeedInput(type="water"), NeedInput(type="food")], settlement_id=SUDZHA)
    operator.get(CASES)  # the token's first use of the minute is recorded; steady state after
    with CaptureQueriesContext(connection) as few:
        operator.get(CASES)
    for _ in range(8):
        open_case(needs=[NeedInput(type="water"), NeedInput(type="food")], settlement_id=SUDZHA)

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(operator.get(CASES).json()["items"]) == 10


# ---- one case ----------------------------------------------------------------------


def test_case_detail_has_caller_needs_message_and_timeline(operator: Client) -> None:
    case = open_case(
        needs=[NeedInput(type="medicine", item="инсулин", quantity=3)], message="Нужен инсулин"
    )

    body = operator.get(f"{CASES}/{case.reference}").json()

    assert body["caller"]["family_name"] == "Верещук"
    assert body["caller"]["phone"] == "+79101234567"
    assert body["needs"] == [
        {"type": "medicine", "item": "инсулин", "quantity": 3, "note": "", "fulfilled_at": None}
    ]
    assert body["message"] == "Нужен инсулин"
    assert [event["kind"] for event in body["events"]] == ["created"]


def test_unknown_case_is_404_json(operator: Client) -> None:
    response = operator.get(f"{CASES}/RL-999999")

    assert response.status_code == 404
    assert response.json()["code"] == "case_not_found"
    assert response.json()["detail"].startswith("reference:")


# ---- the timeline ------------------------------------------------------------------


def events_url(case: Case) -> str:
    return f"{CASES}/{case.reference}/events"


def test_note_is_added_to_the_timeline(operator: Client) -> None:
    case = open_case()

    response = post(operator, events_url(case), {"kind": "note", "text": "Перезвонить утром"})

    assert response.status_code == 200
    assert response.json()["events"][-1]["text"] == "Перезвонить утром"


def test_call_attempt_is_logged_with_its_outcome(operator: Client) -> None:
    case = open_case()

    response = post(operator, events_url(case), {"kind": "call", "outcome": "no_answer"})

    assert response.json()["events"][-1]["outcome"] == "no_answer"


def test_call_attempt_without_outcome_is_422_naming_outcome(operator: Client) -> None:
    response = post(operator, events_url(open_case()), {"kind": "call"})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("outcome:")


def test_legal_status_change_moves_the_case(operator: Client) -> None:
    case = open_case()

    response = post(operator, events_url(case), {"kind": "status", "status": "triaged"})

    assert response.status_code == 200
    assert response.json()["status"] == "triaged"
    assert response.json()["events"][-1]["to_status"] == "triaged"


def test_illegal_transition_is_409_and_changes_nothing(operator: Client) -> None:
    case = open_case()

    response = post(operator, events_url(case), {"kind": "status", "status": "resolved"})

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert "status" in response.json()["detail"]
    case.refresh_from_db()
    assert case.status == "new"
    assert case.events.count() == 1


def test_callback_is_scheduled(operator: Client) -> None:
    case = open_case()
    at = (timezone.now() + dt.timedelta(hours=3)).replace(microsecond=0)

    response = post(operator, events_url(case), {"kind": "callback", "due_at": at.isoformat()})

    assert response.status_code == 200
    assert dt.datetime.fromisoformat(response.json()["callback_at"]) == at


# Three hours from now in seconds since 1970: what pydantic alone would read as a time.
IN_THREE_HOURS = int((timezone.now() + dt.timedelta(hours=3)).timestamp())


@pytest.mark.parametrize(
    "due_at",
    [
        None,
        "2030-01-01T10:00:00",
        "2001-01-01T10:00:00+00:00",
        "tomorrow",
        IN_THREE_HOURS,
        str(IN_THREE_HOURS),
    ],
    ids=[
        "missing",
        "no time zone",
        "in the past",
        "not a time",
        "seconds since 1970",
        "seconds as text",
    ],
)
def test_bad_callback_time_is_422_naming_due_at(operator: Client, due_at: str | int | None) -> None:
    case = open_case()

    response = post(operator, events_url(case), {"kind": "callback", "due_at": due_at})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("due_at:")
    assert case.events.count() == 1


def test_callback_notify_as_text_is_422_naming_the_field(operator: Client) -> None:
    case = open_case()
    at = timezone.now() + dt.timedelta(hours=3)

    response = post(
        operator,
        events_url(case),
        {"kind": "callback", "due_at": at.isoformat(), "notify": "yes"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "notify"
    assert case.events.count() == 1


def test_unknown_event_kind_is_422_naming_kind(operator: Client) -> None:
    response = post(operator, events_url(open_case()), {"kind": "teleport"})

    assert response.status_code == 422
    assert response.json()["detail"].startswith("kind:")


def test_event_on_unknown_case_is_404(operator: Client) -> None:
    response = post(operator, f"{CASES}/RL-999999/events", {"kind": "note", "text": "x"})

    assert response.status_code == 404


def test_coordinator_assigns_a_case_to_an_operator(
    api_as: ApiAs, user_in: Callable[[str], User]
) -> None:
    case = open_case()
    colleague = user_in("operator")

    response = post(
        api_as("coordinator"),
        events_url(case),
        {"kind": "assign", "assignee": colleague.username},
    )

    assert response.status_code == 200
    assert response.json()["assignee"] == colleague.username
    assert response.json()["status"] == "assigned"


def test_assigning_to_someone_who_cannot_work_cases_is_422(
    api_as: ApiAs, user_in: Callable[[str], User]
) -> None:
    partner = user_in("partner")

    response = post(
        api_as("coordinator"),
        events_url(open_case()),
        {"kind": "assign", "assignee": partner.username},
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("assignee:")


def test_operator_may_not_assign(operator: Client, user_in: Callable[[str], User]) -> None:
    case = open_case()

    response = post(
        operator, events_url(case), {"kind": "assign", "assignee": user_in("operator").username}
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).assignee is None


# ---- who may do what ---------------------------------------------------------------

ENDPOINTS = [
    ("get", CASES, None),
    ("get", CASES + "/{ref}", None),
    ("post", CASES, sms()),
    ("post", CASES + "/{ref}/events", {"kind": "note", "text": "x"}),
]


def call(client: Client, method: str, url: str, body: Any) -> Any:
    """Send the request, `{ref}` in the url being a newly opened case's reference."""
    url = url.format(ref=open_case().reference)
    if method == "get":
        return client.get(url)
    return post(client, url, body)


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_anonymous_gets_401(method: str, url: str, body: Any) -> None:
    response = call(Client(), method, url, body)

    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_made_up_token_gets_401() -> None:
    client = Client(headers={"Authorization": "Bearer not-a-token"})

    assert client.get(CASES).status_code == 401


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_partner_gets_403_on_cases(api_as: ApiAs, method: str, url: str, body: Any) -> None:
    response = call(api_as("partner"), method, url, body)

    assert response.status_code == 403
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
def test_operator_may_use_every_case_endpoint(
    api_as: ApiAs, method: str, url: str, body: Any
) -> None:
    response = call(api_as("operator"), method, url, body)

    assert response.status_code in (200, 201)


def test_dpo_may_read_cases(api_as: ApiAs) -> None:
    case = open_case()
    client = api_as("dpo")

    assert client.get(CASES).status_code == 200
    assert client.get(f"{CASES}/{case.reference}").status_code == 200


def test_field_team_reads_cases_of_its_settlements_only(api_as: ApiAs) -> None:
    # Scope in detail: hotline/tests/test_scope.py. Unassigned, the team sees nothing.
    case = open_case()
    client = api_as("field")

    assert client.get(CASES).json()["items"] == []
    assert client.get(f"{CASES}/{case.reference}").status_code == 404


def test_field_team_may_not_open_a_case(api_as: ApiAs) -> None:
    before = counts()

    response = post(api_as("field"), CASES, sms())

    assert response.status_code == 403
    assert counts() == before


def test_field_team_may_not_change_a_case(api_as: ApiAs) -> None:
    case = open_case()

    response = post(api_as("field"), events_url(case), {"kind": "note", "text": "x"})

    assert response.status_code == 403
    assert case.events.count() == 1


def test_signed_in_operator_session_may_open_a_case(client_as: Callable[[str], Client]) -> None:
    response = post(client_as("operator"), CASES, sms())

    assert response.status_code == 201


# ---- OpenAPI -----------------------------------------------------------------------


def test_openapi_renders_and_lists_the_endpoints() -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/cases"])
    assert "get" in paths["/api/v1/cases/{reference}"]
    assert "post" in paths["/api/v1/cases/{reference}/events"]
    assert "get" in paths["/api/v1/places"]
    assert "get" in paths["/api/v1/places/{place_id}"]
