"""The operator console's caller lookup proposes registered persons in any script."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _lookup(client: Client, **params: str) -> str:
    return client.get(reverse("hotline:caller_lookup"), params).content.decode()


def test_repeat_caller_typed_in_latin_is_proposed_as_the_same_person(
    client_as: Callable[[str], Client],
) -> None:
    person = PersonFactory(phone="+79101234567")
    html = _lookup(
        client_as("operator"), given_name="Iryna", family_name="Vereshchuk", phone="8 910 123 45 67"
    )
    assert f'id="person_{person.pk}"' in html
    assert 'data-decision="match"' in html
    assert "family name equal after transliteration" in html


def test_repeat_caller_with_birth_date_and_russian_spelling_is_proposed(
    client_as: Callable[[str], Client],
) -> None:
    person = PersonFactory(given_name="Ірина", patronymic="Миколаївна", phone="")
    html = _lookup(
        client_as("operator"),
        given_name="Irina",
        family_name="Vereshchuk",
        birth_date=person.birth_date.isoformat(),
    )
    assert f'id="person_{person.pk}"' in html
    assert "birth date equal" in html


def test_each_person_is_offered_once(client_as: Callable[[str], Client]) -> None:
    person = PersonFactory(phone="+79101234567")
    html = _lookup(client_as("operator"), given_name="Ирина", phone="+79101234567")
    assert html.count(f'id="person_{person.pk}"') == 1


def test_a_half_typed_phone_still_matches_on_the_name(client_as: Callable[[str], Client]) -> None:
    person = PersonFactory(birth_date=dt.date(1979, 10, 30))
    html = _lookup(
        client_as("operator"), given_name="Irina", family_name="Vereshchuk", phone="+7 91"
    )
    assert f'id="person_{person.pk}"' in html


def test_an_impossible_birth_date_is_ignored(client_as: Callable[[str], Client]) -> None:
    response = client_as("operator").get(
        reverse("hotline:caller_lookup"), {"family_name": "Верещук", "birth_date": "1979-02-30"}
    )
    assert response.status_code == 200


def test_proposed_candidates_are_audited(client_as: Callable[[str], Client]) -> None:
    person = PersonFactory(phone="+79101234567")
    _lookup(client_as("operator"), phone="+79101234567")
    entry = AuditEntry.objects.get(action=AuditAction.SEARCH, purpose="identity match")
    assert entry.person_ids == [person.pk]
