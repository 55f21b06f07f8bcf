"""Who is asking: bearer tokens for the API, sessions for pages, one permission check."""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from ninja.security import APIKeyCookie, HttpBearer

from reliefline.access.models import ApiToken
from reliefline.access.roles import needs_second_factor

View = TypeVar("View", bound=Callable[..., HttpResponse])
TOKEN_USE_PRECISION = dt.timedelta(minutes=1)


def _permitted(user: Any, permission: str | None) -> Any:
    # Checked while authenticating, so a refused caller never gets the body parsed.
    if permission is not None and not user.has_perm(permission):
        raise PermissionDenied(permission)
    return user


def _holds(permission: str) -> Exists:
    """Return whether the token's user holds `permission` directly or through a role.

    The same sets as RoleBackend.get_all_permissions, as a subquery of the token's row.
    """
    app_label, codename = permission.split(".", 1)
    user = OuterRef("user_id")
    return Exists(
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).filter(
            Q(user=user) | Q(group__user=user)
        )
    )


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; the token's SHA-256 is looked up, never the token."""

    def __init__(self, permission: str | None = None) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        tokens = ApiToken.objects.select_related("user").filter(
            digest=ApiToken.hash(token), revoked_at__isnull=True, user__is_active=True
        )
        if self.permission is not None:
            # Every API call checks a permission: asking for it with the token saves the
            # permission query of every request, and is exact (no cache to go stale).
            tokens = tokens.annotate(permitted=_holds(self.permission))
        found = next(iter(tokens[:1]), None)
        if found is None:
            return None
        now = timezone.now()
        # Recording every use would make each API read a write; minute precision is enough.
        if found.last_used_at is None or now - found.last_used_at > TOKEN_USE_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        permitted = getattr(found, "permitted", True)  # annotated when a permission is asked
        if not (permitted or found.user.is_superuser):
            raise PermissionDenied(self.permission)
        return found.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check for unsafe methods."""

    param_name = "sessionid"

    def __init__(self, permission: str | None = None) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not needs_second_factor(user):
            return _permitted(user, self.permission)
        return None


API_AUTH = [BearerToken(), SessionAuth()]


def acting_user(request: HttpRequest) -> User:
    """Return the signed-in user who acts; PermissionDenied (403) if there is none.

    Every page and endpoint that calls it has already let only a signed-in user with
    the permission through (`requires`, `api_auth`); this is the typed way to say so.
    """
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def api_auth(permission: str) -> list[Any]:
    """Return the API's authentication that also demands `permission` (see access.matrix)."""
    return [BearerToken(permission), SessionAuth(permission)]


def require(request: HttpRequest, permission: str) -> None:
    """Raise PermissionDenied unless the signed-in user holds the permission."""
    user = request.user
    if not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied(permission)


def requires(permission: str | None) -> Callable[[View], View]:
    """Decorate a page view: sign-in first, then the permission (None: any), else 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if needs_second_factor(request.user):
                target = reverse("access:two_factor")
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
            if permission is not None:
                require(request, permission)
            return view(request, *args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorate
