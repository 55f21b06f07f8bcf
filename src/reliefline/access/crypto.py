"""Field encryption at rest (AES-256-GCM) and keyed blind indexes for exact lookup.

Keys come from `RELIEFLINE_FIELD_KEYS` (url-safe base64 of 32 bytes, comma separated,
newest first). Without it, a development key is generated once under the data
directory, with a warning: fine for the demo, never for real personal data.

A stored value reads `v1:<key id>:<base64(nonce + ciphertext)>`, so values written
under an older key stay readable until `rotate-keys` rewrites them with the newest.
The key id is derived from the key (a hash), so it names a key without revealing it:
backup manifests record the ids of the keys their data needs.
"""

import base64
import functools
import hashlib
import hmac
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import ngettext

log = logging.getLogger(__name__)

PREFIX = "v1"
KEY_ID_LENGTH = 8


class FieldKeyMissing(ImproperlyConfigured, CommandError):
    """Stored values are sealed with keys that RELIEFLINE_FIELD_KEYS does not hold.

    Also a CommandError, so any `reliefline` command that meets it (export-subject,
    rotate-keys, restore, dedupe...) stops with this one line and exit code 1 rather
    than a traceback. A web request still fails as a server error, which it is.
    """

    def __init__(self, key_ids: Iterable[str]) -> None:
        self.key_ids = tuple(sorted(set(key_ids)))
        message = ngettext(
            "The data is encrypted with field key %(ids)s, which RELIEFLINE_FIELD_KEYS does "
            "not hold: set RELIEFLINE_FIELD_KEYS to include it, from where the keys are kept "
            "(docs/deploy.md, Secrets and keys).",
            "The data is encrypted with field keys %(ids)s, which RELIEFLINE_FIELD_KEYS does "
            "not hold: set RELIEFLINE_FIELD_KEYS to include them, from where the keys are kept "
            "(docs/deploy.md, Secrets and keys).",
            len(self.key_ids),
        ) % {"ids": ", ".join(self.key_ids)}
        super().__init__(message)


@dataclass(frozen=True)
class FieldKey:
    secret: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"reliefline-key-id" + self.secret).hexdigest()[:KEY_ID_LENGTH]

    @property
    def index_secret(self) -> bytes:
        # A separate subkey: the blind index never uses the encryption key itself.
        return hmac.new(self.secret, b"reliefline-blind-index", hashlib.sha256).digest()


def _decode(encoded: str) -> FieldKey:
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as exc:
        raise ImproperlyConfigured("RELIEFLINE_FIELD_KEYS holds a key that is not base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("Each key in RELIEFLINE_FIELD_KEYS must be 32 bytes.")
    return FieldKey(raw)


def generate_key() -> str:
    """Return a new random key, url-safe base64, for RELIEFLINE_FIELD_KEYS."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def _development_key_create(path: Path) -> None:
    """Write a new key to path, unless another process (a second gunicorn worker, a
    second test process) got there first: the key is written whole to a file of this
    process's own, then linked into place, which fails if path exists. A reader never
    sees a half-written key, and two processes never keep different keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".field-keys.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(generate_key() + "\n")
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)


def _development_keys() -> list[str]:
    path = settings.DATA_DIR / "field-keys"
    if not path.exists():
        _development_key_create(path)
    log.warning(
        "RELIEFLINE_FIELD_KEYS is not set: using the development key in %s. "
        "Never keep real personal data under it.",
        path,
    )
    return [line.strip() for line in path.read_text().split(",") if line.strip()]


@functools.cache
def field_keys() -> tuple[FieldKey, ...]:
    """Return the configured keys, newest first."""
    encoded = list(settings.FIELD_KEYS) or _development_keys()
    return tuple(_decode(key) for key in encoded)


def encrypt(plaintext: str) -> str:
    """Return the stored form of a value, encrypted with the newest key."""
    key = field_keys()[0]
    nonce = os.urandom(12)
    sealed = AESGCM(key.secret).encrypt(nonce, plaintext.encode(), key.key_id.encode())
    return f"{PREFIX}:{key.key_id}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str) -> str:
    """Return the plaintext of a stored value, whichever configured key sealed it."""
    prefix, key_id, payload = stored.split(":", 2)
    if prefix != PREFIX:
        raise ValueError("Not an encrypted reliefline value.")
    for key in field_keys():
        if key.key_id == key_id:
            raw = base64.b64decode(payload)
            return AESGCM(key.secret).decrypt(raw[:12], raw[12:], key_id.encode()).decode()
    raise FieldKeyMissing([key_id])


def field_keys_missing(key_ids: Iterable[str]) -> list[str]:
    """Return those of `key_ids` that no configured key has, sorted."""
    configured = {key.key_id for key in field_keys()}
    return sorted(set(key_ids) - configured)


def is_current(stored: str) -> bool:
    """Return whether a stored value is sealed with the newest key."""
    return stored.split(":", 2)[1] == field_keys()[0].key_id if stored else True


def blind_index(normalised: str, *, key: FieldKey | None = None) -> str:
    """Return the keyed HMAC of an already normalised value, for exact lookups."""
    key = key or field_keys()[0]
    return hmac.new(key.index_secret, normalised.encode(), hashlib.sha256).hexdigest()


def blind_index_candidates(normalised: str) -> list[str]:
    """Return the index of a value under every configured key (lookups during rotation)."""
    return [blind_index(normalised, key=key) for key in field_keys()]


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: object) -> None:
    if setting in ("FIELD_KEYS", "DATA_DIR"):
        field_keys.cache_clear()
