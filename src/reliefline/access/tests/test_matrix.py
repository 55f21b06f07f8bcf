"""Walk every URL pattern and every role, and hold them to access.matrix.ENDPOINTS."""

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from reliefline.access.matrix import ADMIN_PREFIX, ENDPOINTS, PUBLIC, SENDER_SIGNED, SIGNED_IN
from reliefline.access.roles import ROLE_PERMISSIONS, Role
from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.hotline.tests.factories import open_case

SUDZHA = "geonames-postal:RU-307800"


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route


def test_every_route_is_in_the_matrix_and_every_matrix_entry_exists() -> None:
    routes = {
        route
        for route in _routes(get_resolver().url_patterns)
        if not route.startswith(ADMIN_PREFIX)
    }
    listed = {route for _method, route in ENDPOINTS}
    assert routes - listed == set(), "routes missing from access.matrix.ENDPOINTS"
    assert listed - routes == set(), "matrix entries without a route"


def _allowed(role: str | None, rule: str) -> bool:
    if rule == PUBLIC:
        return True
    if rule == SENDER_SIGNED:
        return False
    if role is None:
        return False
    if rule == SIGNED_IN or role == Role.ADMIN:
        return True
    return rule in ROLE_PERMISSIONS[role]


def _url(route: str, reference: str, person_id: int) -> str:
    path = route.replace("<str:reference>", reference).replace("<reference>", reference)
    path = path.replace("<place_id>", SUDZHA).replace("<person_id>", str(person_id))
    # Any other identifier: the permission is checked before the object is looked up,
    # so a refusal shows even for an object that does not exist.
    return "/" + re.sub(r"<(?:int:|str:|slug:|uuid:)?\w+>", "1", path)


def _refused(response, *, api: bool) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.get("Location", "")
    return not api and response.status_code == 302 and location.startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [None, *Role.values])
def test_each_role_gets_exactly_what_the_matrix_grants(gazetteer: None, role: str | None) -> None:
    case = open_case(settlement_id=SUDZHA)
    page_client, api_client = Client(), Client()
    if role is not None:
        user = UserFactory(role=role)
        page_client.force_login(user)
        api_client = Client(headers={"Authorization": f"Bearer {token_for(user)}"})
    wrong = []
    # Logging out ends the session the other requests need, so it goes last.
    for (method, route), rule in sorted(
        ENDPOINTS.items(), key=lambda e: e[0][1] == "accounts/logout/"
    ):
        api = route.startswith("api/v1/")
        client = api_client if api else page_client
        url = _url(route, str(case.reference), case.caller_id or 0)
        if method == "GET":
            response = client.get(url)
        elif api:
            response = client.post(url, "{}", content_type="application/json")
        else:
            response = client.post(url, {})
        refused = _refused(response, api=api)
        if refused == _allowed(role, rule):
            wrong.append(f"{method} {url}: {response.status_code}")
    assert wrong == [], f"role {role}"


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_the_admin_is_for_administrators_only(db: None, client_as, role: str) -> None:
    response = client_as(role).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_administrator_opens_the_admin(db: None, client_as) -> None:
    assert client_as(Role.ADMIN).get("/admin/").status_code == 200
