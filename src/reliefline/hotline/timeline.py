"""Notes reliefline writes on a case's timeline, kept untranslated and read in any language.

Operators of one case work in Ukrainian, Russian and English, and the task worker that
writes most notes has no language of its own. So a system note is stored as its
English msgid (marked with gettext_noop where it is written, for makemessages) and its
parameters, and translated each time it is shown (CaseEvent.display_text). A
parameter that is a choice (a notice's medium, a language) is stored as its raw
value with the model field it belongs to, and shown as that choice's label. A
parameter that names things of our own data in each language (aid items) is stored
in every language of the interface, and shown in the reader's.
"""

from collections.abc import Callable, Mapping
from typing import TypedDict

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import get_language, gettext


class ChoiceParam(TypedDict):
    """A parameter shown as the label of a choice: field is "app_label.model.field"."""

    field: str
    value: str


class TextsParam(TypedDict):
    """A parameter written in each language of the interface: {"uk": …, "ru": …, "en": …}."""

    texts: dict[str, str]


NoteParam = str | int | ChoiceParam | TextsParam


def choice_param(instance: models.Model, field: str) -> ChoiceParam:
    """Return the instance's choice `field` as a parameter that reads as its label."""
    return {
        "field": f"{instance._meta.label_lower}.{field}",
        "value": str(getattr(instance, field)),
    }


def texts_param(text_in: Callable[[str], str]) -> TextsParam:
    """Return a parameter holding `text_in(language)` for each language of the interface."""
    return {"texts": {code: text_in(code) for code, _name in settings.LANGUAGES}}


def _texts_pick(texts: object) -> str:
    if not isinstance(texts, Mapping):
        return "…"
    language = (get_language() or "en")[:2]
    return str(texts.get(language) or texts.get("en") or next(iter(texts.values()), "…"))


def _param_text(param: Mapping[str, object]) -> str:
    if "texts" in param:
        return _texts_pick(param["texts"])
    return _choice_label(param)


def _choice_label(param: Mapping[str, object]) -> str:
    value = str(param.get("value", ""))
    try:
        app_label, model_name, name = str(param.get("field", "")).split(".")
        field = apps.get_model(app_label, model_name)._meta.get_field(name)
    except (ValueError, LookupError, FieldDoesNotExist):
        return value  # a field renamed since: the raw value still says something
    labels = dict(getattr(field, "flatchoices", ()))
    return str(labels.get(value, value))


class _Values(dict[str, object]):
    def __missing__(self, name: str) -> str:
        return "…"  # purged with the case's other personal data, or never given


def note_render(msgid: str, params: object) -> str:
    """Return the note in the active language, its parameters filled in.

    A message missing from the catalog reads in English (gettext returns the msgid).
    A parameter's own text is never formatted again, so a "%" in it is harmless, and
    a missing one reads "…". Parameters that do not fit the translation fall back to
    the English message, then to the message as it stands: a page showing a timeline
    never fails on one note.
    """
    values = _Values()
    if isinstance(params, Mapping):
        for name, value in params.items():
            values[name] = _param_text(value) if isinstance(value, Mapping) else value
    for message in (gettext(msgid), msgid):
        if "%(" not in message:
            return message  # no placeholder: a "%" in it is a literal, as gettext has it
        try:
            return message % values
        except (TypeError, ValueError):
            continue
    return msgid
