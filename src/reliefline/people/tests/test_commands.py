from io import StringIO

import pytest
from django.core.management import call_command

from reliefline.people.models import PersonKey
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_reindex_people_restores_the_index() -> None:
    person = PersonFactory()
    expected = set(PersonKey.objects.filter(person=person).values_list("kind", "value"))
    PersonKey.objects.all().delete()
    out = StringIO()
    call_command("reindex-people", stdout=out, stderr=StringIO())
    assert set(PersonKey.objects.filter(person=person).values_list("kind", "value")) == expected
    assert "Indexed 1 persons." in out.getvalue()
