"""The data-subject export holds the distributions to the person's household (hotline.subject)."""

import json

import pytest

from reliefline.aid.models import ItemKind
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.hotline.subject import subject_export
from reliefline.people.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def maltsevs() -> Household:
    warehouse = WarehouseFactory(code="SUDZHA-1", name="Sudzha school gym")
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 100)
    return family(("Сергей", "Мальцев"), ("Ольга", "Мальцева"))


def _give(household: Household, *, recipient_name: str, person_id: int | None = None) -> None:
    distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1",
            household_id=household.pk,
            lines=[LineInput(item="WATER-5L", quantity=8)],
            recipient_name=recipient_name,
            person_id=person_id,
        ),
        by=None,
    )


def test_every_member_gets_the_households_distribution_with_the_name_given(
    maltsevs: Household, user_in
) -> None:
    _give(maltsevs, recipient_name="Сергей Мальцев")
    dpo = user_in("dpo")

    for member in maltsevs.members.all():
        (given,) = subject_export(member.pk, by=dpo).as_dict()["distributions"]
        assert given["recipient_name"] == "Сергей Мальцев"
        assert given["household"] == maltsevs.pk and given["warehouse"] == "Sudzha school gym"
        assert given["items"] == [{"item": "WATER-5L", "quantity": 8}]


def test_a_name_given_by_another_named_member_is_not_in_the_export(
    maltsevs: Household, user_in
) -> None:
    sergei, olga = maltsevs.members.order_by("pk")
    _give(maltsevs, recipient_name="Ольга Мальцева", person_id=olga.pk)

    export = subject_export(sergei.pk, by=user_in("dpo")).as_dict()

    (given,) = export["distributions"]
    assert (given["recipient"], given["recipient_name"]) == (olga.pk, None)
    assert "Ольга" not in json.dumps(export, ensure_ascii=False)
