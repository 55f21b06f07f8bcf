"""A retried write happens once: `Idempotency-Key` on the API, a form's key on pages."""

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from conftest import SUDZHA, together
from reliefline.access.audit import audit_search, audit_verify
from reliefline.access.idempotency import (
    FORM_FIELD,
    HEADER,
    KEPT,
    REMEMBERED,
    REPLAYED,
    key_parse,
    purge,
)
from reliefline.access.models import AuditAction, AuditEntry, IdempotentRequest
from reliefline.aid.models import Distribution, ItemKind, Movement
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.errors import InvalidInput
from reliefline.hotline import api as hotline_api
from reliefline.hotline.models import Case, CaseEvent, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.partners.tests.factories import OrganisationFactory
from reliefline.people.models import Person

ApiAs = Callable[[str], Client]
CASES = "/api/v1/cases"

pytestmark = pytest.mark.usefixtures("gazetteer")

INSULIN_SMS = {
    "channel": "sms",
    "language": "ru",
    "caller": {"given_name": "Ольга", "family_name": "Ковалёва", "phone": "8 910 555-12-34"},
    "settlement": SUDZHA,
    "needs": [{"type": "medicine", "item": "инсулин"}],
    "message": "Маме 82 года, инсулин кончается.",
}


def post(client: Client, body: Any, key: str | None = None, **headers: str) -> Any:
    if key is not None:
        headers[HEADER] = key
    return client.post(CASES, json.dumps(body), content_type="application/json", headers=headers)


# ---- the API -----------------------------------------------------------------------


def test_a_retried_intake_opens_one_case_and_gets_the_first_answer(api_as: ApiAs) -> None:
    operator = api_as("operator")

    first = post(operator, INSULIN_SMS, key='"3f1c2a9e-0d4b-4f7e-9a51-7c3d2b1e0f68"')
    retry = post(operator, INSULIN_SMS, key='"3f1c2a9e-0d4b-4f7e-9a51-7c3d2b1e0f68"')

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry[REPLAYED] == "true"
    assert REPLAYED not in first
    assert retry["Content-Type"] == first["Content-Type"]
    assert Case.objects.count() == 1
    assert Person.objects.count() == 1


def test_without_a_key_a_retry_is_a_second_case(api_as: ApiAs) -> None:
    """The key is the client's promise that two requests are one; without it, two."""
    operator = api_as("operator")
    post(operator, INSULIN_SMS)
    post(operator, INSULIN_SMS)
    assert Case.objects.count() == 2


def test_a_bare_key_and_its_quoted_form_are_the_same_key(api_as: ApiAs) -> None:
    operator = api_as("operator")
    post(operator, INSULIN_SMS, key="call-0012")
    retry = post(operator, INSULIN_SMS, key='"call-0012"')
    assert retry[REPLAYED] == "true"
    assert Case.objects.count() == 1


def test_the_same_key_with_another_request_is_422_naming_the_header(api_as: ApiAs) -> None:
    operator = api_as("operator")
    post(operator, INSULIN_SMS, key="k-1")

    other = post(operator, {**INSULIN_SMS, "message": "Нужна вода."}, key="k-1")

    assert other.status_code == 422
    assert other.json()["field"] == HEADER
    assert other.json()["detail"].startswith(f"{HEADER}: ")  # as every field's error reads
    assert other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_a_refused_request_is_not_kept_so_its_corrected_retry_is_done(api_as: ApiAs) -> None:
    operator = api_as("operator")
    bad = post(operator, {**INSULIN_SMS, "settlement": "nowhere"}, key="k-2")
    assert bad.status_code == 422
    assert not IdempotentRequest.objects.exists()

    fixed = post(operator, INSULIN_SMS, key="k-2")

    assert fixed.status_code == 201
    assert REPLAYED not in fixed
    assert Case.objects.count() == 1


def test_a_key_belongs_to_its_user(api_as: ApiAs) -> None:
    post(api_as("operator"), INSULIN_SMS, key="k-3")
    other = post(api_as("operator"), INSULIN_SMS, key="k-3")
    assert other.status_code == 201
    assert REPLAYED not in other
    assert Case.objects.count() == 2


def test_a_replay_still_asks_who_is_sending(api_as: ApiAs, user_in: Any) -> None:
    operator = api_as("operator")
    post(operator, INSULIN_SMS, key="k-4")

    anonymous = post(Client(), INSULIN_SMS, key="k-4")
    revoked = post(Client(headers={"Authorization": "Bearer rl_not-a-token"}), INSULIN_SMS, "k-4")

    assert anonymous.status_code == revoked.status_code == 401
    assert Case.objects.count() == 1


def test_a_replay_is_logged_as_a_read_of_the_persons_its_answer_names(api_as: ApiAs) -> None:
    """The answer names the caller again, perhaps on another device: the DPO sees it."""
    operator = api_as("operator")
    first = post(operator, INSULIN_SMS, key="k-audit")
    caller = first.json()["person_id"]
    before = list(audit_search(person_id=caller))

    operator.post(  # from another address, as from another phone
        CASES,
        json.dumps(INSULIN_SMS),
        content_type="application/json",
        headers={HEADER: "k-audit"},
        REMOTE_ADDR="10.0.0.7",
    )

    after = list(audit_search(person_id=caller))
    assert len(after) == len(before) + 1
    replay = after[0]
    assert replay.action == AuditAction.READ
    assert replay.username == before[0].username != ""
    assert replay.person_ids == [caller]
    assert replay.fields == ["answer"]
    assert replay.purpose == "answer replayed to a retried request: /api/v1/cases"
    assert replay.address == "10.0.0.7"
    assert audit_verify().intact


def test_a_replay_of_an_answer_naming_nobody_is_not_logged(api_as: ApiAs) -> None:
    coordinator = api_as("coordinator")
    item = {"code": "BISCUIT", "name": {"en": "Biscuits"}, "unit": "pack"}

    def send() -> Any:
        return coordinator.post(
            "/api/v1/aid/items", json.dumps(item), "application/json", headers={HEADER: "k-item"}
        )

    assert send().status_code == 201
    entries = AuditEntry.objects.count()

    assert send()[REPLAYED] == "true"
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("key", ["", '""', "x" * 256, "ключ", "a\tb", 'a"b', "a\\b"])
def test_a_malformed_key_is_422_naming_the_header_and_stores_nothing(
    api_as: ApiAs, key: str
) -> None:
    response = post(api_as("operator"), INSULIN_SMS, key=key)

    assert response.status_code == 422
    assert response.json()["field"] == HEADER
    assert response.json()["detail"].startswith(f"{HEADER}: ")
    assert Case.objects.count() == 0


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=255))
def test_any_printable_key_reads_the_same_bare_or_quoted(key: str) -> None:
    if '"' in key or "\\" in key or not key.strip():
        with pytest.raises(InvalidInput):
            key_parse(f'"{key}"')
    elif key != key.strip():  # a quoted string keeps its spaces, a bare value does not
        assert key_parse(f'"{key}"') == key
        assert key_parse(key) == key.strip()
    else:
        assert key_parse(key) == key_parse(f'"{key}"') == key


def test_the_kept_answer_is_encrypted_at_rest(api_as: ApiAs) -> None:
    answer = post(api_as("operator"), INSULIN_SMS, key="k-5")
    assert answer.json()["caller"]["family_name"] == "Ковалёва"

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {IdempotentRequest._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()

    assert "family_name" not in stored
    assert json.loads(IdempotentRequest.objects.get().body) == answer.json()


def test_a_purge_drops_the_kept_answers_naming_its_people(api_as: ApiAs, user_in) -> None:
    """Retention erased the caller: a retry with the key must not bring her back."""
    operator = api_as("operator")
    purged = post(operator, INSULIN_SMS, key="k-purged")
    other = post(operator, {**INSULIN_SMS, "caller": {"phone": "+79105550000"}}, key="k-other")
    case = Case.objects.get(reference=purged.json()["reference"])
    case_transition(case, to=Status.CLOSED, by=user_in("operator"))
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=1))

    cases_purge(days=0)

    again = post(operator, INSULIN_SMS, key="k-purged")
    assert (again.status_code, again.json()["code"]) == (409, "idempotency_key_done")
    assert "Ковалёва" not in again.content.decode()
    assert Case.objects.count() == 2  # and it was not opened again
    kept = post(operator, {**INSULIN_SMS, "caller": {"phone": "+79105550000"}}, key="k-other")
    assert kept.status_code == 201 and kept.json() == other.json()


def test_a_retry_after_its_answer_is_dropped_is_still_not_done_twice(api_as: ApiAs) -> None:
    """A phone kept it a week without signal; its first send had reached the server."""
    operator = api_as("operator")
    post(operator, INSULIN_SMS, key="k-6")
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT - dt.timedelta(minutes=1))

    again = post(operator, INSULIN_SMS, key="k-6")

    assert again.status_code == 409
    assert again.json()["field"] == HEADER
    assert again.json()["code"] == "idempotency_key_done"
    assert "no longer kept" in again.json()["detail"]
    assert REPLAYED not in again
    assert "caller" not in again.json()  # the answer is gone, not replayed
    assert Case.objects.count() == 1


def test_a_key_older_than_a_month_is_new_again(api_as: ApiAs) -> None:
    operator = api_as("operator")
    post(operator, INSULIN_SMS, key="k-7")
    IdempotentRequest.objects.update(
        created_at=timezone.now() - REMEMBERED - dt.timedelta(minutes=1)
    )

    again = post(operator, INSULIN_SMS, key="k-7")

    assert again.status_code == 201
    assert REPLAYED not in again
    assert Case.objects.count() == 2
    assert IdempotentRequest.objects.count() == 1


def test_the_purge_drops_day_old_answers_and_forgets_month_old_keys(api_as: ApiAs) -> None:
    operator = api_as("operator")
    for key in ("month", "day", "new"):
        post(operator, INSULIN_SMS, key=key)
    now = timezone.now()
    IdempotentRequest.objects.filter(key="month").update(
        created_at=now - REMEMBERED - dt.timedelta(seconds=1)
    )
    IdempotentRequest.objects.filter(key="day").update(
        created_at=now - KEPT - dt.timedelta(seconds=1)
    )

    assert purge() == 2
    assert purge() == 0  # a dropped answer is dropped once

    kept = {row.key: row for row in IdempotentRequest.objects.all()}
    assert set(kept) == {"day", "new"}
    assert kept["day"].answer_dropped and kept["day"].body == "" and kept["day"].headers == {}
    assert kept["day"].person_ids == [] and kept["day"].fingerprint == kept["new"].fingerprint
    assert not kept["new"].answer_dropped and "RL-" in kept["new"].body


def test_a_request_that_fails_midway_leaves_nothing_behind(
    api_as: ApiAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case is written, then building the answer fails: a 500, and no case."""

    def broken(case: Case) -> Any:
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(hotline_api, "case_out", broken)
    operator = api_as("operator")
    operator.raise_request_exception = False

    response = post(operator, INSULIN_SMS, key="k-7")

    assert response.status_code == 500
    assert Case.objects.count() == 0
    assert not IdempotentRequest.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_open_one_case(api_as: ApiAs) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL (SQLite's test database is shared)")
    operator = api_as("operator")

    answers = together(lambda _: post(operator, INSULIN_SMS, key="k-8"), 2)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["reference"] == answers[1].json()["reference"]
    assert Case.objects.count() == 1


def test_a_huge_body_with_a_key_is_still_413_and_stores_nothing(api_as: ApiAs) -> None:
    response = post(api_as("operator"), {**INSULIN_SMS, "message": "вода " * 300_000}, "k-9")
    assert response.status_code == 413
    assert Case.objects.count() == 0


# ---- pages -------------------------------------------------------------------------


def send(client: Client, url: str, form: dict[str, Any], **headers: str) -> Any:
    """POST the form as browsers and htmx send one without files."""
    body = urlencode(form, doseq=True)
    return client.post(url, body, content_type="application/x-www-form-urlencoded", headers=headers)


def _new_call_form(page: str) -> dict[str, Any]:
    key = re.search(rf'name="{FORM_FIELD}" value="([^"]+)"', page)
    assert key is not None
    return {
        FORM_FIELD: key.group(1),
        "phone": "+7 910 555-23-41",
        "given_name": "Наталья",
        "family_name": "Кузнецова",
        "channel": "sms",
        "language": "ru",
        "settlement": SUDZHA,
        "needs": ["medicine"],
        "item_medicine": "инсулин",
    }


def test_each_rendering_of_a_form_has_its_own_key(client_as: Any) -> None:
    operator = client_as("operator")
    first = operator.get(reverse("hotline:new_case")).content.decode()
    second = operator.get(reverse("hotline:new_case")).content.decode()
    assert _new_call_form(first)[FORM_FIELD] != _new_call_form(second)[FORM_FIELD]


def _pages_with_keyed_forms() -> list[tuple[str, str, str]]:
    """Return (role, page, the form's opening tag pattern) for every form README lists."""
    case = open_case(settlement_id=SUDZHA)
    OrganisationFactory()  # a coordinator reports 3W activities for any organisation
    household = family(("Ольга", "Коваленко"))
    on_case = f"/hotline/cases/{case.reference}/"
    return [
        ("operator", "/hotline/new/", 'id="new-case"'),
        ("operator", on_case, f'action="{on_case}notes/"'),
        ("operator", on_case, f'action="{on_case}calls/"'),
        ("operator", on_case, f'action="{on_case}callback/"'),
        ("operator", on_case, f'action="{on_case}status/"'),
        ("operator", on_case, 'id="member-form"'),
        ("coordinator", "/aid/receive/", 'id="receipt-form"'),
        ("coordinator", "/aid/ledger/", 'id="stock-change-form"'),
        ("coordinator", f"/aid/field/households/{household.pk}/", 'id="distribution-form"'),
        ("coordinator", "/channels/broadcasts/new/", 'id="broadcast-form"'),
        ("coordinator", "/partners/activities/new/", 'id="activity-form"'),
        (
            "coordinator",
            f"/evacuation/cases/{case.reference}/request/",
            'method="post" class="stack"',
        ),
    ]


def test_every_form_that_records_something_carries_a_key(client_as: Any) -> None:
    """What README promises: a second tap on any of these forms records once."""
    missing = []
    for role, page, opening in _pages_with_keyed_forms():
        html = client_as(role).get(page).content.decode()
        form = re.search(rf"<form[^>]*{re.escape(opening)}.*?</form>", html, re.S)
        if form is None or f'name="{FORM_FIELD}"' not in form.group(0):
            missing.append((page, opening))
    assert missing == []


def test_the_api_schema_offers_the_key_on_every_post() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]

    posts = [
        operation for methods in paths.values() for m, operation in methods.items() if m == "post"
    ]

    assert len(posts) > 10
    for operation in posts:
        assert HEADER in [p["name"] for p in operation["parameters"] if p["in"] == "header"]


def test_a_new_call_form_sent_twice_opens_one_case(client_as: Any) -> None:
    operator = client_as("operator")
    form = _new_call_form(operator.get(reverse("hotline:new_case")).content.decode())

    first = send(operator, reverse("hotline:new_case"), form)
    again = send(operator, reverse("hotline:new_case"), form)

    case = Case.objects.get()
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"] == reverse("hotline:case", args=[case.reference])
    assert again[REPLAYED] == "true"


def test_a_form_sent_again_with_other_data_says_it_was_sent(client_as: Any) -> None:
    operator = client_as("operator")
    form = _new_call_form(operator.get(reverse("hotline:new_case")).content.decode())
    send(operator, reverse("hotline:new_case"), form)

    changed = send(
        operator,
        reverse("hotline:new_case"),
        {**form, "given_name": "Ольга"},
        Referer="http://testserver" + reverse("hotline:new_case"),
    )

    assert changed.status_code == 422
    assert 'id="already-sent"' in changed.content.decode()
    assert f'href="http://testserver{reverse("hotline:new_case")}"' in changed.content.decode()
    assert Case.objects.count() == 1


def test_a_replayed_form_still_needs_its_csrf_token(user_in: Callable[[str], User]) -> None:
    operator = Client(enforce_csrf_checks=True)
    operator.force_login(user_in("operator"))
    page = operator.get(reverse("hotline:new_case"))
    form = _new_call_form(page.content.decode())
    form["csrfmiddlewaretoken"] = page.context["csrf_token"]
    assert send(operator, reverse("hotline:new_case"), form).status_code == 302

    forged = send(operator, reverse("hotline:new_case"), {**form, "csrfmiddlewaretoken": "x" * 64})

    assert forged.status_code == 403
    assert REPLAYED not in forged


def _note_form(operator: Client, case: Case) -> tuple[str, str]:
    """Return the case page's note form: its address and its key."""
    url = reverse("hotline:case_note", args=[case.reference])
    page = operator.get(reverse("hotline:case", args=[case.reference])).content.decode()
    form = re.search(rf'<form[^>]*action="{url}".*?</form>', page, re.S)
    assert form is not None, "the note form"
    key = re.search(rf'name="{FORM_FIELD}" value="([^"]+)"', form.group(0))
    assert key is not None
    return url, key.group(1)


def test_a_note_sent_twice_from_the_case_page_is_one_note(client_as: Any) -> None:
    case = open_case()
    operator = client_as("operator")
    url, key = _note_form(operator, case)
    body = {FORM_FIELD: key, "text": "Перезвонить после 18:00."}

    first = send(operator, url, body, **{"HX-Request": "true"})
    again = send(operator, url, body, **{"HX-Request": "true"})

    assert again.content == first.content
    assert again[REPLAYED] == "true"

    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_a_note_sent_again_days_later_says_it_was_sent_and_is_one_note(client_as: Any) -> None:
    case = open_case()
    operator = client_as("operator")
    url, key = _note_form(operator, case)
    body = {FORM_FIELD: key, "text": "Перезвонить после 18:00."}
    send(operator, url, body, **{"HX-Request": "true"})
    IdempotentRequest.objects.update(created_at=timezone.now() - KEPT - dt.timedelta(hours=1))
    purge()

    again = send(operator, url, body)

    assert again.status_code == 409
    assert 'id="already-sent"' in again.content.decode()
    assert CaseEvent.objects.filter(case=case, kind="note").count() == 1


def test_a_note_sent_again_with_other_text_says_so_inside_its_form(client_as: Any) -> None:
    """After a lost answer the operator edits the note and sends the same form again."""
    case = open_case()
    operator = client_as("operator")
    url, key = _note_form(operator, case)
    send(operator, url, {FORM_FIELD: key, "text": "Перезвонить после 18:00."})

    edited = send(
        operator,
        url,
        {FORM_FIELD: key, "text": "Перезвонить после 19:00."},
        **{"HX-Request": "true"},
    )

    assert edited.status_code == 422
    assert edited["HX-Retarget"] == f'form[action="{url}"]'
    assert edited["HX-Reswap"] == "beforeend"
    assert 'class="write-failed error-box" id="already-sent"' in edited.content.decode()
    assert list(
        CaseEvent.objects.filter(case=case, kind="note").values_list("text", flat=True)
    ) == ["Перезвонить после 18:00."]


def test_a_distribution_form_sent_again_after_a_month_says_it_was_sent(client_as: Any) -> None:
    """The outbox of a phone a month without signal reads the answer as "sent", once.

    The key is forgotten by then (REMEMBERED); the distribution keeps it.
    """
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 10)
    household = family(("Ольга", "Коваленко"))
    field = client_as("coordinator")
    url = f"/aid/field/households/{household.pk}/"
    form = {FORM_FIELD: "k-31-days", "warehouse": "SUDZHA-1", "qty_WATER-5L": "2"}
    assert send(field, url, form).status_code == 302
    IdempotentRequest.objects.update(created_at=timezone.now() - REMEMBERED - dt.timedelta(days=1))
    purge()
    assert not IdempotentRequest.objects.exists()

    again = send(field, url, form, **{"HX-Request": "true", "HX-Current-URL": url})

    assert again.status_code == 409
    assert again["HX-Retarget"] == f'form[action="{url}"]'
    assert 'id="already-sent"' in again.content.decode()
    assert Distribution.objects.count() == 1
    assert Movement.objects.filter(kind="distribution").count() == 1
