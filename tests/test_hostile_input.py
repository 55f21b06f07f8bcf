"""Hostile input to the JSON API and the operator pages: a 4xx, nothing stored, text escaped.

Each rejected request is checked against the row counts of cases, people, households
and timeline events before and after, so "stores nothing" is measured, not assumed.
"""

import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.hotline.models import Case, CaseEvent
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

CASES = "/api/v1/cases"
VALID = {"channel": "phone", "language": "ru", "caller": {"phone": "+79101234567"}}
SCRIPT = "<script>alert('x')</script>"
SQL = "Robert'); DROP TABLE hotline_case;--"
NUL_FIELDS = [
    ({"caller": {"given_name": "Ир\x00ина"}}, "caller.given_name"),
    ({"caller": {"phone": "+79101234567", "family_name": "\x00"}}, "caller.family_name"),
    ({"message": "нет воды\x00"}, "message"),
    ({"needs": [{"type": "water", "note": "\x00"}]}, "needs[0].note"),
    ({"needs": [{"type": "food", "item": "хлеб\x00"}]}, "needs[0].item"),
]


def _counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Person.objects.count(),
        Household.objects.count(),
        CaseEvent.objects.count(),
    )


@pytest.fixture
def operator(db: None) -> User:
    return UserFactory(role="operator")


@pytest.fixture
def api(operator: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(operator)}"})


@pytest.fixture
def page(operator: User) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def nothing_stored(db: None) -> Callable[[], None]:
    """Return a check that no case, person, household or event was added since the start."""
    before = _counts()

    def check() -> None:
        assert _counts() == before

    return check


def _post(client: Client, body: bytes | str, content_type: str = "application/json") -> object:
    return client.post(CASES, data=body, content_type=content_type)


def _assert_json_error(response: object, status: int | tuple[int, ...]) -> dict[str, object]:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, response.content[:500]  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("application/json")  # type: ignore[index]
    body = response.json()  # type: ignore[attr-defined]
    assert isinstance(body, dict)
    assert body["detail"]
    return body


# ---- the JSON API ------------------------------------------------------------------


def test_two_megabyte_body_gets_413_json(api: Client, nothing_stored: Callable[[], None]) -> None:
    body = json.dumps({**VALID, "message": "я" * (1024 * 1024)})
    response = _post(api, body)
    assert _assert_json_error(response, 413)["code"] == "too_large"
    nothing_stored()


def test_invalid_utf8_body_gets_400_json(api: Client, nothing_stored: Callable[[], None]) -> None:
    body = b'{"channel": "phone", "language": "ru", "message": "\xff\xfe\xc3("}'
    response = _post(api, body)
    assert _assert_json_error(response, 400) == {
        "detail": "body: not valid JSON.",
        "code": "malformed",
        "field": "body",
    }
    nothing_stored()


def test_body_that_is_not_json_gets_400(api: Client, nothing_stored: Callable[[], None]) -> None:
    response = _post(api, "channel=phone&language=ru", "application/x-www-form-urlencoded")
    assert _assert_json_error(response, 400)["field"] == "body"
    nothing_stored()


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_gets_4xx_not_a_recursion_error(
    api: Client, nothing_stored: Callable[[], None], opening: str
) -> None:
    response = _post(api, opening * 50_000)
    _assert_json_error(response, (400, 413, 422))
    nothing_stored()


def test_hundred_thousand_nested_lists_get_4xx(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    response = _post(api, "[" * 100_000 + "]" * 100_000)
    _assert_json_error(response, (400, 413, 422))
    nothing_stored()


@pytest.mark.parametrize(
    ("field", "number"),
    [
        ("household_size", "1" + "0" * 400),
        ("household_size", "1e400"),
        ("person_id", "9" * 30),
        ("person_id", "9223372036854775808"),
    ],
)
def test_huge_number_gets_422_naming_the_field(
    api: Client, nothing_stored: Callable[[], None], field: str, number: str
) -> None:
    body = json.dumps(VALID)[:-1] + f', "{field}": {number}}}'
    response = _post(api, body)
    assert _assert_json_error(response, 422)["field"] == field
    nothing_stored()


def test_number_longer_than_python_parses_gets_400(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    body = json.dumps(VALID)[:-1] + ', "household_size": ' + "9" * 5000 + "}"
    _assert_json_error(_post(api, body), (400, 422))
    nothing_stored()


@pytest.mark.parametrize(("extra", "field"), NUL_FIELDS)
def test_nul_byte_in_text_gets_422_naming_the_field(
    api: Client, nothing_stored: Callable[[], None], extra: dict[str, object], field: str
) -> None:
    response = _post(api, json.dumps({**VALID, **extra}))
    assert _assert_json_error(response, 422)["field"] == field
    nothing_stored()


def test_lone_surrogate_in_a_name_gets_422_naming_the_field(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    body = json.dumps(VALID)[:-2] + ', "given_name": "\\ud800"}}'
    response = _post(api, body)
    assert _assert_json_error(response, 422)["field"] == "caller.given_name"
    nothing_stored()


def test_nul_byte_in_the_settlement_gets_422(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    response = _post(api, json.dumps({**VALID, "settlement": "geonames\x00"}))
    assert _assert_json_error(response, 422)["field"] == "settlement"
    nothing_stored()


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{CASES}?settlement=%00", "settlement"),
        (f"{CASES}?assignee=a%00b", "assignee"),
        ("/api/v1/places?q=%00", "q"),
        (f"{CASES}?anything=%00", "anything"),
    ],
)
def test_nul_byte_in_a_query_parameter_gets_422_naming_it(
    api: Client, url: str, field: str
) -> None:
    assert _assert_json_error(api.get(url), 422)["field"] == field


def test_nul_byte_in_the_audit_user_filter_gets_422(db: None) -> None:
    dpo = UserFactory(role="dpo")
    client = Client(headers={"Authorization": f"Bearer {token_for(dpo)}"})
    response = client.get("/api/v1/audit?user=x%00")
    assert _assert_json_error(response, 422)["field"] == "user"


@pytest.mark.parametrize("path", [f"{CASES}/RL-000001%00", "/api/v1/places/geonames%00"])
def test_nul_byte_in_a_path_gets_404_json(api: Client, path: str) -> None:
    _assert_json_error(api.get(path), 404)


def test_nul_byte_in_a_note_event_gets_422(api: Client, operator: User) -> None:
    case = open_case(by=operator)
    before = _counts()
    response = api.post(
        f"{CASES}/{case.reference}/events",
        data={"kind": "note", "text": "перезвонить\x00"},
        content_type="application/json",
    )
    assert _assert_json_error(response, 422)["field"] == "text"
    assert _counts() == before


def test_nul_byte_in_the_cursor_gets_422(api: Client) -> None:
    response = api.get(CASES, {"cursor": "abc\x00def"})
    assert _assert_json_error(response, 422)["field"] == "cursor"


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10=", "WzEsMiwzXQ==", "%%%", "eyJ"])
def test_invalid_cursor_gets_422_naming_it(api: Client, cursor: str) -> None:
    response = api.get(CASES, {"cursor": cursor})
    assert _assert_json_error(response, 422)["field"] == "cursor"


def test_unknown_query_parameters_are_ignored(api: Client) -> None:
    open_case()
    response = api.get(CASES, {"status": "all", "drop": "table", "__proto__": "x"})
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1


def test_invalid_utf8_in_query_string_is_not_a_500(api: Client) -> None:
    response = api.get(f"{CASES}?status=%FF%FE&settlement=%C3%28")
    _assert_json_error(response, 422)


def test_json_body_sent_as_text_plain_is_read_as_json(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    # The body, not the header, decides: a sender that mislabels valid JSON still works,
    # and one that sends junk under any label gets the same 400.
    response = _post(api, "<xml>not json</xml>", "text/plain")
    _assert_json_error(response, 400)
    nothing_stored()


def test_get_with_a_body_ignores_the_body(api: Client) -> None:
    response = api.generic("GET", CASES, data=b"\xff" * 1000, content_type="application/json")
    assert response.status_code == 200


def test_ten_thousand_character_reference_gets_404_json(api: Client) -> None:
    response = api.get(f"{CASES}/{'A' * 10_000}")
    assert _assert_json_error(response, 404)["code"] == "case_not_found"


def test_ten_thousand_character_reference_in_an_event_gets_404(
    api: Client, nothing_stored: Callable[[], None]
) -> None:
    response = api.post(
        f"{CASES}/{'я' * 10_000}/events", data={"kind": "note"}, content_type="application/json"
    )
    _assert_json_error(response, 404)
    nothing_stored()


def test_ten_thousand_character_place_id_gets_404_json(api: Client) -> None:
    response = api.get(f"/api/v1/places/{'x' * 10_000}")
    _assert_json_error(response, 404)


def test_body_as_a_json_list_gets_422(api: Client, nothing_stored: Callable[[], None]) -> None:
    _assert_json_error(_post(api, json.dumps([VALID])), 422)
    nothing_stored()


def test_injection_strings_are_stored_verbatim(api: Client, gazetteer: None) -> None:
    body = {
        **VALID,
        "settlement": SUDZHA,
        "caller": {"phone": "+79101234567", "given_name": SCRIPT, "family_name": SQL},
        "message": f"{SCRIPT} {SQL}",
        "needs": [{"type": "water", "note": SCRIPT}],
    }
    response = _post(api, json.dumps(body))
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    case = Case.objects.get()
    assert (case.caller.given_name, case.caller.family_name) == (SCRIPT, SQL)
    assert case.message == f"{SCRIPT} {SQL}"
    assert case.needs.get().note == SCRIPT


# ---- pages -------------------------------------------------------------------------


def _hostile_case(by: User) -> Case:
    from reliefline.hotline.services import NeedInput, case_note

    case = open_case(
        given_name=SCRIPT,
        family_name=SQL,
        message=f"{SCRIPT} <img src=x onerror=alert(1)>",
        needs=(NeedInput(type="water", item=SCRIPT, note=SCRIPT),),
        by=by,
    )
    case_note(case, text=f"<b>{SCRIPT}</b>", by=by)
    return case


def test_case_page_escapes_stored_html(page: Client, operator: User) -> None:
    case = _hostile_case(operator)
    html = page.get(f"/hotline/cases/{case.reference}/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Robert&#x27;); DROP TABLE hotline_case;--" in html


def test_queue_escapes_stored_html(page: Client, operator: User) -> None:
    _hostile_case(operator)
    html = page.get("/hotline/", {"status": "all"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_queue_partial_escapes_stored_html(page: Client, operator: User) -> None:
    _hostile_case(operator)
    html = page.get("/hotline/", {"status": "all"}, headers={"HX-Request": "true"}).content
    assert b"<script>alert" not in html
    assert b"&lt;script&gt;" in html


def test_new_case_form_with_nul_byte_gets_422_and_stores_nothing(
    page: Client, nothing_stored: Callable[[], None]
) -> None:
    response = page.post(
        "/hotline/new/",
        {"channel": "phone", "language": "ru", "given_name": "Ир\x00ина", "phone": "\x00"},
    )
    assert response.status_code == 422
    nothing_stored()


def test_new_case_form_with_junk_values_gets_422_and_stores_nothing(
    page: Client, nothing_stored: Callable[[], None]
) -> None:
    response = page.post(
        "/hotline/new/",
        {
            "channel": "pigeon",
            "language": SCRIPT,
            "person_id": "9" * 40,
            "household_size": "-1e400",
            "needs": ["water", "'; DROP TABLE--"],
            "settlement": "x" * 10_000,
            "birth_date": "31.02.1990",
        },
    )
    assert response.status_code == 422
    assert b"<script>alert" not in response.content
    nothing_stored()


def test_new_case_form_with_invalid_utf8_is_not_a_500(
    page: Client, nothing_stored: Callable[[], None]
) -> None:
    response = page.post(
        "/hotline/new/",
        data=b"channel=phone&language=ru&given_name=%FF%FE&phone=%C3%28",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 302, 400, 422)
    assert response.status_code < 500


def test_new_case_form_over_the_size_limit_gets_400(
    page: Client, nothing_stored: Callable[[], None]
) -> None:
    response = page.post(
        "/hotline/new/", {"channel": "phone", "language": "ru", "message": "я" * 1024 * 1024}
    )
    assert response.status_code in (400, 413)
    nothing_stored()


def test_injection_typed_into_the_new_case_form_is_escaped_on_its_page(
    page: Client, gazetteer: None
) -> None:
    response = page.post(
        "/hotline/new/",
        {
            "channel": "phone",
            "language": "ru",
            "phone": "+79101234567",
            "given_name": SCRIPT,
            "settlement": SUDZHA,
            "message": SQL,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Case.objects.get().caller.given_name == SCRIPT
    assert b"<script>alert" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_ten_thousand_character_reference_page_gets_404(page: Client) -> None:
    assert page.get(f"/hotline/cases/{'A' * 10_000}/").status_code == 404


def test_queue_page_with_invalid_utf8_and_junk_filters_is_not_a_500(page: Client) -> None:
    response = page.get("/hotline/?status=%FF&settlement=%00&cursor=%C3%28&overdue=maybe")
    assert response.status_code in (200, 422)


def test_case_page_with_nul_byte_in_the_reference_gets_404(page: Client) -> None:
    assert page.get("/hotline/cases/RL-000001%00/").status_code == 404


def test_note_form_with_nul_byte_stores_nothing(page: Client, operator: User) -> None:
    case = open_case(by=operator)
    before = _counts()
    response = page.post(f"/hotline/cases/{case.reference}/notes/", {"text": "a\x00b"})
    assert 400 <= response.status_code < 500
    assert _counts() == before


@pytest.mark.parametrize("offset", ["13765895546025893888", "1000000001", "-1"])
def test_audit_offset_out_of_range_gets_422(db: None, offset: str) -> None:
    dpo = UserFactory(role="dpo")
    client = Client(headers={"Authorization": f"Bearer {token_for(dpo)}"})
    response = client.get("/api/v1/audit", {"offset": offset})
    assert _assert_json_error(response, 422)["field"] == "offset"


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/nonexistent", "/api/v1/cases/x/y/z"])
def test_an_unknown_api_path_is_a_404_in_json(api: Client, path: str) -> None:
    assert _assert_json_error(api.get(path), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/api/v1/cases/RL-000001"), ("PUT", CASES), ("POST", "/api/v1/audit")],
)
def test_a_method_an_api_path_does_not_take_is_a_405_in_json(
    api: Client, method: str, path: str
) -> None:
    response = api.generic(method, path, data=b"{}", content_type="application/json")

    body = _assert_json_error(response, 405)
    assert body["code"] == "method_not_allowed"
    assert response["Allow"] and response["Allow"] in body["detail"]


def test_a_counted_limit_agrees_with_its_number_in_russian(api_as) -> None:
    """QA: 'Не менее 1 символов' — the number decides the word's form."""
    response = api_as("coordinator").post(
        "/api/v1/evacuation/requests/1/cancel",
        {"reason": ""},
        content_type="application/json",
        headers={"Accept-Language": "ru"},
    )
    problems = {e["field"]: e["problem"] for e in response.json().get("errors", [])}
    assert problems.get("reason") == "Не менее 1 символа."
