"""`{{ at|clock_of:place }}`: a time as it reads at a place, its clock named."""

import datetime as dt

from django import template

from reliefline.places.models import Place
from reliefline.places.times import resident_time

register = template.Library()


@register.filter
def clock_of(at: dt.datetime | None, place: Place | None) -> str:
    """Return `at` on the clock of `place`, in the active language (places.times)."""
    return "" if at is None else resident_time(at, place=place)
