"""A purged person takes no new personal data: retention would never reach it again."""

import pytest
from django.utils import timezone, translation

from reliefline.errors import Conflict
from reliefline.people.models import Person
from reliefline.people.services import (
    PersonInput,
    household_create,
    person_anonymise,
    person_create,
    person_update,
    person_validate,
)

pytestmark = pytest.mark.django_db


def test_a_purged_person_is_not_given_a_name_again() -> None:
    person = person_create(
        PersonInput(given_name="Наталья", family_name="Соколова", phone="+79101234567"),
        household=household_create(settlement=None, size=1),
    )
    person_anonymise(person, now=timezone.now())
    again = person_validate(PersonInput(given_name="Наталья", family_name="Соколова"))

    with translation.override("en"), pytest.raises(Conflict, match="was purged") as refused:
        person_update(person, again, field="caller")

    assert refused.value.field == "caller" and refused.value.status == 409
    stored = Person.objects.get(pk=person.pk)
    assert (stored.given_name, stored.family_name, stored.name_key) == ("", "", "")
