"""Who is asking: bearer tokens for the API, sessions for pages, one permission check."""

import datetime as dt
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_htmx.http import HttpResponseClientRedirect
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


@cache
def _token_sql(with_permission: bool) -> str:
    """Return the one statement that reads a token's user, freshness and permission.

    Written once instead of built by the ORM per request: building the equivalent
    queryset cost 1.7 ms of every API call, running it 0.08 ms (docs/benchmarks.md).
    The permission is held directly or through a role: the same two sets as
    RoleBackend.get_all_permissions. Parameters: the cut-off of a stale `last_used_at`,
    [app label, codename,] the token's digest.
    """
    user_columns = ", ".join(f"u.{f.column}" for f in User._meta.concrete_fields)
    permitted = "1"
    if with_permission:
        user_permissions = User.user_permissions.through._meta.db_table
        user_groups = User.groups.through._meta.db_table
        group_permissions = Group.permissions.through._meta.db_table
        permitted = f"""EXISTS (
            SELECT 1 FROM {Permission._meta.db_table} p
            JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id
            WHERE ct.app_label = %s AND p.codename = %s AND (
                EXISTS (SELECT 1 FROM {user_permissions} up
                        WHERE up.permission_id = p.id AND up.user_id = t.user_id)
                OR EXISTS (SELECT 1 FROM {group_permissions} gp
                           JOIN {user_groups} ug ON ug.group_id = gp.group_id
                           WHERE gp.permission_id = p.id AND ug.user_id = t.user_id)))"""  # noqa: S608 -- names from the models, values bound
    return f"""
        SELECT {user_columns}, t.id AS token_id,
               (t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale,
               {permitted} AS token_permitted
        FROM {ApiToken._meta.db_table} t
        JOIN {User._meta.db_table} u ON u.id = t.user_id
        WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"""  # noqa: S608 -- names from the models, values bound


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; the token's SHA-256 is looked up, never the token."""

    def __init__(self, permission: str | None = None) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Every API call checks a permission: reading it with the token is one query per
        # request, and exact (no cache to go stale: a role taken away refuses the next).
        now = timezone.now()
        stale_before = connection.ops.adapt_datetimefield_value(now - TOKEN_USE_PRECISION)
        params: list[Any] = [stale_before]
        if self.permission is not None:
            params += self.permission.split(".", 1)
        params.append(ApiToken.hash(token))
        sql = _token_sql(self.permission is not None)
        # A User with the statement's token_* columns as attributes.
        found: Any = next(iter(User.objects.raw(sql, params)), None)
        if found is None:
            return None
        # Recording every use would make each API read a write; minute precision is enough.
        if found.token_stale:
            ApiToken.objects.filter(pk=found.token_id).update(last_used_at=now)
        request.user = found
        if not (found.token_permitted or found.is_superuser):
            raise PermissionDenied(self.permission)
        return found


class SessionAuth(APIKeyCookie):
    """The signed-in browser session, with Django's CSRF check for unsafe methods."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, permission: str | None = None) -> None:
        super().__init__()
        self.permission = permission

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to forge, so no CSRF check: a
        # client whose token is missing or wrong gets 401, not "CSRF check Failed".
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

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


def session_end_fix(sender: Any, *, request: HttpRequest | None, **kwargs: Any) -> None:
    """End a session one shift (SESSION_COOKIE_AGE) after signing in, not after its last save.

    Django counts a session's age from its last save. Anything that saves it later (the
    second factor, a message) would push the end back without anyone signing in again;
    a fixed end is also one the page can announce (body[data-session-ends], app.js).
    Connected to user_logged_in.
    """
    if request is not None and hasattr(request, "session"):
        request.session.set_expiry(
            timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        )


def requires(permission: str | None) -> Callable[[View], View]:
    """Decorate a page view: sign-in first, then the permission (None: any), else 403.

    An htmx request whose session ended (a shift's 12 hours) is sent to the sign-in
    page as a whole page, coming back to the page it was on: a plain redirect would
    be followed inside the request and the sign-in page swapped into the page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if needs_second_factor(request.user):
                target = reverse("access:two_factor")
                if request.headers.get("HX-Request"):
                    return _page_to(request, target)
                return HttpResponseRedirect(
                    f"{target}?{urlencode({'next': request.get_full_path()})}"
                )
            if permission is not None:
                require(request, permission)
            return view(request, *args, **kwargs)

        guarded = login_required(wrapped)

        @wraps(view)
        def entry(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.headers.get("HX-Request") and not request.user.is_authenticated:
                return _page_to(request, resolve_url(settings.LOGIN_URL))
            return guarded(request, *args, **kwargs)

        return entry  # type: ignore[return-value]

    return decorate


def _page_to(request: HttpRequest, url: str) -> HttpResponse:
    """Return an htmx answer that loads `url` as a whole page, then back to this one."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = page.path if page.path.startswith("/") else "/"
    if page.query:
        back += "?" + page.query
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        back = "/"
    return HttpResponseClientRedirect(f"{url}?{urlencode({'next': back})}")
