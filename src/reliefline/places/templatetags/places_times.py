"""Times with their clock named (places.times).

`{{ at|clock_of:place }}`: a time as it reads at a place (what a resident is told).
`{% hotline_clock %}`: how the hotline's clock is named, for a time typed on it.
`{% hotline_time at place=… until=… %}`: a time on the hotline's clock, and on the
place's beside it when the place keeps another (what a coordinator reads).
"""

import datetime as dt

from django import template

from reliefline.places.models import Place
from reliefline.places.times import hotline_time as _hotline_time
from reliefline.places.times import hotline_zone_name, resident_time

register = template.Library()


@register.filter
def clock_of(at: dt.datetime | None, place: Place | None) -> str:
    """Return `at` on the clock of `place`, in the active language (places.times)."""
    return "" if at is None else resident_time(at, place=place)


@register.simple_tag
def hotline_time(
    at: dt.datetime | None, place: Place | None = None, until: dt.datetime | None = None
) -> str:
    """Return `at` (to `until`) on the hotline's clock, and the place's if another."""
    return "" if at is None else _hotline_time(at, place=place, until=until)


@register.simple_tag
def hotline_clock() -> str:
    """Return how the hotline's clock is named ("Kyiv time"): a form's times are on it."""
    return hotline_zone_name()
