"""Bearer tokens: who gets in, with which permission, and what one check costs."""

import datetime as dt
import json

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reliefline.access.auth import BearerToken
from reliefline.access.models import ApiToken
from reliefline.access.tests.factories import UserFactory, token_for

QUEUE = "/api/v1/cases"  # needs hotline.view_case


def _client(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_a_permission_granted_to_the_user_directly_lets_the_token_in(db: None) -> None:
    user = UserFactory()  # no role
    client = _client(token_for(user))
    assert client.get(QUEUE).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_case"))
    assert client.get(QUEUE).status_code == 200


def test_a_superuser_token_passes_every_permission(db: None) -> None:
    user = UserFactory(is_superuser=True)
    assert _client(token_for(user)).get(QUEUE).status_code == 200


def test_a_role_taken_away_refuses_the_very_next_request(db: None) -> None:
    user = UserFactory(role="operator")
    client = _client(token_for(user))
    assert client.get(QUEUE).status_code == 200
    user.groups.remove(Group.objects.get(name="operator"))
    response = client.get(QUEUE)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_a_permission_of_another_role_does_not_count(db: None) -> None:
    # partner holds view permissions of its own, but not the operator's queue.
    client = _client(token_for(UserFactory(role="partner")))
    assert client.get(QUEUE).status_code == 403


@pytest.mark.parametrize("state", ["revoked", "inactive", "unknown"])
def test_a_dead_token_is_401_whatever_its_roles(db: None, state: str) -> None:
    user = UserFactory(role="operator")
    token = token_for(user)
    if state == "revoked":
        ApiToken.objects.update(revoked_at=timezone.now())
    elif state == "inactive":
        user.is_active = False
        user.save(update_fields=["is_active"])
    else:
        token = token[:-2] + "xx"
    assert _client(token).get(QUEUE).status_code == 401


def test_the_token_and_its_permission_are_one_query(db: None) -> None:
    user = UserFactory(role="operator")
    client = _client(token_for(user))
    ApiToken.objects.update(last_used_at=timezone.now() + dt.timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/places?q=Sudzha").status_code == 200
    auth = [q["sql"] for q in queries if "access_apitoken" in q["sql"]]
    assert len(auth) == 1
    assert not any("auth_permission" in q["sql"] for q in queries if q["sql"] not in auth)


@pytest.mark.parametrize(
    ("ago", "recorded"), [(dt.timedelta(seconds=50), False), (dt.timedelta(minutes=2), True)]
)
def test_a_use_is_recorded_again_once_the_last_is_a_minute_old(
    db: None, ago: dt.timedelta, recorded: bool
) -> None:
    client = _client(token_for(UserFactory(role="operator")))
    before = timezone.now() - ago
    ApiToken.objects.update(last_used_at=before)
    assert client.get("/api/v1/places?q=Sudzha").status_code == 200
    last_used_at = ApiToken.objects.get().last_used_at
    assert last_used_at is not None
    assert (last_used_at > before) is recorded


def test_the_token_user_is_the_whole_user(db: None, rf: RequestFactory) -> None:
    # Pages and services downstream read any field of request.user.
    user = UserFactory(role="operator", first_name="Олена", email="olena@example.org")
    request = rf.get("/api/v1/cases")
    found = BearerToken("hotline.view_case").authenticate(request, token_for(user))
    assert request.user is found
    stored = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.name


INTAKE = {"channel": "sms", "language": "ru", "caller": {"phone": "+79101234567"}}


@pytest.mark.parametrize("authorization", ["Bearer rl_not-a-token", "", "Basic b3A6cGFzcw=="])
def test_a_write_without_a_valid_token_is_401_not_a_csrf_failure(
    db: None, authorization: str
) -> None:
    """A client's Django test runner skips CSRF checks; a real client does not."""
    client = Client(enforce_csrf_checks=True)
    headers = {"Authorization": authorization} if authorization else {}

    response = client.post(
        "/api/v1/cases", json.dumps(INTAKE), content_type="application/json", headers=headers
    )

    assert response.status_code == 401, response.content


def test_a_session_write_still_needs_its_csrf_token(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role="operator"))

    response = client.post("/api/v1/cases", json.dumps(INTAKE), content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
