"""`reliefline check --deploy`: what a production instance must not run without.

Django's own deploy checks only warn about a weak secret key; here a missing or
development key, missing or malformed field encryption keys, and two-factor
sign-in switched off are errors, so `reliefline check --deploy && reliefline serve`
stops before personal data is kept under keys anyone can read. Debug on (the demo,
a developer's machine) checks none of this.
"""

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from reliefline.access import crypto

DEVELOPMENT_KEY_PREFIX = "django-insecure"
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_CHARACTERS = 5


@checks.register(checks.Tags.security, deploy=True)
def deploy_secrets(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Return an error for each secret a production instance would run without."""
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
