"""Retention reaches persons in no case (registry records), and its commands refuse
values that would turn it off or put the cutoff ahead (qaD #6, #7, #12)."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Household, Person
from reliefline.people.selectors import MatchQuery, person_match
from reliefline.people.services import PersonInput, household_create, person_create

BORN = dt.date(1968, 3, 14)


def _registered(
    given: str, family: str, *, days_ago: int, household: Household | None = None
) -> Person:
    """Return a person as `import people` records one: own household, no case."""
    person = person_create(
        PersonInput(given_name=given, family_name=family, birth_date=BORN, phone="+79105550101"),
        household=household or household_create(settlement=None, size=1),
    )
    Person.objects.filter(pk=person.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return person


@pytest.fixture
def operator(user_in: Callable[[str], User]) -> User:
    return user_in("operator")


def test_a_registry_person_in_no_case_is_purged_once_recorded_before_the_cutoff(db: None) -> None:
    old = _registered("Natalia", "Sokolova", days_ago=100)
    recent = _registered("Serhii", "Maltsev", days_ago=10)

    report = cases_purge(days=90)

    assert report.caseless_person_ids == [old.pk] and report.person_ids == [old.pk]
    old.refresh_from_db()
    assert (old.given_name, old.family_name, old.birth_date, old.phone) == ("", "", None, "")
    assert old.purged_at is not None
    assert Person.objects.get(pk=recent.pk).family_name == "Maltsev"


def test_the_purged_callers_second_registration_is_no_longer_offered(
    db: None, operator: User
) -> None:
    """qaD #6: P-35 kept the name and birth date of purged P-1, and the lookup offered it."""
    case = open_case(given_name="Наталья", family_name="Соколова")
    case = case_transition(case, to=Status.CLOSED, by=operator)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=100))
    second = _registered("Наталья", "Соколова", days_ago=120)

    report = cases_purge(days=90)

    assert set(report.person_ids) == {case.caller_id, second.pk}
    assert report.caseless_person_ids == [second.pk]
    query = MatchQuery(given_name="Наталья", family_name="Соколова", birth_date=BORN)
    assert person_match(query) == []


def test_a_registry_person_whose_household_has_a_case_is_kept(db: None) -> None:
    case = open_case()
    assert case.household is not None
    member = _registered("Валентина", "Верещук", days_ago=400, household=case.household)

    report = cases_purge(days=90)

    assert report.person_ids == []
    assert Person.objects.get(pk=member.pk).given_name == "Валентина"


def test_the_dry_run_lists_registry_persons_and_changes_nothing(db: None, capsys) -> None:
    old = _registered("Natalia", "Sokolova", days_ago=100)

    call_command("purge", "--dry-run")

    out = capsys.readouterr().out
    assert "Would anonymise 0 cases" in out and "and 1 person with no case left." in out
    assert "1 were in no case (registry records)" in out and f"  P-{old.pk}\n" in out
    assert Person.objects.get(pk=old.pk).family_name == "Sokolova"


@pytest.mark.parametrize(
    ("days", "why"),
    [("-5", "from 0 to 36500 days, not -5"), ("many", "not a whole number: 'many'")],
)
def test_purge_refuses_days_that_put_the_cutoff_ahead(db: None, days: str, why: str) -> None:
    old = _registered("Natalia", "Sokolova", days_ago=100)

    with pytest.raises(CommandError, match=re.escape(f"argument --days: {why}")):
        call_command("purge", "--days", days)

    assert Person.objects.get(pk=old.pk).purged_at is None


@pytest.mark.parametrize("hour", ["25", "-3", "24"])
def test_scheduler_refuses_an_hour_that_never_comes(hour: str) -> None:
    with pytest.raises(CommandError, match=f"argument --purge-hour: from 0 to 23, not {hour}"):
        call_command("scheduler", "--once", "--purge-hour", hour)
