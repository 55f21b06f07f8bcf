from typing import Any

from django.http import HttpRequest

from reliefline.access.roles import roles_of


def roles(request: HttpRequest) -> dict[str, Any]:
    """Return the signed-in user's roles for the navigation."""
    return {"user_roles": roles_of(getattr(request, "user", None))}
