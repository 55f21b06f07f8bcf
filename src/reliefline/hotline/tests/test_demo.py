import datetime as dt
import os
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from reliefline.hotline.demo import (
    DEMO_USERS,
    INSULIN_PHONE,
    SCENARIO,
    demo_load,
    demo_users_ensure,
)
from reliefline.hotline.models import Case, CaseEvent, Need
from reliefline.hotline.selectors import QueueFilters, case_queue
from reliefline.hotline.services import case_reprioritise_open
from reliefline.people.models import Household, Person
from reliefline.people.selectors import person_lookup

pytestmark = pytest.mark.django_db
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(gazetteer: None, settings) -> None:
    # Argon2 costs a second per demo user; the hasher is not what these tests are about.
    settings.PASSWORD_HASHERS = FAST_HASHER
    demo_users_ensure()
    demo_load()
    case_reprioritise_open()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Case, Need, CaseEvent, Person, Household, User)
    )


def test_demo_opens_one_case_per_scenario_caller(demo: None) -> None:
    assert Case.objects.count() == len(SCENARIO) >= 15


def test_demo_load_twice_creates_nothing_new(demo: None) -> None:
    before = counts()

    demo_users_ensure()
    result = demo_load()

    assert (result.created, result.skipped) == (0, len(SCENARIO))
    assert counts() == before


def test_insulin_case_of_story_one_tops_the_queue(demo: None) -> None:
    first = case_queue(QueueFilters()).first()

    assert first is not None
    assert first.caller is not None
    assert first.caller.pk == person_lookup(phone=INSULIN_PHONE).get().pk
    assert {n.item for n in first.needs.all()} >= {"инсулин"}
    assert first.household is not None
    assert first.household.members.count() == first.household_size == 2


def test_insulin_case_stays_on_top_after_a_month_of_waiting(demo: None) -> None:
    case_reprioritise_open(now=timezone.now() + dt.timedelta(days=30))

    first = case_queue(QueueFilters()).first()

    assert first is not None
    assert first.caller is not None
    assert first.caller.pk == person_lookup(phone=INSULIN_PHONE).get().pk


def test_demo_queue_has_overdue_and_worked_cases(demo: None) -> None:
    overdue = case_queue(QueueFilters(overdue=True))

    assert overdue.count() >= 3
    assert Case.objects.filter(status="in_progress", assignee__isnull=False).exists()
    assert CaseEvent.objects.filter(kind="call").count() >= 5


def test_demo_users_can_sign_in_with_the_printed_passwords(demo: None) -> None:
    for user in DEMO_USERS:
        assert Client().login(username=user.username, password=user.password), user.username


def test_demo_admin_pages_render(demo: None) -> None:
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    case = Case.objects.order_by("pk").first()
    person = Person.objects.order_by("pk").first()
    assert case is not None and person is not None

    for url in (
        "/admin/hotline/case/",
        f"/admin/hotline/case/{case.pk}/change/",
        "/admin/people/person/",
        f"/admin/people/person/{person.pk}/change/",
        "/admin/people/household/",
        "/admin/places/place/?q=Sudzha",
        "/admin/access/apitoken/",
        "/admin/access/auditentry/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert person.phone_index not in response.content.decode()


def test_demo_command_prints_logins_and_serves_plain_http_on_loopback(
    gazetteer: None, monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PASSWORD_HASHERS = FAST_HASHER
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(os, "execve", lambda *a: calls.append(a))
    out = StringIO()

    call_command("demo", stdout=out, stderr=StringIO())

    lines = out.getvalue().splitlines()
    for user in DEMO_USERS:
        assert f"login: {user.username} password: {user.password}" in lines
    (_executable, argv, env) = calls[0]
    assert "127.0.0.1:8000" in argv
    assert env["RELIEFLINE_INSECURE_HTTP"] == "1"
    assert env["RELIEFLINE_REQUIRE_2FA"] == "0"
