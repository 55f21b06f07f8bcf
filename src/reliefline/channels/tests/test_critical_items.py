"""A critical medicine read from a message is stored in the message's language, and the
priority still counts it: an operator never reads "Ліки: insulin"."""

import pytest
from django.test import Client

from reliefline.channels.tests.senders import TWILIO_SMS, twilio_post, variant
from reliefline.channels.understand import CRITICAL_ITEMS, item_word
from reliefline.hotline.models import Case
from reliefline.hotline.priority import NeedFacts, critical_item
from reliefline.people.models import Language


@pytest.mark.parametrize(
    ("body", "language", "item"),
    [
        ("нужен инсулин", "ru", "инсулин"),
        ("Потрібен інсулін для мами", "uk", "інсулін"),
        ("We need insulin", "en", "insulin"),
        ("Срочно нужен кислород", "ru", "кислород"),
        ("Потрібен кисень", "uk", "кисень"),
        ("маме нужен диализ", "ru", "диализ"),
        ("Мамі потрібен діаліз", "uk", "діаліз"),
    ],
)
@pytest.mark.usefixtures("senders_on")
def test_the_item_read_from_a_message_is_in_its_language_and_counted_critical(
    client: Client, body: str, language: str, item: str
) -> None:
    assert twilio_post(client, variant(TWILIO_SMS, Body=body)).status_code == 200

    case = Case.objects.get()
    assert case.language == language
    assert list(case.needs.values_list("type", "item")) == [("medicine", item)]
    assert any(reason["code"].startswith("critical:") for reason in case.priority_reasons)


@pytest.mark.parametrize("item", sorted(CRITICAL_ITEMS))
@pytest.mark.parametrize("language", Language.values)
def test_priority_knows_every_word_an_item_is_stored_as(item: str, language: str) -> None:
    word = item_word(item, language)

    assert critical_item(NeedFacts(type="medicine", item=word)) == item
