"""Model fields whose values are encrypted in the database (see access.crypto)."""

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
