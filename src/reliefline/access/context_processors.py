from typing import Any

from django.conf import settings
from django.http import HttpRequest

from reliefline.access.roles import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Return the signed-in user's roles for the navigation."""
    return {"user_roles": roles_of(getattr(request, "user", None))}


def security(request: HttpRequest) -> dict[str, Any]:
    """Return whether two-factor authentication is off, so every page can warn about it."""
    return {"two_factor_off": not settings.REQUIRE_2FA}
