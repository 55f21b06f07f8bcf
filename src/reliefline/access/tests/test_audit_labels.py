"""The audit log keeps purposes in English; the DPO reads them in the page's language."""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.audit_labels import (
    FIELD_LABELS,
    PURPOSES,
    Purpose,
    field_label,
    purpose_label,
)
from reliefline.access.models import AuditAction, AuditEntry

# Values each template's shapes accept, as the services fill them in.
SAMPLES: dict[str, object] = {
    "breaches": "already received water this week",
    "case": "RL-000123",
    "created": 12,
    "date": "2026-05-31",
    "file": "registry.csv",
    "kind": "icrc",
    "operation": "people_import",
    "organisation": "Caritas Sumy",
    "path": "/api/v1/cases",
    "recipient": "ICRC delegation",
    "rejected": 1,
    "status": "boarded",
    "updated": 3,
    "user": "dpo-hanna",
}


def _filled(purpose: Purpose) -> str:
    return purpose.text(**SAMPLES)


@given(st.text(max_size=250))
def test_in_english_every_purpose_reads_as_recorded(recorded: str) -> None:
    with translation.override("en"):
        assert purpose_label(recorded) == recorded


@pytest.mark.parametrize("purpose", PURPOSES, ids=lambda p: p.template)
def test_a_purpose_with_values_reads_in_english_exactly_as_recorded(purpose: Purpose) -> None:
    shown = {name: show(str(SAMPLES[name])) for name, show in purpose.show.items()}
    with translation.override("en"):
        assert purpose_label(_filled(purpose)) == purpose.template.format(**{**SAMPLES, **shown})


def test_a_field_move_names_the_status_in_the_readers_language() -> None:
    recorded = audit_labels.FIELD_MOVE.text(status="arrived")
    with translation.override("ru"):
        label = purpose_label(recorded)
    assert "arrived" not in label
    assert label == "в поле: Прибытие отмечено"


@pytest.mark.parametrize("language", ["uk", "ru"])
@pytest.mark.parametrize("purpose", PURPOSES, ids=lambda p: p.template)
def test_a_purpose_with_values_is_translated_and_keeps_its_values(
    purpose: Purpose, language: str
) -> None:
    recorded = _filled(purpose)
    with translation.override(language):
        label = purpose_label(recorded)
    assert label != recorded
    for name, value in SAMPLES.items():
        if "{" + name + "}" in purpose.template:
            show = purpose.show.get(name, str)
            with translation.override(language):
                assert show(str(value)) in label, name


def test_a_fixed_purpose_is_translated_from_the_catalogue() -> None:
    with translation.override("uk"):
        assert purpose_label("case intake") == "прийом звернення"
    with translation.override("ru"):
        assert purpose_label("case intake") == "приём обращения"


def test_a_case_purpose_is_told_apart_from_fixed_purposes_that_start_alike() -> None:
    # "case {case}" takes a reference only, so "case note" stays a purpose of its own.
    assert audit_labels.CASE_PERSON.label("case note") is None
    with translation.override("uk"):
        assert purpose_label("case RL-000007") == "звернення RL-000007"


@pytest.mark.parametrize("recorded", ["", "something an older release wrote", "case RL-"])
def test_an_unknown_purpose_is_shown_as_recorded(recorded: str) -> None:
    with translation.override("uk"):
        assert purpose_label(recorded) == recorded


def test_a_translation_naming_another_value_falls_back_to_the_recorded_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_labels, "gettext", lambda text: "{nothing}" if "{" in text else text)
    recorded = _filled(audit_labels.REFERRAL)
    assert purpose_label(recorded) == recorded


def test_a_purpose_cut_before_its_values_is_shown_as_recorded() -> None:
    recorded = audit_labels.OVERRIDE.text(breaches="x" * 300)
    assert len(recorded) == audit_labels.PURPOSE_MAX
    with translation.override("uk"):
        assert purpose_label(recorded[:20]) == recorded[:20]


def test_a_purpose_cut_within_its_last_value_is_translated_with_what_is_left() -> None:
    recorded = audit_labels.REFERRAL.text(case="RL-000123", organisation="Caritas " * 40)
    assert len(recorded) == audit_labels.PURPOSE_MAX
    with translation.override("uk"):
        label = purpose_label(recorded)
    assert label.startswith("перенаправлення RL-000123 до Caritas")
    assert label.endswith(recorded[-30:])


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_field_name_is_translated(language: str) -> None:
    with translation.override(language):
        untranslated = [name for name, label in FIELD_LABELS.items() if str(label) == name]
    assert untranslated == []


def test_an_unknown_field_name_is_shown_as_recorded() -> None:
    with translation.override("uk"):
        assert field_label("caller.phone") == "телефон заявника"
        assert field_label("shoe_size") == "shoe_size"


def test_dpo_reads_purposes_and_fields_in_ukrainian(db: None, user_in, client_as) -> None:
    audit_record(
        user=user_in("operator"),
        action=AuditAction.CREATE,
        record="hotline.case:RL-000001",
        purpose="case intake",
        person_ids=[11],
        fields=["caller.phone", "needs"],
    )
    client = client_as("dpo")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = client.get("/access/audit/").content.decode()

    assert "прийом звернення" in page and "case intake" not in page
    assert "телефон заявника, потреби" in page
    # What the log holds is unchanged: the API and exports give the recorded English.
    assert AuditEntry.objects.get().purpose == "case intake"


def test_everything_the_demo_records_reads_in_ukrainian_and_russian(
    gazetteer: None, monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path
) -> None:
    """The demo runs most services: each purpose and field they record has its words."""
    settings.STATIC_ROOT = tmp_path / "static"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setattr(os, "execve", lambda *args: None)
    call_command("demo", stdout=StringIO(), stderr=StringIO())

    entries = list(AuditEntry.objects.values_list("purpose", "fields"))
    purposes = {purpose for purpose, _fields in entries}
    fields = {name for _purpose, names in entries for name in names}
    assert len(purposes) > 5 and fields
    for language in ("uk", "ru"):
        with translation.override(language):
            assert [p for p in sorted(purposes) if purpose_label(p) == p] == [], language
            assert [f for f in sorted(fields) if field_label(f) == f] == [], language
