"""Reads of users and their roles."""

from collections.abc import Iterable

from django.contrib.auth.models import User


def users_in_roles(roles: Iterable[str]) -> list[User]:
    """Return the active users in any of these roles (groups), ordered by username."""
    return list(
        User.objects.filter(is_active=True, groups__name__in=list(roles))
        .distinct()
        .order_by("username")
    )
