"""The time a resident reads: on the clock of the place they are told to be at.

The hotline works on Kyiv time (settings.TIME_ZONE: UTC+2 in winter, UTC+3 in
summer); Kursk and Belgorod oblasts keep Moscow time (UTC+3 all year). A notice
saying "08:00" in Kyiv time, read on a phone in Sudzha in November, sends a family
to the assembly point an hour early, and a time typed the other way round makes
them miss the bus. So a time a resident is told is given on the clock of the
place it is about, and names that clock.

Coordinators type and read times on the hotline's clock; where a convoy gathers on
another, their pages give that clock's time beside it (`hotline_time`), so the hour a
family will be told is on the page before the notice goes out.
"""

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from reliefline.places.models import Place

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

# The clock each of the gazetteer's countries keeps in its border oblasts (Kursk,
# Belgorod, Sumy), and how a notice names it.
COUNTRY_CLOCKS: dict[str, tuple[str, "StrOrPromise"]] = {
    "RU": ("Europe/Moscow", _("Moscow time")),
    "UA": ("Europe/Kyiv", _("Kyiv time")),
}
ZONE_NAMES: dict[str, "StrOrPromise"] = dict(COUNTRY_CLOCKS.values())


def place_zone(place: Place | None) -> ZoneInfo:
    """Return the time zone of the place's country, else the hotline's own."""
    if place is not None and place.country in COUNTRY_CLOCKS:
        return ZoneInfo(COUNTRY_CLOCKS[place.country][0])
    return ZoneInfo(settings.TIME_ZONE)


def _zone_name(zone: ZoneInfo) -> str:
    """Return how a clock is named ("Moscow time"), in the active language; else its key."""
    return str(ZONE_NAMES.get(zone.key, zone.key))


def hotline_zone_name() -> str:
    """Return how the hotline's own clock is named ("Kyiv time"), in the active language."""
    return _zone_name(ZoneInfo(settings.TIME_ZONE))


def on_hotline_clock(label: "StrOrPromise") -> "StrOrPromise":
    """Return a form field's label saying its time is typed on the hotline's clock.

    "Departure (Kyiv time)": lazy, in the language of the page that shows it.
    """
    return format_lazy("{} ({})", label, lazy(hotline_zone_name, str)())


def _span(start: dt.datetime, until: dt.datetime | None, *, date: bool, day: str = "Y-m-d") -> str:
    """Return "2026-11-28 08:00", or with `until` "2026-11-28 08:00–12:00" (both local).

    `day` is how the date is written: staff pages "Y-m-d", residents' notices "d.m.Y".
    """
    text = formats.date_format(start, f"{day} H:i" if date else "H:i")
    if until is not None:
        same_day = until.date() == start.date()
        text += "–" + formats.date_format(until, "H:i" if same_day else f"{day} H:i")
    return text


def hotline_time(
    at: dt.datetime, *, place: Place | None = None, until: dt.datetime | None = None
) -> str:
    """Return `at` (to `until`) on the hotline's clock, and on the place's if it keeps another.

    "2026-11-28 08:00 (Kyiv time; 09:00 Moscow time)"; the place's date is given too
    when it is another day there. In the active language.
    """
    home, there = ZoneInfo(settings.TIME_ZONE), place_zone(place)
    start = at.astimezone(home)
    text = f"{_span(start, until and until.astimezone(home), date=True)} ({hotline_zone_name()}"
    if there.key != home.key:
        local = at.astimezone(there)
        other = _span(local, until and until.astimezone(there), date=local.date() != start.date())
        text += f"; {other} {_zone_name(there)}"
    return text + ")"


def resident_time(
    at: dt.datetime,
    *,
    place: Place | None,
    language: str | None = None,
    until: dt.datetime | None = None,
) -> str:
    """Return `at` as it reads at `place`, in `language`: "28.11.2026 09:00 (Moscow time)".

    With `until`, the span: "28.11.2026 09:00–15:00 (Moscow time)". Without a place (a
    caller who gave none), on the hotline's clock, named too. Without a language, in
    the active one (a page, a manifest being printed).
    """
    zone = place_zone(place)
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        span = _span(at.astimezone(zone), until and until.astimezone(zone), date=True, day="d.m.Y")
        return f"{span} ({_zone_name(zone)})"
