"""Roles and what each may do: the one place where the role matrix lives.

Each role is a Django group; its permissions are the ones listed here, and every
`migrate` brings the groups up to date. Views and API endpoints name the permission
they need (`requires("hotline.view_case")`), never a role.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("Hotline operator")
    COORDINATOR = "coordinator", _("Coordinator")
    FIELD = "field", _("Field team")
    PARTNER = "partner", _("Partner organisation")
    DPO = "dpo", _("Data protection officer")
    ADMIN = "admin", _("Administrator")


_OPERATOR = {
    "hotline.view_case",
    "hotline.view_all_cases",
    "hotline.add_case",
    "hotline.change_case",
    "people.view_person",
    "people.add_person",
    "people.view_household",
    "places.view_place",
    # Operators turn residents' reports into claims about their settlement.
    "places.view_claim",
    "places.add_claim",
}

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.OPERATOR: _OPERATOR,
    # Coordinators also review duplicates, merge persons and undo merges (people.merge).
    Role.COORDINATOR: _OPERATOR
    | {"hotline.view_dashboard", "hotline.assign_case", "people.merge_person"},
    # Field teams see cases only in their assigned settlements (hotline.selectors.case_scope).
    Role.FIELD: {"places.view_place", "hotline.view_case", "places.view_claim"},
    Role.PARTNER: {"places.view_place", "hotline.view_dashboard", "places.view_claim"},
    Role.DPO: {
        "people.view_person",
        "people.view_household",
        "hotline.view_case",
        "hotline.view_all_cases",
        "places.view_place",
        "access.view_audit",
        "hotline.export_subject",
    },
    # The administrator gets every permission that exists (see sync_role_groups).
    Role.ADMIN: set(),
}
# Evacuation: coordinators plan corridors, allocate and issue manifests; field teams
# board and mark arrivals. Partners get no evacuation permission: the checkpoint
# manifests of corridors their agreements cover reach them through the partners app.
ROLE_PERMISSIONS[Role.COORDINATOR] |= {
    "evacuation.view_corridor",
    "evacuation.plan_evacuation",
    "evacuation.board_evacuation",
}
ROLE_PERMISSIONS[Role.FIELD] |= {"evacuation.view_corridor", "evacuation.board_evacuation"}
# Aid: coordinators manage stock and plans and may override a double-dipping rule;
# field teams distribute in their settlements; partners see stock aggregates only.
ROLE_PERMISSIONS[Role.COORDINATOR] |= {
    "aid.manage_stock",
    "aid.distribute",
    "aid.override_rule",
    "aid.view_stock",
    "aid.view_movement",
}
ROLE_PERMISSIONS[Role.FIELD] |= {"aid.distribute", "aid.view_stock", "aid.view_movement"}
ROLE_PERMISSIONS[Role.PARTNER] |= {"aid.view_stock"}
# Partners: coordinators keep agreements and refer cases; partners see what their
# agreements in force allow (partners.selectors.access_for) and answer referrals.
ROLE_PERMISSIONS[Role.COORDINATOR] |= {
    "partners.view_partner_portal",
    "partners.view_sharingagreement",
    "partners.add_sharingagreement",
    "partners.change_sharingagreement",
    "partners.view_activity",
    "partners.add_activity",
    "partners.change_activity",
    "partners.view_referral",
    "partners.add_referral",
}
ROLE_PERMISSIONS[Role.PARTNER] |= {
    "partners.view_partner_portal",
    "partners.view_sharingagreement",
    "partners.view_activity",
    "partners.add_activity",
    "partners.view_shared_cases",
    "partners.view_shared_manifests",
    "partners.view_referral",
    "partners.change_referral",
}
ROLE_PERMISSIONS[Role.DPO] |= {"partners.view_sharingagreement", "partners.view_referral"}
# Channels: coordinators broadcast notices and edit their texts on the Notice texts
# page (/channels/notices/templates/), not in the admin, which is for staff only.
ROLE_PERMISSIONS[Role.COORDINATOR] |= {
    "channels.view_broadcast",
    "channels.add_broadcast",
    "channels.view_noticetemplate",
    "channels.change_noticetemplate",
}

# Long operations (access.operations): coordinators import registries; the DPO rotates
# the field encryption keys. Dedupe runs need people.merge_person, like the review.
ROLE_PERMISSIONS[Role.COORDINATOR] |= {"access.import_people"}
ROLE_PERMISSIONS[Role.DPO] |= {"access.rotate_keys"}


def _permissions(names: set[str]) -> list[Permission]:
    found = []
    for name in sorted(names):
        app_label, codename = name.split(".", 1)
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            found.append(permission)
    return found


def sync_role_groups(**_: Any) -> None:
    """Create or update one group per role with exactly the matrix's permissions."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            group.permissions.set(Permission.objects.all())
        else:
            group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))


def roles_of(user: Any) -> list[str]:
    """Return the role names of a user, in the order of `Role`."""
    if not getattr(user, "is_authenticated", False):
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role.value for role in Role if role.value in names]


# Roles that see personal data sign in with a second factor (TOTP).
TWO_FACTOR_ROLES = {Role.OPERATOR, Role.COORDINATOR, Role.FIELD, Role.DPO, Role.ADMIN}


def needs_second_factor(user: Any) -> bool:
    """Return whether this signed-in user must still present a TOTP code."""
    if not settings.REQUIRE_2FA or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "is_verified", lambda: False)():
        return False
    return user.is_superuser or bool(set(roles_of(user)) & {r.value for r in TWO_FACTOR_ROLES})
