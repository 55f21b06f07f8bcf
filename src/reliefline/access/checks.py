"""`reliefline check --deploy`: what a production instance must not run without.

Django's own deploy checks only warn about a weak secret key; here a missing or
development key, missing or malformed field encryption keys, field keys that the
stored data is sealed with but RELIEFLINE_FIELD_KEYS does not hold, and two-factor
sign-in switched off are errors, and notices that go nowhere a warning, so `reliefline check --deploy && reliefline serve`
stops before personal data is kept under keys anyone can read, or is found
unreadable at the first call. Debug on (the demo, a developer's machine) checks
none of this.
"""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, OperationalError

from reliefline.access import crypto
from reliefline.access.backup import field_key_ids

DEVELOPMENT_KEY_PREFIX = "django-insecure"
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_CHARACTERS = 5


@checks.register(checks.Tags.security, deploy=True)
def deploy_secrets(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Return an error for each secret a production instance would run without.

    The field keys are compared with the data of `databases`, the default database
    when none is named: Django reads a database only when `--database` is given, but
    a deploy check runs only when asked for, and one that skipped the database
    would pass the very deployment it is there to stop.
    """
    if settings.DEBUG:
        return []
    found: list[checks.CheckMessage] = []
    key = settings.SECRET_KEY
    if (
        key.startswith(DEVELOPMENT_KEY_PREFIX)
        or len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_CHARACTERS
    ):
        found.append(
            checks.Error(
                "RELIEFLINE_SECRET_KEY is missing, the development key, or weak.",
                hint="Set it to a random string of at least 50 characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(64))').",
                id="reliefline.E001",
            )
        )
    if not settings.FIELD_KEYS:
        found.append(
            checks.Error(
                "RELIEFLINE_FIELD_KEYS is not set: personal data would be encrypted under "
                "the development key kept beside the database.",
                hint="Set it to a key from `python -c 'from reliefline.access.crypto import "
                "generate_key; print(generate_key())'` (docs/deploy.md, Secrets and keys).",
                id="reliefline.E002",
            )
        )
    else:
        try:
            crypto.field_keys()
        except ImproperlyConfigured as error:
            found.append(checks.Error(str(error), id="reliefline.E003"))
        else:
            for using in databases or [DEFAULT_DB_ALIAS]:
                found += _field_keys_in_use(using)
    if settings.RELIEFLINE_NOTIFY_BACKEND != "live":
        found.append(
            checks.Warning(
                f"RELIEFLINE_NOTIFY_BACKEND is {settings.RELIEFLINE_NOTIFY_BACKEND!r}: no "
                "notice reaches anyone (acknowledgements, evacuation times, aid), though "
                "each case's timeline says it was sent.",
                hint="Set RELIEFLINE_NOTIFY_BACKEND=live with the senders' credentials "
                "(docs/channels.md).",
                id="reliefline.W002",
            )
        )
    if not settings.REQUIRE_2FA:
        found.append(
            checks.Error(
                "RELIEFLINE_REQUIRE_2FA is off: everyone who sees personal data must sign "
                "in with a second factor.",
                hint="Leave RELIEFLINE_REQUIRE_2FA unset (it is on by default).",
                id="reliefline.E004",
            )
        )
    return found


def _field_keys_in_use(using: str) -> list[checks.CheckMessage]:
    """Return an error naming the ids (never the keys) of the field keys the stored
    values are sealed with that RELIEFLINE_FIELD_KEYS does not hold.

    The ids are read as a backup's manifest reads them (backup.field_key_ids): off the
    stored values, in SQL, decrypting nothing; from the columns the database has, so
    one not migrated yet is checked for what it holds, and an empty one passes.
    """
    try:
        key_ids = field_key_ids(using)
    except OperationalError as error:
        return [
            checks.Warning(
                "The database could not be read, so the field keys its data is sealed "
                "with were not compared with RELIEFLINE_FIELD_KEYS: "
                + " ".join(str(error).split()),
                id="reliefline.W001",
            )
        ]
    missing = crypto.field_keys_missing(key_ids)
    if not missing:
        return []
    return [checks.Error(str(crypto.FieldKeyMissing(missing)), id="reliefline.E005")]
