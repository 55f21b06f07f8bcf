"""Django's model backend, reading a user's permissions in one query instead of two."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class RoleBackend(ModelBackend):
    """Every API call checks a permission, so the lookup is one query, cached per request.

    Roles grant permissions through groups (access.roles) and the admin may grant some
    to a user directly; ModelBackend reads those two sets in two queries.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            found = Permission.objects.all()
            if not user_obj.is_superuser:
                found = found.filter(Q(user=user_obj) | Q(group__user=user_obj))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in found.values_list("content_type__app_label", "codename")
            }
        cached: set[str] = user_obj._perm_cache
        return cached
