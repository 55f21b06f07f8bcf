"""A notice to someone who never wrote nor called goes in the language recorded for them."""

from collections.abc import Callable

import pytest
from django.test.utils import CaptureQueriesContext

from reliefline.channels.models import InboundMessage, Medium, NoticeKind
from reliefline.channels.selectors import routes_for
from reliefline.channels.services import notice_send
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person
from reliefline.people.services import PersonInput, person_create

pytestmark = pytest.mark.django_db


def resident(language: str, *, phone: str = "+380501234567") -> Person:
    return person_create(
        PersonInput(given_name="Ірина", phone=phone, preferred_language=language),
        household=None,
        by=None,
    )


@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_a_person_with_no_case_and_no_message_is_written_to_in_their_language(
    outbox: list[object], language: str
) -> None:
    person = resident(language)

    notice = notice_send(
        person=person,
        kind=NoticeKind.CORRIDOR_OPENED,
        context={"corridor": "A", "window": "08:00–14:00"},
    )

    assert (notice.language, notice.medium, notice.address) == (
        language,
        Medium.SMS,
        "+380501234567",
    )


def test_their_last_case_still_goes_before_the_language_recorded() -> None:
    case = open_case(language="ru")
    Person.objects.filter(pk=caller_of(case).pk).update(preferred_language="uk")

    assert routes_for([caller_of(case).pk])[caller_of(case).pk].language == "ru"


def test_their_last_message_still_goes_first() -> None:
    person = resident("uk")
    InboundMessage.objects.create(sender="twilio", external_id="SM1", person=person, language="en")

    assert routes_for([person.pk])[person.pk].language == "en"


def test_without_a_language_recorded_it_is_russian() -> None:
    person = resident("uk")
    Person.objects.filter(pk=person.pk).update(preferred_language="")

    assert routes_for([person.pk])[person.pk].language == "ru"


def test_the_routes_of_many_persons_take_four_queries(
    django_assert_num_queries: Callable[[int], CaptureQueriesContext],
) -> None:
    persons = [
        resident(language, phone=f"+38050123456{i}")
        for i, language in enumerate(["uk", "ru", "en"])
    ]

    with django_assert_num_queries(4):
        routes = routes_for([p.pk for p in persons])

    assert [routes[p.pk].language for p in persons] == ["uk", "ru", "en"]
