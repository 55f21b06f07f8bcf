"""Every write to users and API tokens."""

import secrets

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from reliefline.access.models import ApiToken
from reliefline.access.roles import Role
from reliefline.errors import Conflict, InvalidInput, NotFound


def password_generate() -> str:
    """Return a random password of about 100 bits, easy to copy from a terminal."""
    return secrets.token_urlsafe(16)


def _role(role: str) -> Role:
    if role not in Role.values:
        raise InvalidInput(
            _("Unknown role %(role)s; choose one of: %(roles)s.")
            % {"role": role[:40], "roles": ", ".join(Role.values)},
            field="role",
        )
    return Role(role)


def _password(password: str, *, user: User) -> str:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    return password


def _set_role(user: User, role: Role) -> None:
    # One role per user: the groups are the role matrix (access.roles).
    user.groups.set([Group.objects.get(name=role.value)])
    user.is_staff = user.is_superuser = role == Role.ADMIN


@transaction.atomic
def user_create(username: str, *, role: str, password: str, validate: bool = True) -> User:
    """Return a new active user in the role; an administrator is also staff and superuser.

    The password is checked against AUTH_PASSWORD_VALIDATORS unless `validate` is off
    (the demo's fixed passwords are public anyway).
    """
    checked_role = _role(role)
    username = username.strip()
    if not username:
        raise InvalidInput(_("The username is empty."), field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(_("User %(name)s already exists.") % {"name": username}, field="username")
    user = User(username=username)
    if validate:
        _password(password, user=user)
    user.set_password(password)
    user.is_staff = user.is_superuser = checked_role == Role.ADMIN
    user.save()
    _set_role(user, checked_role)
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def user_update(
    username: str, *, role: str | None = None, password: str | None = None, validate: bool = True
) -> User:
    """Return the user with a new role and/or password, or raise NotFound."""
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NotFound(_("No user %(name)s.") % {"name": username}, field="username")
    if role is not None:
        _set_role(user, _role(role))
    if password is not None:
        if validate:
            _password(password, user=user)
        user.set_password(password)
    user.save()
    return user


@transaction.atomic
def token_issue(user: User, *, label: str = "") -> str:
    """Return a new bearer token for the user; only its SHA-256 digest is stored."""
    if not user.is_active:
        raise InvalidInput(_("User %(name)s is not active.") % {"name": user.username})
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, digest=ApiToken.hash(secret), label=label[:100])
    return secret
