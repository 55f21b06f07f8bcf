"""The web form's hidden field: a bot that fills it reads the answer a resident reads,
with a case number no case has, and nothing is kept."""

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from reliefline.channels.models import InboundMessage
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r'<strong id="case-reference">(RL-\d{6})</strong>')


@pytest.fixture(autouse=True)
def _fresh_rate_limit(gazetteer: None) -> None:
    cache.clear()


def _report(**changes: str) -> dict[str, Any]:
    return {
        "message": "Нужна вода, нас трое",
        "settlement": "Суджа",
        "given_name": "Ирина",
        "family_name": "",
        "phone": "",
        "household_size": "3",
        "consent": "on",
        "website": "",
        "token": "5b2f0c1d9e8a4b7c6d5e4f3a2b1c0d9e",
        **changes,
    }


def _main_without_reference(html: str) -> str:
    """Return the page's <main>, its case number left out (the rest holds per-request tokens)."""
    main = html[html.index('<main id="main">') : html.index("</main>")]
    return REFERENCE.sub("", main)


def test_a_trapped_bot_reads_the_page_a_resident_reads() -> None:
    resident = Client().post("/report/", _report()).content.decode()
    Case.objects.all().delete()  # the bot's turn, on the same empty hotline
    bot = Client().post("/report/", _report(website="http://spam.example", token="b" * 32))

    assert bot.status_code == 200
    assert REFERENCE.search(bot.content.decode()) is not None
    assert _main_without_reference(bot.content.decode()) == _main_without_reference(resident)


def test_the_trapped_bots_case_number_is_nobodys_and_nothing_is_kept() -> None:
    existing = {open_case(phone=f"+7910000000{i}").reference for i in range(3)}
    people = Person.objects.count()

    response = Client().post("/report/", _report(website="http://spam.example"))

    match = REFERENCE.search(response.content.decode())
    assert match is not None and match.group(1) not in existing
    assert set(Case.objects.values_list("reference", flat=True)) == existing
    assert not InboundMessage.objects.exists() and Person.objects.count() == people
