import pytest
from django.contrib.auth.models import Group

from reliefline.access.roles import ROLE_PERMISSIONS, Role, roles_of


def test_every_role_is_a_group_with_exactly_its_permissions(db: None) -> None:
    for role in Role:
        group = Group.objects.get(name=role.value)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        if role == Role.ADMIN:
            assert ROLE_PERMISSIONS[Role.OPERATOR] <= granted
        else:
            assert granted == ROLE_PERMISSIONS[role]


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("operator", "hotline.add_case", True),
        ("operator", "hotline.view_dashboard", False),
        ("coordinator", "hotline.assign_case", True),
        ("partner", "hotline.view_case", False),
        ("field", "hotline.add_case", False),
        ("dpo", "hotline.add_case", False),
        ("admin", "hotline.assign_case", True),
    ],
)
def test_role_grants_what_the_matrix_says(
    user_in, role: str, permission: str, allowed: bool
) -> None:
    assert user_in(role).has_perm(permission) is allowed


def test_roles_of_lists_a_users_roles(user_in) -> None:
    assert roles_of(user_in("coordinator")) == ["coordinator"]
