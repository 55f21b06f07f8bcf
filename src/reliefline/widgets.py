"""Date and time inputs the browser's own pickers can read, whatever the page's language.

A `type="date"` input shows and sends only ISO dates (`2026-11-28`). Django's widgets
render their value in the active language's format (`28.11.2026` in Ukrainian and
Russian), which the browser cannot read: the box shows empty, and the form, sent
again unchanged, erases the date. These widgets always render ISO; the fields still
accept what the browser sends.
"""

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """A date and time without a zone (`datetime-local`): the label says which clock."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")
