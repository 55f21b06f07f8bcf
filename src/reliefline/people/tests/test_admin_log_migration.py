"""Migration people 0009 renames persons in the admin's own history by id."""

import importlib

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("reliefline.people.migrations.0009_admin_log_without_names")


def test_earlier_entries_name_the_person_by_id_and_others_are_left() -> None:
    person = PersonFactory(given_name="Наталья", family_name="Соколова")
    admin = UserFactory(role="admin")
    named = LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(person),
        object_id=str(person.pk),
        object_repr="Наталья Викторовна Соколова",
        action_flag=CHANGE,
    )
    other = LogEntry.objects.create(
        user=admin,
        content_type=ContentType.objects.get_for_model(Case),
        object_id="1",
        object_repr="RL-000001",
        action_flag=CHANGE,
    )

    migration.rename(apps, None)

    named.refresh_from_db()
    other.refresh_from_db()
    assert named.object_repr == f"people.person:{person.pk}"
    assert other.object_repr == "RL-000001"
