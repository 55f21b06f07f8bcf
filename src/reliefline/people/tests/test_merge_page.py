"""The merge page's "merged record as it was": every value as staff pages write it."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.test import Client

from reliefline.access.tests.factories import UserFactory
from reliefline.people.merge import MergeRequest, person_merge
from reliefline.people.models import Merge, Person
from reliefline.people.review import field_choices
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
# 23:22 UTC on 27 November is 01:22 the next day on the hotline's clock (Kyiv, UTC+2).
CONSENT_AT = dt.datetime(2026, 11, 27, 23, 22, 32, 626672, tzinfo=dt.UTC)


@pytest.fixture
def merged() -> tuple[Merge, Person]:
    survivor = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    duplicate = PersonFactory(
        given_name="Iryna",
        family_name="Vereshchuk",
        patronymic="",
        phone="+79101112233",
        consent_at=CONSENT_AT,
        consent_recorded_by=UserFactory(username="registrar"),
    )
    merge = person_merge(MergeRequest(survivor.pk, duplicate.pk, {}), by=None)
    return merge, duplicate


def _merged_record(client: Client, merge: Merge, language: str) -> dict[str, str]:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/people/merges/{merge.pk}/").content.decode()
    section = page.split('class="facts merged-before"', 1)[1].split("</dl>", 1)[0]
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section))


@pytest.mark.parametrize(
    ("language", "labels", "values"),
    [
        (
            "en",
            ["Consent given at", "Consent recorded by", "Household", "How consent was given"],
            ["Verbally, on the phone", "Consent", "Russian"],
        ),
        (
            "uk",
            ["Згоду надано", "Згоду записав(ла)", "Домогосподарство", "Як отримано згоду"],
            ["Усно, по телефону", "Згода", "Російська"],
        ),
        (
            "ru",
            ["Согласие дано", "Согласие записал(а)", "Домохозяйство", "Как получено согласие"],
            ["Устно, по телефону", "Согласие", "Русский"],
        ),
    ],
)
def test_merged_record_shows_values_as_staff_pages_write_them(
    client_as: Callable[[str], Client],
    merged: tuple[Merge, Person],
    language: str,
    labels: list[str],
    values: list[str],
) -> None:
    merge, duplicate = merged

    shown = _merged_record(client_as("coordinator"), merge, language)

    consent_at, recorded_by, household, method = (shown[label] for label in labels)
    assert consent_at == "2026-11-28 01:22"
    assert recorded_by == "registrar"
    assert household == str(duplicate.household) and household.startswith("H-0")
    assert method == values[0]
    assert set(values) <= set(shown.values())
    assert "1979-10-30" in shown.values()


def test_merged_record_shows_nothing_as_a_dash(
    client_as: Callable[[str], Client], merged: tuple[Merge, Person]
) -> None:
    merge, _duplicate = merged

    shown = _merged_record(client_as("coordinator"), merge, "en")

    assert shown["Patronymic"] == shown["External id"] == shown["Merged into"] == "—"


def test_comparison_dates_consent_on_the_operations_clock() -> None:
    first = PersonFactory(consent_at=CONSENT_AT)
    second = PersonFactory(given_name="Iryna", family_name="Vereshchuk")

    consent = next(choice for choice in field_choices(first, second) if choice.name == "consent")

    assert consent.values[0] == "Consent · Verbally, on the phone · 2026-11-28"
