"""The demo assigns each case to someone who can open and work it.

QA: the demo assigned RL-000003 (Makhnovka) and RL-000012 (Sverdlikovo) to `field`,
who sees only the cases of their settlements and may change none: as `field` both
were 404. case_assign now refuses such an assignee, as the assign form and the API
always did; the demo gives these cases to the operator who arranges the visit.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reliefline.hotline.demo import demo_load, demo_users_ensure
from reliefline.hotline.models import Case
from reliefline.hotline.selectors import case_scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(gazetteer: None, settings) -> None:
    # Argon2 costs a second per demo user; the hasher is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_users_ensure()
    demo_load()


def _assigned() -> list[Case]:
    return list(Case.objects.filter(assignee__isnull=False).select_related("assignee"))


def test_every_case_the_demo_assigns_is_seen_by_its_assignee(demo: None) -> None:
    unseen = [
        (case.reference, case.assignee.username)
        for case in _assigned()
        if case.assignee is not None and not case_scope(case.assignee).filter(pk=case.pk).exists()
    ]

    assert len(_assigned()) >= 5
    assert unseen == []


def test_every_assignee_of_the_demo_may_work_the_case(demo: None) -> None:
    idle = {
        case.assignee.username
        for case in _assigned()
        if case.assignee is not None and not case.assignee.has_perm("hotline.change_case")
    }

    assert idle == set()


def test_each_assignee_opens_the_demo_cases_assigned_to_them(demo: None) -> None:
    for user in User.objects.filter(assigned_cases__isnull=False).distinct():
        client = Client()
        client.force_login(user)
        mine = client.get(reverse("hotline:queue"), {"assignee": "me", "status": "all"})
        for case in Case.objects.filter(assignee=user):
            page = client.get(reverse("hotline:case", args=[case.reference]))
            assert page.status_code == 200, (user.username, case.reference)
            assert f'data-reference="{case.reference}"' in mine.content.decode()
