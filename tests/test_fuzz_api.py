"""Fuzz every operation of /api/v1 from its own OpenAPI schema with schemathesis.

Each operation gets a bounded, derandomised set of valid and invalid requests, sent
in-process to the WSGI app with an admin's bearer token (admin may do everything, so
every code path past authentication is reached). Checks: no 5xx, and every response
has a documented status code, content type and body shape.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.api import api
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))


@schema.hook
def flatmap_body(context: schemathesis.HookContext, body: object) -> st.SearchStrategy[object]:
    """Return the body, or one naming a real settlement and no earlier caller.

    Random settlement ids and person ids are always unknown, so without this the intake
    would never get past them to storing the caller, needs and message.
    """
    if not isinstance(body, dict) or "channel" not in body:
        return st.just(body)
    known = {**body, "settlement": SUDZHA, "person_id": None}
    return st.sampled_from([body, known, {**known, "settlement": None}])


@schema.hook
def map_path_parameters(
    context: schemathesis.HookContext, path_parameters: dict[str, object] | None
) -> dict[str, object] | None:
    """Return the parameters, the case reference swapped for a real one (404s are tested apart)."""
    if path_parameters and "reference" in path_parameters and Case.objects.exists():
        reference = Case.objects.order_by("pk").values_list("reference", flat=True).first()
        return {**path_parameters, "reference": reference}
    return path_parameters


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app() -> Iterator[WSGIHandler]:
    """Return a WSGI app built now, so its middleware reads the test's settings.

    Like Django's test client, keep the connection open between requests: closing it
    at the end of each would lose the test's transaction (on PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(gazetteer: None) -> dict[str, str]:
    open_case(settlement_id=SUDZHA)
    return {"Authorization": f"Bearer {token_for(UserFactory(role='admin'))}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # The database fixture wraps all examples of one operation in one transaction;
    # rows they create accumulate until it rolls back, which is what a client sees too.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_operation_never_fails_and_matches_its_schema(
    case: schemathesis.Case, app: WSGIHandler, admin_headers: dict[str, str]
) -> None:
    case.call_and_validate(app=app, headers=admin_headers, checks=CHECKS)


def test_every_schema_of_the_api_has_a_name_of_its_own() -> None:
    """The OpenAPI document keeps one schema per class name: two apps' `EventOut` made the
    case API's responses validate against the corridor timeline's schema."""
    import inspect

    from ninja import Schema

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    by_name: dict[str, set[str]] = {}
    for schema in subclasses(Schema):
        module = inspect.getmodule(schema)
        if module is not None and module.__name__.startswith("reliefline."):
            by_name.setdefault(schema.__name__, set()).add(module.__name__)
    assert api.get_openapi_schema()["components"]["schemas"]
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
