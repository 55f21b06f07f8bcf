"""What every app's pages do with a form a service refused."""

from collections.abc import Mapping

from django import forms

from reliefline.errors import ReliefError


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
