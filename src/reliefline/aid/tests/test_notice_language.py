"""The aid notice goes in the recipient's recorded language when they never called or wrote."""

import pytest

from reliefline.aid.models import ItemKind
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, stocked
from reliefline.channels.models import Notice
from reliefline.people.services import PersonInput, household_create, person_create

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("uk", "reliefline: видача допомоги (Питна вода, пляшка 5 л × 2)"),
        ("ru", "reliefline: раздача помощи (Питьевая вода, бутылка 5 л × 2)"),
        ("en", "reliefline: aid distribution (Drinking water, 5 l bottle × 2)"),
    ],
    ids=["uk", "ru", "en"],
)
def test_a_member_with_no_case_or_message_is_told_in_their_language(
    language: str, said: str
) -> None:
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", kind=ItemKind.WATER), 10)
    household = household_create(settlement=warehouse.settlement, size=1)
    person = person_create(
        PersonInput(
            given_name="Оксана",
            family_name="Мельник",
            phone="+380671234567",
            preferred_language=language,
        ),
        household=household,
        by=None,
    )

    distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=household.pk, lines=[LineInput("WATER-5L", 2)]
        ),
        by=None,
    )

    notice = Notice.objects.get(kind="aid_distribution")
    assert (notice.person_id, notice.language, notice.address) == (
        person.pk,
        language,
        "+380671234567",
    )
    assert notice.body.startswith(said), notice.body
