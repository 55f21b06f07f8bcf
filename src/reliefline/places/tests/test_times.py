"""A resident is told a time on the clock of the place it is about, named."""

import datetime as dt

import pytest
from django.utils import translation

from conftest import SUDZHA
from reliefline.places.models import Place
from reliefline.places.times import COUNTRY_CLOCKS, hotline_time, resident_time

pytestmark = pytest.mark.usefixtures("gazetteer")

SUMY = "geonames:692194"
UTC = dt.UTC
# 06:00 UTC on a Saturday in November: 08:00 in Kyiv (UTC+2), 09:00 in Sudzha (UTC+3).
NOVEMBER = dt.datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
AUGUST = dt.datetime(2024, 8, 17, 5, 0, tzinfo=UTC)  # both clocks at UTC+3


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("ru", "28.11.2026 09:00 (по московскому времени)"),
        ("uk", "28.11.2026 09:00 (за московським часом)"),
        ("en", "28.11.2026 09:00 (Moscow time)"),
    ],
)
def test_a_time_in_sudzha_is_on_moscow_time_in_winter(language: str, text: str) -> None:
    assert resident_time(NOVEMBER, place=Place.objects.get(pk=SUDZHA), language=language) == text


def test_a_time_in_sumy_is_on_kyiv_time() -> None:
    sumy = Place.objects.get(pk=SUMY)
    assert (
        resident_time(NOVEMBER, place=sumy, language="uk")
        == "28.11.2026 08:00 (за київським часом)"
    )


def test_in_summer_both_clocks_agree_and_each_is_still_named() -> None:
    sudzha, sumy = Place.objects.get(pk=SUDZHA), Place.objects.get(pk=SUMY)
    assert resident_time(AUGUST, place=sudzha, language="en") == "17.08.2024 08:00 (Moscow time)"
    assert resident_time(AUGUST, place=sumy, language="en") == "17.08.2024 08:00 (Kyiv time)"


def test_without_a_place_the_hotlines_clock_is_named() -> None:
    assert resident_time(NOVEMBER, place=None, language="ru") == (
        "28.11.2026 08:00 (по киевскому времени)"
    )


def test_every_settlement_of_the_gazetteer_has_its_countrys_clock() -> None:
    countries = set(Place.objects.values_list("country", flat=True))
    assert countries and countries <= set(COUNTRY_CLOCKS)


def test_a_window_a_resident_is_told_is_a_span_on_their_clock() -> None:
    sudzha = Place.objects.get(pk=SUDZHA)
    until = NOVEMBER + dt.timedelta(hours=6)
    assert resident_time(NOVEMBER, place=sudzha, language="ru", until=until) == (
        "28.11.2026 09:00–15:00 (по московскому времени)"
    )
    overnight = NOVEMBER + dt.timedelta(hours=18)  # 03:00 the next day in Sudzha
    assert resident_time(NOVEMBER, place=sudzha, language="en", until=overnight) == (
        "28.11.2026 09:00–29.11.2026 03:00 (Moscow time)"
    )


def test_a_coordinator_reads_the_hotlines_clock_and_sudzhas_beside_it() -> None:
    sudzha = Place.objects.get(pk=SUDZHA)
    with translation.override("en"):
        assert hotline_time(NOVEMBER, place=sudzha) == (
            "2026-11-28 08:00 (Kyiv time; 09:00 Moscow time)"
        )
        assert hotline_time(NOVEMBER, place=sudzha, until=NOVEMBER + dt.timedelta(hours=4)) == (
            "2026-11-28 08:00–12:00 (Kyiv time; 09:00–13:00 Moscow time)"
        )
    with translation.override("uk"):
        assert hotline_time(NOVEMBER, place=sudzha) == (
            "2026-11-28 08:00 (за київським часом; 09:00 за московським часом)"
        )


def test_past_midnight_in_sudzha_its_date_is_given_too() -> None:
    late = dt.datetime(2026, 11, 28, 21, 30, tzinfo=UTC)  # 23:30 in Kyiv, 00:30 in Sudzha
    sudzha = Place.objects.get(pk=SUDZHA)
    with translation.override("en"):
        assert hotline_time(late, place=sudzha) == (
            "2026-11-28 23:30 (Kyiv time; 2026-11-29 00:30 Moscow time)"
        )
        assert hotline_time(late, place=sudzha, until=late + dt.timedelta(hours=1)) == (
            "2026-11-28 23:30–2026-11-29 00:30 (Kyiv time; 2026-11-29 00:30–01:30 Moscow time)"
        )


def test_a_place_on_the_hotlines_clock_gets_one_time_and_a_summer_time_both() -> None:
    sudzha, sumy = Place.objects.get(pk=SUDZHA), Place.objects.get(pk=SUMY)
    with translation.override("en"):
        assert hotline_time(NOVEMBER, place=sumy) == "2026-11-28 08:00 (Kyiv time)"
        assert hotline_time(NOVEMBER) == "2026-11-28 08:00 (Kyiv time)"
        # Both clocks read the same in summer; both are still said, so none is guessed.
        assert hotline_time(AUGUST, place=sudzha) == (
            "2024-08-17 08:00 (Kyiv time; 08:00 Moscow time)"
        )
