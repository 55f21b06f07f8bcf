"""What every app's pages do with a form a service refused."""

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reliefline.errors import ReliefError
from reliefline.schemas import YEAR_MAX, YEAR_MIN
from reliefline.widgets import DateInput, DateTimeInput


def year_check(value: object) -> None:
    """Refuse a date outside the years the API takes too (reliefline.schemas.YEAR_MIN).

    Near Python's limits, year 1 or 9999, a page adding a day or changing the offset
    would overflow: a 500 instead of the error at the field.
    """
    year = getattr(value, "year", None)
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise ValidationError(
            _("Enter a date from the year %(min)s to %(max)s."),
            code="date_range",
            params={"min": YEAR_MIN, "max": YEAR_MAX},
        )


class DateField(forms.DateField):
    """A date the browser's picker shows in every language, within the years we take."""

    widget = DateInput
    default_validators = [year_check]


class DateTimeField(forms.DateTimeField):
    """A date and time (`datetime-local`) within the years we take."""

    widget = DateTimeInput
    default_validators = [year_check]


def form_error_add(
    form: forms.BaseForm, error: ReliefError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Attach the service's refusal to the form field it names, or to the whole form.

    A service names the field in its own terms (`error.field`: "name", or
    "windows[0].ends_at"); `fields` maps those to the form's where they differ. Shown
    at the field, the message sits beside the field's label and what was typed stays;
    a field the form does not have goes to the form's own errors (shown on top), so the
    message is never lost.
    """
    name = (fields or {}).get(error.field or "", error.field)
    form.add_error(name if name in form.fields else None, error.message)
