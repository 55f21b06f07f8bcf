"""Retention in aid: the name given at a handover goes with the household's data (qaD #4),
and a household served since the cutoff is kept although it is in no case."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reliefline.aid.models import Distribution, ItemKind
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def point() -> None:
    water = ItemFactory(code="WATER-5L", kind=ItemKind.WATER)
    stocked(WarehouseFactory(code="SUDZHA-1"), water, 100)


def _give(household: Household, name: str, *, days_ago: int = 0) -> Distribution:
    given = distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1",
            household_id=household.pk,
            lines=[LineInput(item="WATER-5L", quantity=1)],
            recipient_name=name,
        ),
        by=None,
    )
    Distribution.objects.filter(pk=given.pk).update(at=timezone.now() - dt.timedelta(days=days_ago))
    return given


def _registered_long_ago(household: Household) -> None:
    Person.objects.filter(household=household).update(
        created_at=timezone.now() - dt.timedelta(days=400)
    )


def test_the_purge_empties_the_name_given_at_a_purged_households_handover(
    point: None, user_in
) -> None:
    operator: User = user_in("operator")
    case = open_case(given_name="Сергей", family_name="Мальцев")
    assert case.household is not None
    purged = _give(case.household, "Сергей Мальцев")
    other = _give(family(("Ольга", "Коваленко")), "Ольга Коваленко")
    case_transition(case, to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=100))

    report = cases_purge(days=90)

    assert report.person_ids == [case.caller_id]
    assert Distribution.objects.get(pk=purged.pk).recipient_name == ""
    assert Distribution.objects.get(pk=other.pk).recipient_name == "Ольга Коваленко"
    assert Distribution.objects.get(pk=purged.pk).lines.get().quantity == 1


def test_a_registry_household_served_since_the_cutoff_is_kept(point: None) -> None:
    served = family(("Ольга", "Коваленко"))
    forgotten = family(("Ирина", "Шевченко"))
    _registered_long_ago(served)
    _registered_long_ago(forgotten)
    _give(served, "Ольга Коваленко", days_ago=10)
    long_ago = _give(forgotten, "Ирина Шевченко", days_ago=200)

    report = cases_purge(days=90)

    assert report.caseless_person_ids == list(forgotten.members.values_list("pk", flat=True))
    assert served.members.get().family_name == "Коваленко"
    assert Distribution.objects.get(pk=long_ago.pk).recipient_name == ""
