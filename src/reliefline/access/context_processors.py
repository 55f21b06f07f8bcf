from typing import Any

from django.conf import settings
from django.http import HttpRequest

from reliefline.access.roles import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Return the signed-in user's roles for the navigation."""
    return {"user_roles": roles_of(getattr(request, "user", None))}


def security(request: HttpRequest) -> dict[str, Any]:
    """Return whether two-factor authentication is off, so every page can warn about it,
    and when the signed-in user's session ends (access.auth.session_end_fix)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated and hasattr(request, "session")
    return {
        "two_factor_off": not settings.REQUIRE_2FA,
        "session_ends": request.session.get_expiry_date() if signed_in else None,
    }
