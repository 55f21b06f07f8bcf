"""Migration channels 0008 rewords the seeded callback texts, never a coordinator's own."""

import importlib

import pytest
from django.apps import apps

from reliefline.channels.defaults import DEFAULT_TEMPLATES
from reliefline.channels.models import NoticeTemplate

pytestmark = pytest.mark.django_db
migration = importlib.import_module(
    "reliefline.channels.migrations.0008_callback_notice_time_apart"
)
OLD_RU, NEW_RU = migration.REWORDED[("callback_scheduled", "ru")]
OLD_UK, NEW_UK = migration.REWORDED[("callback_scheduled", "uk")]
OWN_UK = "reliefline: передзвонимо щодо {reference}, {time}."


def _body(language: str) -> str:
    return NoticeTemplate.objects.get(kind="callback_scheduled", language=language).body


def _set(language: str, body: str) -> None:
    NoticeTemplate.objects.filter(kind="callback_scheduled", language=language).update(body=body)


def test_the_seeded_text_is_reworded_and_an_edited_one_kept() -> None:
    _set("ru", OLD_RU)
    _set("uk", OWN_UK)

    migration.reword(apps, None)

    assert _body("ru") == NEW_RU == DEFAULT_TEMPLATES["callback_scheduled"]["ru"]
    assert _body("uk") == OWN_UK


def test_reversing_puts_back_the_seeded_text_where_untouched() -> None:
    _set("ru", NEW_RU)
    _set("uk", NEW_UK)

    migration.unreword(apps, None)

    assert (_body("ru"), _body("uk")) == (OLD_RU, OLD_UK)
