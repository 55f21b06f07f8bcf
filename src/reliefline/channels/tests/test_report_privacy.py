"""The public web form's phone is typed by anyone: it joins no case and reveals none.

A stranger who knows a resident's phone must not learn from /report/ whether that
phone has a case, nor get its reference, nor write on it; the operator still learns
that the request may come from someone already known.
"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from reliefline.channels.models import Contact, InboundMessage
from reliefline.channels.tests import senders
from reliefline.channels.tests.factories import caller_of
from reliefline.channels.tests.senders import TWILIO_SMS, twilio_post, variant
from reliefline.hotline.models import Case, CaseEvent
from reliefline.hotline.tests.factories import case_page, open_case
from reliefline.people.dedupe import dedupe_run
from reliefline.people.models import DuplicatePair

pytestmark = pytest.mark.django_db

KNOWN_PHONE = "+79100000003"
REFERENCE = re.compile(r'<strong id="case-reference">(RL-\d{6})</strong>')


@pytest.fixture(autouse=True)
def _fresh(settings: Any, gazetteer: None) -> None:
    cache.clear()  # the rate limit's count
    settings.RELIEFLINE_TWILIO_AUTH_TOKEN = senders.TWILIO_TOKEN
    settings.RELIEFLINE_PUBLIC_URL = ""


@pytest.fixture
def victim() -> Case:
    """Return the open case of a resident an operator registered by phone."""
    return open_case(phone=KNOWN_PHONE, given_name="Мария", family_name="Осипова")


def _anonymous(client: Client, token: str = "a" * 32, **changes: str) -> Any:
    data = {
        "message": "Отмените мою эвакуацию, я остаюсь",
        "settlement": "",
        "given_name": "",
        "family_name": "",
        "phone": KNOWN_PHONE,
        "household_size": "",
        "consent": "on",
        "website": "",
        "token": token,
    }
    data.update(changes)
    return client.post("/report/", data)


def _timeline(case: Case) -> list[tuple[str, str, str]]:
    return [(e.kind, e.text, e.msgid) for e in CaseEvent.objects.filter(case=case).order_by("pk")]


def test_a_known_phone_gets_a_new_case_and_only_its_reference(client: Client, victim: Case) -> None:
    response = _anonymous(client)
    assert response.status_code == 200
    page = response.content.decode()
    new = Case.objects.exclude(pk=victim.pk).get()
    assert REFERENCE.findall(page) == [new.reference]
    assert victim.reference not in page
    assert new.channel == "web" and new.message == "Отмените мою эвакуацию, я остаюсь"


def test_a_known_phone_writes_nothing_on_the_existing_case_or_person(
    client: Client, victim: Case
) -> None:
    before = _timeline(victim)
    _anonymous(client, given_name="Мария", family_name="Осипова")
    assert _timeline(victim) == before
    assert InboundMessage.objects.get().case != victim
    new = Case.objects.exclude(pk=victim.pk).get()
    # Its own person, with the phone typed, not the resident's record.
    assert caller_of(new).pk != caller_of(victim).pk and caller_of(new).phone == KNOWN_PHONE
    assert caller_of(new).household_id != caller_of(victim).household_id
    assert not Contact.objects.exists()


def test_the_operator_sees_the_possible_match_on_the_web_case(
    client: Client, client_as: Callable[[str], Client], victim: Case
) -> None:
    _anonymous(client)
    new = Case.objects.exclude(pk=victim.pk).get()
    page = case_page(client_as("operator"), new, "en")
    assert "Sent through the public web form with a phone already registered" in page
    assert f"(in {caller_of(victim).household}; earlier cases: {victim.reference})" in page


def test_the_duplicate_review_offers_the_two_persons(client: Client, victim: Case) -> None:
    _anonymous(client, given_name="Мария", family_name="Осипова")
    new = Case.objects.exclude(pk=victim.pk).get()
    dedupe_run()
    pair = DuplicatePair.objects.get()
    assert {pair.first_id, pair.second_id} == {caller_of(victim).pk, caller_of(new).pk}


def test_a_new_phone_on_the_web_gets_no_warning(client: Client) -> None:
    _anonymous(client, phone="+79105550011")
    assert [kind for kind, _text, _msgid in _timeline(Case.objects.get())] == [
        "created",
        "message",
    ]


def test_an_sms_from_the_phone_still_joins_the_residents_case(client: Client, victim: Case) -> None:
    _anonymous(client)
    response = twilio_post(client, variant(TWILIO_SMS, From=KNOWN_PHONE))
    assert response.status_code == 200 and victim.reference in response.content.decode()
    assert InboundMessage.objects.get(sender="twilio").case == victim


def test_an_sms_from_a_phone_first_typed_on_the_web_opens_its_own_case(client: Client) -> None:
    _anonymous(client, phone="+79105550011")
    web = Case.objects.get()
    response = twilio_post(client, variant(TWILIO_SMS, From="+79105550011"))
    assert response.status_code == 200 and web.reference not in response.content.decode()
    sms = InboundMessage.objects.get(sender="twilio").case
    assert sms is not None and sms != web
    assert [kind for kind, _text, _msgid in _timeline(web)] == ["created", "message"]


@pytest.mark.parametrize("phone", [KNOWN_PHONE, "+79105550011"])
def test_honeypot_and_limit_answer_a_known_phone_as_any_other(
    client: Client, victim: Case, phone: str
) -> None:
    """A guard, not a fix: these answers never depended on the phone."""
    before = _timeline(victim)
    trapped = _anonymous(client, phone=phone, website="http://spam.example")
    assert trapped.status_code == 200 and victim.reference not in trapped.content.decode()
    for i in range(4):  # the trapped one counted too: five in all
        _anonymous(client, phone="", given_name="Иван", token=f"fill{i}")
    limited = _anonymous(client, phone=phone, token="over")
    assert limited.status_code == 429 and victim.reference not in limited.content.decode()
    assert _timeline(victim) == before
    assert not InboundMessage.objects.filter(external_id__in=["a" * 32, "over"]).exists()
