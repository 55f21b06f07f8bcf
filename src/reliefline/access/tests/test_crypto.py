from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from reliefline.access import crypto
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person


def _raw_rows(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names only
        return repr(cursor.fetchall())


def test_phone_and_medical_note_are_not_stored_in_plain_text(db: None) -> None:
    open_case(
        phone="+79101234567",
        needs=[
            NeedInput(
                type="medicine", item="insulin", note="type 1 diabetes, 2 days of insulin left"
            )
        ],
        message="Mama needs insulin, we are at Lenina 5",
    )
    raw = _raw_rows("people_person") + _raw_rows("hotline_need") + _raw_rows("hotline_case")
    for secret in ("79101234567", "9101234567", "diabetes", "Lenina"):
        assert secret not in raw
    assert Person.objects.get().phone == "+79101234567"


def test_each_encryption_uses_a_fresh_nonce() -> None:
    assert crypto.encrypt("+79101234567") != crypto.encrypt("+79101234567")


def test_a_tampered_value_does_not_decrypt() -> None:
    stored = crypto.encrypt("secret")
    prefix, key_id, payload = stored.split(":", 2)
    tampered = f"{prefix}:{key_id}:{payload[:-4]}AAA="
    with pytest.raises(InvalidTag):
        crypto.decrypt(tampered)


def test_blind_index_is_keyed_and_deterministic() -> None:
    assert crypto.blind_index("+79101234567") == crypto.blind_index("+79101234567")
    other = crypto.FieldKey(b"\x01" * 32)
    assert crypto.blind_index("+79101234567", key=other) != crypto.blind_index("+79101234567")


def test_a_development_key_created_meanwhile_by_another_process_is_read(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fresh data directory meets its first requests in several processes at once
    # (gunicorn's workers, pytest-xdist): another one creates the key between this
    # one's look and its own creation, and this one must read that key, not fail.
    settings.DATA_DIR = tmp_path
    path = tmp_path / "field-keys"
    path.write_text("created-by-the-other-process\n")
    looked = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: False if self == path else looked(self))

    assert crypto._development_keys() == ["created-by-the-other-process"]
    assert [p.name for p in tmp_path.iterdir()] == ["field-keys"]


def test_a_new_development_key_is_whole_and_private(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path

    (key,) = crypto._development_keys()

    assert len(key) == 43
    assert (tmp_path / "field-keys").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["field-keys"]


def test_an_existing_development_key_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "field-keys"
    path.write_text("kept\n")

    crypto._development_key_create(path)

    assert path.read_text() == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["field-keys"]
