"""The review queue pages and the merge API: who may, what they see, what is stored."""

import json
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliefline.access.models import AuditEntry
from reliefline.hotline.models import Case
from reliefline.people.dedupe import dedupe_run
from reliefline.people.merge import PICKS
from reliefline.people.models import DuplicatePair, Merge, Person
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued() -> tuple[Person, Person, Case]:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    latin = PersonFactory(
        given_name="Iryna", family_name="Vereshchuk", patronymic="", phone="+79101112233"
    )
    case = Case.objects.create(
        channel="sms", language="ru", caller=latin, household=latin.household, due_at=timezone.now()
    )
    dedupe_run()
    return russian, latin, case


def _form(survivor: Person, other: Person, **picks: int) -> dict[str, str]:
    data = {f"pick_{name}": str(picks.get(name, survivor.pk)) for name in PICKS}
    return {**data, "survivor": str(survivor.pk), "merge_households": "on"}


@pytest.mark.parametrize("role", ["operator", "field", "partner", "dpo"])
def test_roles_without_merge_permission_get_403_for_the_queue(client_as, queued, role) -> None:
    assert client_as(role).get("/people/duplicates/").status_code == 403


def test_coordinator_sees_the_queue_by_score(client_as, queued) -> None:
    russian, latin, _case = queued
    response = client_as("coordinator").get("/people/duplicates/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ирина Николаевна Верещук" in body and "Iryna Vereshchuk" in body
    entry = AuditEntry.objects.get(record="people.duplicates")
    assert entry.person_ids == [russian.pk, latin.pk]


def test_comparison_shows_every_field_decrypted_and_is_audited(client_as, queued) -> None:
    russian, latin, case = queued
    pair = DuplicatePair.objects.get()
    response = client_as("coordinator").get(f"/people/duplicates/{pair.cluster_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "+79101112233" in body and "1979-10-30" in body
    assert "family name equal after transliteration" in body
    assert str(case) in body  # the case of the Latin record, by its reference
    entry = AuditEntry.objects.get(record=f"people.cluster:{pair.cluster_id}")
    assert entry.person_ids == [russian.pk, latin.pk] and "phone" in entry.fields


def test_comparison_has_no_inline_script_or_style(client_as, queued) -> None:
    pair = DuplicatePair.objects.get()
    body = client_as("coordinator").get(f"/people/duplicates/{pair.cluster_id}/").content.decode()
    assert "<script>" not in body and "style=" not in body and "<style" not in body


def test_coordinator_merges_a_pair_and_the_case_follows(client_as, queued) -> None:
    russian, latin, case = queued
    pair = DuplicatePair.objects.get()
    response = client_as("coordinator").post(
        f"/people/duplicates/pairs/{pair.pk}/merge/", _form(russian, latin, patronymic=latin.pk)
    )
    merge = Merge.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/people/merges/{merge.pk}/"
    case.refresh_from_db()
    russian.refresh_from_db()
    assert case.caller_id == russian.pk and russian.patronymic == ""
    assert Person.objects.get(pk=latin.pk).merged_into_id == russian.pk


def test_operator_may_not_merge(client_as, queued) -> None:
    russian, latin, case = queued
    pair = DuplicatePair.objects.get()
    response = client_as("operator").post(
        f"/people/duplicates/pairs/{pair.pk}/merge/", _form(russian, latin)
    )
    assert response.status_code == 403
    assert not Merge.objects.exists() and Case.objects.get(pk=case.pk).caller_id == latin.pk


def test_merge_form_without_survivor_is_422_and_stores_nothing(client_as, queued) -> None:
    russian, latin, _case = queued
    pair = DuplicatePair.objects.get()
    data = _form(russian, latin)
    del data["survivor"]
    response = client_as("coordinator").post(f"/people/duplicates/pairs/{pair.pk}/merge/", data)
    assert response.status_code == 422
    assert "Choose the record that stays." in response.content.decode()
    assert not Merge.objects.exists()


def test_mark_distinct_closes_the_pair(client_as, queued) -> None:
    pair = DuplicatePair.objects.get()
    response = client_as("coordinator").post(f"/people/duplicates/pairs/{pair.pk}/distinct/")
    assert response.status_code == 302 and response["Location"] == "/people/duplicates/"
    pair.refresh_from_db()
    assert pair.status == "distinct"


def test_merge_page_and_undo(client_as, queued) -> None:
    russian, latin, case = queued
    pair = DuplicatePair.objects.get()
    coordinator = client_as("coordinator")
    coordinator.post(f"/people/duplicates/pairs/{pair.pk}/merge/", _form(russian, latin))
    merge = Merge.objects.get()
    page = coordinator.get(f"/people/merges/{merge.pk}/").content.decode()
    assert "<li>Case: 1</li>" in page and "Undo this merge" in page
    assert "<dt>Given name</dt>" in page and "given_name" not in page
    assert "<dt>Language</dt><dd>Russian</dd>" in page
    coordinator.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "uk"
    ukrainian = coordinator.get(f"/people/merges/{merge.pk}/").content.decode()
    assert "<li>Звернення: 1</li>" in ukrainian and "<dt>Ім’я</dt>" in ukrainian
    response = coordinator.post(f"/people/merges/{merge.pk}/undo/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.caller_id == latin.pk
    assert Person.objects.get(pk=latin.pk).merged_into_id is None


def test_undo_refused_shows_why(client_as, queued) -> None:
    russian, latin, _case = queued
    pair = DuplicatePair.objects.get()
    coordinator = client_as("coordinator")
    coordinator.post(f"/people/duplicates/pairs/{pair.pk}/merge/", _form(russian, latin))
    russian.refresh_from_db()
    russian.family_name = "Верещук-Коваль"
    russian.save()
    response = coordinator.post(f"/people/merges/{Merge.objects.get().pk}/undo/")
    assert response.status_code == 409
    assert "survivor.family_name: changed since the merge" in response.content.decode()


def _post(client: Client, url: str, body: object) -> tuple[int, dict[str, Any]]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_api_merge_and_undo(api_as, queued) -> None:
    russian, latin, case = queued
    api = api_as("coordinator")
    status, body = _post(
        api, "/api/v1/people/merges", {"survivor_id": russian.pk, "merged_id": latin.pk}
    )
    assert status == 201
    assert {"model": "hotline.case", "field": "caller", "pk": case.pk} in [
        {k: row[k] for k in ("model", "field", "pk")} for row in body["moved"]
    ]
    status, body = _post(api, f"/api/v1/people/merges/{body['id']}/undo", {})
    assert status == 200 and body["undone_at"]
    assert Case.objects.get(pk=case.pk).caller_id == latin.pk


@pytest.mark.parametrize("role", ["operator", "field", "partner", "dpo"])
def test_api_merge_refused_to_roles_without_permission(api_as, queued, role) -> None:
    russian, latin, _case = queued
    status, body = _post(
        api_as(role), "/api/v1/people/merges", {"survivor_id": russian.pk, "merged_id": latin.pk}
    )
    assert status == 403 and body["code"] == "forbidden"
    assert not Merge.objects.exists()


def test_api_merge_without_credentials_is_401(queued) -> None:
    status, _body = _post(Client(), "/api/v1/people/merges", {})
    assert status == 401


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"survivor_id": 1}, 422, "merged_id"),
        ({"survivor_id": "x", "merged_id": 2}, 422, "survivor_id"),
        ({"survivor_id": 0, "merged_id": 2}, 422, "survivor_id"),
        ({"survivor_id": 2**70, "merged_id": 2}, 422, "survivor_id"),
        ({"survivor_id": 999999, "merged_id": 999998}, 404, "survivor_id"),
    ],
)
def test_api_merge_bad_input_names_the_field(api_as, queued, body, status, field) -> None:
    got, answer = _post(api_as("coordinator"), "/api/v1/people/merges", body)
    assert (got, answer["field"]) == (status, field)
    assert field in answer["detail"]
    assert not Merge.objects.exists()


def test_api_merge_bad_pick_names_the_field(api_as, queued) -> None:
    russian, latin, _case = queued
    got, answer = _post(
        api_as("coordinator"),
        "/api/v1/people/merges",
        {"survivor_id": russian.pk, "merged_id": latin.pk, "fields": {"phone": 999999}},
    )
    assert (got, answer["field"]) == (422, "fields.phone")
    assert not Merge.objects.exists()


def test_api_undo_unknown_merge_is_404(api_as, db) -> None:
    got, answer = _post(api_as("coordinator"), "/api/v1/people/merges/999/undo", {})
    assert (got, answer["field"]) == (404, "merge_id")


def test_api_undo_refused_names_the_changed_field(api_as, queued) -> None:
    russian, latin, _case = queued
    api = api_as("coordinator")
    _status, body = _post(
        api, "/api/v1/people/merges", {"survivor_id": russian.pk, "merged_id": latin.pk}
    )
    russian.refresh_from_db()
    russian.phone = "+79109998877"
    russian.save()
    got, answer = _post(api, f"/api/v1/people/merges/{body['id']}/undo", {})
    assert (got, answer["code"], answer["field"]) == (409, "undo_refused", "survivor.phone")
    assert Person.objects.get(pk=latin.pk).merged_into_id == russian.pk


FORM_KEYS = st.sampled_from(["survivor", "merge_households", *(f"pick_{n}" for n in PICKS)])


@given(junk=st.dictionaries(FORM_KEYS, st.text(max_size=12)))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_junk_merge_forms_get_422_and_store_nothing(client_as, queued, junk) -> None:
    pair = DuplicatePair.objects.get()
    response = client_as("coordinator").post(f"/people/duplicates/pairs/{pair.pk}/merge/", junk)
    assert response.status_code == 422
    assert not Merge.objects.exists()
