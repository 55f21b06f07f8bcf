"""Model fields whose values are encrypted in the database (see access.crypto)."""

import json
from typing import Any

from django.db import models

from reliefline.access import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored as AES-GCM ciphertext; the empty string stays empty.

    Lookups other than `isnull` and the empty string cannot work on ciphertext:
    search through a blind index field instead.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(str(value))


class EncryptedJSONField(EncryptedTextField):
    """A JSON object stored as AES-GCM ciphertext; an empty object stays an empty column.

    Read and written whole: no lookup reaches inside it. Being an EncryptedTextField,
    key rotation re-encrypts it with the rest.
    """

    description = "JSON object encrypted at rest"
    # What django-stubs types the model attribute as: a dict, not the parent's str.
    _pyi_private_set_type: dict[str, Any]  # type: ignore[assignment]
    _pyi_private_get_type: dict[str, Any]  # type: ignore[assignment]

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return self.to_python(super().from_db_value(value, expression, connection))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value else {}
        return {} if value is None else value

    def get_prep_value(self, value: Any) -> Any:
        if not value:
            return ""
        return crypto.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, sort_keys=True)
