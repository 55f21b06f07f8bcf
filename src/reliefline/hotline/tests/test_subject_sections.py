"""The export gathers every app's sections (AppConfig.subject_export) without importing them."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from reliefline.hotline.subject import subject_export
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person

SECTIONS = [
    "exported_at",
    "person",
    "household",
    "cases",
    "duplicate_pairs",
    "merges",
    "contacts",
    "notices",
    "inbound_messages",
    "evacuation_requests",
    "distributions",
    "distribution_refusals",
    "accesses",
]


def _caller() -> Person:
    caller = open_case().caller
    assert caller is not None
    return caller


def clashing_section(person_id: int) -> dict[str, list[dict[str, object]]]:
    return {"cases": []}


def test_every_section_is_in_the_export_even_when_empty(db: None, user_in) -> None:
    export = subject_export(_caller().pk, by=user_in("dpo")).as_dict()
    assert sorted(export) == sorted(SECTIONS)
    assert list(export)[:4] == SECTIONS[:4] and list(export)[-1] == "accesses"


def test_a_section_named_twice_is_refused_not_hidden(db: None, user_in, monkeypatch) -> None:
    caller = _caller()
    monkeypatch.setattr(
        apps.get_app_config("aid"), "subject_export", f"{__name__}.clashing_section"
    )
    with pytest.raises(ImproperlyConfigured, match="'cases' already taken"):
        subject_export(caller.pk, by=user_in("dpo"))
