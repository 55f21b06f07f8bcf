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
