"""Every date or time a form shows reads in the browser's picker, in every language.

A `type="date"` input reads only ISO dates. A widget that renders its value in the
language's format (28.11.2026) shows an empty box in Ukrainian and Russian, and the
form, sent back unchanged, erases the date: a caller's birth date was lost that way.
"""

import datetime as dt
import importlib
import inspect
import pkgutil
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

import reliefline
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person


def _date_fields() -> list[tuple[str, forms.Field]]:
    found = []
    for module in pkgutil.walk_packages(reliefline.__path__, "reliefline."):
        if not module.name.endswith(".forms"):
            continue
        for name, form in inspect.getmembers(importlib.import_module(module.name)):
            if not (inspect.isclass(form) and issubclass(form, forms.BaseForm)):
                continue
            for field_name, field in getattr(form, "base_fields", {}).items():
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    found.append((f"{module.name}.{name}.{field_name}", field))
    return found


DATE_FIELDS = _date_fields()


def test_the_forms_have_date_fields_to_check() -> None:
    assert len(DATE_FIELDS) >= 10


@pytest.mark.parametrize(("where", "field"), DATE_FIELDS, ids=[w for w, _f in DATE_FIELDS])
@pytest.mark.parametrize("language", ["uk", "ru", "en"])
def test_a_date_renders_as_the_browser_reads_it(where: str, field: forms.Field, language: str):
    value = dt.datetime(1963, 8, 8, 9, 30)
    if not isinstance(field, forms.DateTimeField):
        value = value.date()  # type: ignore[assignment]
    with translation.override(language):
        html = field.widget.render("when", value)
    if isinstance(field, forms.DateTimeField):
        assert 'type="datetime-local"' in html and 'value="1963-08-08T09:30"' in html
    else:
        assert 'type="date"' in html and 'value="1963-08-08"' in html


@pytest.mark.usefixtures("gazetteer")
def test_saving_a_callers_name_in_russian_keeps_the_birth_date(client_as) -> None:
    """The case page's caller form, sent back as the browser shows it."""
    case = open_case()
    Person.objects.filter(pk=case.caller_id).update(birth_date=dt.date(1963, 8, 8))
    operator = client_as("operator")
    operator.cookies["django_language"] = "ru"
    page = operator.get(reverse("hotline:case", args=[case.reference])).content.decode()
    shown = re.search(r'name="caller-birth_date" value="([^"]*)"', page)
    assert shown is not None
    assert shown.group(1) == "1963-08-08"  # a date input shows nothing else, and sends ""

    operator.post(
        reverse("hotline:case_caller", args=[case.reference]),
        {
            "caller-given_name": "Ирина",
            "caller-family_name": "Верещук",
            "caller-birth_date": shown.group(1),
        },
    )

    assert Person.objects.get(pk=case.caller_id).birth_date == dt.date(1963, 8, 8)
