"""A merge of duplicate persons keeps their households one family for the double-dipping
rules, both ways, along chains of merges, and whichever household is served first."""

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.aid.errors import DoubleDipping
from reliefline.aid.models import Distribution, DistributionRule, ItemKind
from reliefline.aid.selectors import household_group, rule_breaches
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.people.merge import MergeRequest, merge_undo, person_merge
from reliefline.people.models import Household, Merge, Person
from reliefline.places.models import Assignment, Place
from reliefline.places.tests.factories import PlaceFactory

pytestmark = pytest.mark.django_db
BORN = dt.date(1958, 3, 9)


@pytest.fixture
def place() -> Place:
    place = PlaceFactory()
    warehouse = WarehouseFactory(code="SUDZHA-1", settlement=place)
    stocked(warehouse, ItemFactory(code="MEAT", name_en="Canned meat", kind=ItemKind.FOOD), 100)
    DistributionRule.objects.filter(kind=ItemKind.FOOD).update(max_per_period=1, period_days=7)
    return place


def give(household: Household, *, by: User | None = None) -> Distribution:
    return distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=household.pk, lines=[LineInput("MEAT", 2)]
        ),
        by=by,
    )


def member(household: Household) -> Person:
    return household.members.get()


def merge(survivor: Household, merged: Household, *, households: bool = False) -> Merge:
    request = MergeRequest(
        survivor_id=member(survivor).pk,
        merged_id=member(merged).pk,
        fields={},
        merge_households=households,
    )
    return person_merge(request, by=None)


def ref(household: Household) -> str:
    return f"H-{household.pk:06d}"


@pytest.mark.parametrize("served_first", ["survivor", "merged"])
def test_households_of_a_merge_without_their_households_stay_one_family(
    place: Place, served_first: str
) -> None:
    survivors = family(("Галина", "Лисенко"), settlement_id=place.pk, birth_date=BORN)
    merged = family(("Галина", "Лысенко"), settlement_id=place.pk, birth_date=BORN)
    merge(survivors, merged)
    first, then = (survivors, merged) if served_first == "survivor" else (merged, survivors)
    give(first)

    with pytest.raises(DoubleDipping, match=f"also registered as {ref(first)}"):
        give(then)
    assert Distribution.objects.count() == 1


def test_the_qa_steps_through_the_api_refuse_the_second_ration(
    place: Place, api_as: Callable[[str], Client]
) -> None:
    # Served under the duplicate first, refused under the kept record, then merged.
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk, birth_date=BORN)
    duplicate = family(("Галина", "Лысенко"), settlement_id=place.pk, birth_date=BORN)
    client = api_as("coordinator")

    def distribute(household: Household) -> tuple[int, dict[str, str]]:
        body = {
            "warehouse": "SUDZHA-1",
            "household_id": household.pk,
            "lines": [{"item": "MEAT", "quantity": 2}],
        }
        answer = client.post(
            "/api/v1/aid/distributions", json.dumps(body), content_type="application/json"
        )
        return answer.status_code, answer.json()

    assert distribute(duplicate)[0] == 201
    assert distribute(kept)[0] == 409
    body = {"survivor_id": member(kept).pk, "merged_id": member(duplicate).pk}
    merged = client.post(
        "/api/v1/people/merges",
        json.dumps({**body, "merge_households": False}),
        content_type="application/json",
    )
    assert merged.status_code == 201, merged.content

    status, answer = distribute(kept)

    assert (status, answer["code"]) == (409, "double_dipping")
    assert f"also registered as {ref(duplicate)}." in answer["detail"]
    assert "Лысенко" not in answer["detail"] and "Лисенко" not in answer["detail"]
    assert Distribution.objects.count() == 1


def test_a_merge_links_households_the_matcher_alone_does_not(place: Place) -> None:
    # No birth date: the names only resemble, so before the merge an operator decides.
    one = family(("Галина", "Лисенко"), settlement_id=place.pk)
    other = family(("Halyna", "Lysenko"), settlement_id=place.pk)
    assert household_group(one) == [one.pk]

    merge(one, other)

    assert household_group(one) == household_group(other) == sorted([one.pk, other.pk])


def test_a_chain_of_merges_is_one_family_from_every_household(place: Place) -> None:
    a = family(("Галина", "Лысенко"), settlement_id=place.pk)
    b = family(("Halyna", "Lysenko"), settlement_id=place.pk)
    c = family(("Галя", "Лисенко"), settlement_id=place.pk)
    merge(b, a)  # A into B
    merge(c, b)  # then B into C
    everyone = sorted([a.pk, b.pk, c.pk])
    assert household_group(a) == household_group(b) == household_group(c) == everyone
    give(c)

    with pytest.raises(DoubleDipping) as refused:
        give(a)
    assert f"also registered as {ref(b)}, {ref(c)}." in refused.value.message


def test_an_undone_merge_no_longer_links_the_households(place: Place) -> None:
    one = family(("Галина", "Лисенко"), settlement_id=place.pk)
    other = family(("Halyna", "Lysenko"), settlement_id=place.pk)
    done = merge(one, other)

    merge_undo(done.pk, by=None)

    assert household_group(one) == [one.pk]
    assert household_group(other) == [other.pk]


def test_a_household_folded_into_another_is_not_named_as_a_registration(place: Place) -> None:
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk, birth_date=BORN)
    folded = family(("Галина", "Лысенко"), settlement_id=place.pk, birth_date=BORN)
    merge(kept, folded, households=True)

    assert household_group(kept) == [kept.pk]


def test_a_ration_given_before_a_merge_folded_the_household_counts_for_the_kept_one(
    place: Place,
) -> None:
    # The merge moves the folded household's rations to the kept one; the folded one
    # is served no more (test_folded_households).
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk, birth_date=BORN)
    folded = family(("Галина", "Лысенко"), settlement_id=place.pk, birth_date=BORN)
    give(folded)
    merge(kept, folded, households=True)

    with pytest.raises(DoubleDipping, match="already received 1 distribution"):
        give(kept)
    assert Distribution.objects.get().household == kept


def test_a_ration_recorded_on_a_folded_household_still_counts_and_names_it(
    place: Place,
) -> None:
    # Recorded after the merge, before distribution_record refused a folded household
    # (a page opened before the merge, or the API): such a row stays where it is.
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk, birth_date=BORN)
    folded = family(("Галина", "Лысенко"), settlement_id=place.pk, birth_date=BORN)
    merge(kept, folded, households=True)
    Distribution.objects.filter(pk=give(kept).pk).update(household=folded)

    assert household_group(kept) == sorted([kept.pk, folded.pk])
    with pytest.raises(DoubleDipping, match=f"also registered as {ref(folded)}"):
        give(kept)


def test_a_field_team_is_told_only_the_other_households_number(
    place: Place, user_in: Callable[[str], User]
) -> None:
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk)
    duplicate = family(("Halyna", "Lysenko"), settlement_id=PlaceFactory().pk)
    merge(kept, duplicate)
    give(duplicate)
    team = user_in("field")
    Assignment.objects.create(user=team, place=place)

    with pytest.raises(DoubleDipping) as refused:
        give(kept, by=team)

    assert refused.value.message.endswith(
        f"The same family is also registered as {ref(duplicate)}."
    )
    assert "Lysenko" not in refused.value.message


def test_the_rules_count_a_ration_a_merge_moved_after_the_family_was_read(
    place: Place,
) -> None:
    # distribution_record reads the family before it locks: a device serving the other
    # household before the merge commits must still be counted once the lock is held.
    kept = family(("Галина", "Лисенко"), settlement_id=place.pk)
    folded = family(("Halyna", "Lysenko"), settlement_id=place.pk)
    group = household_group(kept)
    assert group == [kept.pk]  # no birth date: the names alone are not one family
    give(folded)
    merge(kept, folded, households=True)

    (breach,) = rule_breaches(group, kinds={ItemKind.FOOD}, household=kept, now=timezone.now())

    assert breach.code == "food:max_per_period"
