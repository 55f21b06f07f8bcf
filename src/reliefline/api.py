"""The JSON API under /api/v1/: one NinjaAPI, every app's router, one error mapping."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser

from reliefline.access import idempotency
from reliefline.access.api import router as audit_router
from reliefline.access.auth import API_AUTH
from reliefline.aid.api import router as aid_router
from reliefline.errors import ReliefError
from reliefline.evacuation.api import router as evacuation_router
from reliefline.hotline.api import router as cases_router
from reliefline.hotline.api_subjects import router as subjects_router
from reliefline.hotline.schemas import ErrorOut
from reliefline.partners.api import router as partners_router
from reliefline.partners.api_exports import router as exports_router
from reliefline.people.api import router as people_router
from reliefline.places.api import router as places_router
from reliefline.places.api_claims import router as claims_router
from reliefline.text import text_check

log = logging.getLogger(__name__)

ERROR_REF = "#/components/schemas/ErrorOut"
RETRY_AFTER = "5"  # seconds: a restarting database is back in a few (docs/drills.md)
# Statuses the handlers below can answer any operation with, whatever its router says.
SHARED_ERRORS = {
    "401": "Unauthorized",
    "403": "Forbidden",
    "413": "Request Entity Too Large",
    "422": "Unprocessable Content",
    "503": "Service Unavailable",
}


# Every POST takes it: access.idempotency, a middleware, answers retries.
IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_LENGTH + 2},
    "description": (
        'A key of your own for this request, such as "<a new UUID>". Send a retry '
        "with the same key: it gets the first request's answer, with the header "
        f"{idempotency.REPLAYED}: true, and nothing is written twice. The same key with "
        "another request is a 422; answers are kept for a day."
    ),
}


class ReliefAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI schema documents the errors every operation can give."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Return the schema, each operation listing the shared error responses too."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema()
        )
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                _document_errors(operation, has_path_params="{" in path)
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        return schema


class QueryParser(Parser):
    """ninja's JSON parser, refusing a query value no database could compare with."""

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        """Return the query as ninja reads it, or raise InvalidInput naming the parameter."""
        for key, values in data.lists():
            for value in values:
                text_check(value, field=key)
        return super().parse_querydict(data, list_fields, request)


def _document_errors(operation: dict[str, Any], *, has_path_params: bool) -> None:
    errors = dict(SHARED_ERRORS)
    if "requestBody" in operation:
        errors["400"] = "Bad Request"
    if has_path_params:
        errors["404"] = "Not Found"
    responses = operation.setdefault("responses", {})
    for status, description in errors.items():
        responses.setdefault(
            status,
            {
                "description": description,
                "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
            },
        )


api = ReliefAPI(
    title="reliefline",
    version="1",
    description="Hotline cases, the gazetteer and the operation behind them.",
    auth=API_AUTH,
    urls_namespace="api",
    parser=QueryParser(),
)
api.add_router("/cases", cases_router)
# Before /places, whose /{place_id} would otherwise take "claims" for an id.
api.add_router("/places/claims", claims_router)
api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/audit", audit_router)
api.add_router("/subjects", subjects_router)
api.add_router("/evacuation", evacuation_router)
api.add_router("/aid", aid_router)
api.add_router("/partners", partners_router)
api.add_router("/exports", exports_router)


def _location(loc: Any) -> str:
    """Return pydantic's location as the services name fields: `needs[0].quantity`."""
    named = ""
    for part in loc:
        if part in ("body", "payload", "query", "path"):
            continue
        named += f"[{part}]" if isinstance(part, int) else f".{part}" if named else str(part)
    return named or "body"


@api.exception_handler(ReliefError)
def relief_error(request: HttpRequest, exc: ReliefError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


_DATE = gettext_lazy("Enter a real date as YYYY-MM-DD.")
_DATETIME = gettext_lazy("Enter a date and time as YYYY-MM-DDTHH:MM with its offset, +03:00.")
_WHOLE = gettext_lazy("Enter a whole number.")
_OBJECT = gettext_lazy("Enter an object ({...}).")
_NUMBER = gettext_lazy("Enter a number.")
# Pydantic's problems by type, in the reader's language; %(name)s are the error's
# context values. A type not listed keeps pydantic's English text.
PROBLEMS = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("Unknown field."),
    "int_parsing": _WHOLE,
    "int_type": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": gettext_lazy("The number is too large."),
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "finite_number": _NUMBER,
    "bool_parsing": gettext_lazy("Enter true or false."),
    "bool_type": gettext_lazy("Enter true or false."),
    "string_type": gettext_lazy("Enter text."),
    # A lone surrogate ("\ud800"): the words of reliefline.text.text_check.
    "string_unicode": gettext_lazy("Contains a character that cannot be stored."),
    "list_type": gettext_lazy("Enter a list ([...])."),
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "timezone_aware": _DATETIME,
    "date_range": gettext_lazy("Enter a date from the year %(min)s to %(max)s."),
    "greater_than": gettext_lazy("Must be greater than %(gt)s."),
    "greater_than_equal": gettext_lazy("Must be at least %(ge)s."),
    "less_than": gettext_lazy("Must be less than %(lt)s."),
    "less_than_equal": gettext_lazy("Must be at most %(le)s."),
    "literal_error": gettext_lazy("Must be one of %(expected)s."),
    "enum": gettext_lazy("Must be one of %(expected)s."),
    "json_invalid": gettext_lazy("Not valid JSON."),
}


# Problems whose words agree with a number (Ukrainian and Russian have three forms);
# the lazy plural picks its form from the context value it names.
COUNTED = {
    "string_too_long": ngettext_lazy(
        "At most %(max_length)s character.", "At most %(max_length)s characters.", "max_length"
    ),
    "string_too_short": ngettext_lazy(
        "At least %(min_length)s character.", "At least %(min_length)s characters.", "min_length"
    ),
    "too_long": ngettext_lazy(
        "At most %(max_length)s item.", "At most %(max_length)s items.", "max_length"
    ),
    "too_short": ngettext_lazy(
        "At least %(min_length)s item.", "At least %(min_length)s items.", "min_length"
    ),
    "decimal_max_digits": ngettext_lazy(
        "At most %(max_digits)s digit.", "At most %(max_digits)s digits.", "max_digits"
    ),
    "decimal_max_places": ngettext_lazy(
        "At most %(decimal_places)s digit after the decimal point.",
        "At most %(decimal_places)s digits after the decimal point.",
        "decimal_places",
    ),
    "decimal_whole_digits": ngettext_lazy(
        "At most %(whole_digits)s digit before the decimal point.",
        "At most %(whole_digits)s digits before the decimal point.",
        "whole_digits",
    ),
}


def _problem(error: dict[str, Any]) -> str:
    """Return what is wrong with one value, in the active language where we know it."""
    counted = COUNTED.get(error.get("type", ""))
    limits = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int)}
    if counted is not None and limits:
        try:
            return str(counted % limits)
        except (KeyError, TypeError):
            pass  # not the limit this type usually carries: its words below
    if error.get("type") == "value_error" and "error" in (error.get("ctx") or {}):
        # A schema's own validator raised it, in the reader's language already; pydantic
        # would put "Value error, " before it.
        return str(error["ctx"]["error"])
    known = PROBLEMS.get(error.get("type", ""))
    if known is None:
        return str(error.get("msg", ""))
    context = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if "expected" in context:
        # Pydantic lists the choices as "'a', 'b' or 'c'": no English "or" in Ukrainian.
        context["expected"] = context["expected"].replace("' or '", "', '")
    try:
        return str(known) % context
    except (KeyError, TypeError, ValueError):  # a context this type does not usually carry
        return str(error.get("msg", ""))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _location(e.get("loc", ())), "problem": _problem(e)} for e in exc.errors]
    detail = "; ".join(f"{e['field']}: {e['problem']}" for e in errors)
    field = errors[0]["field"] if errors else "body"
    return api.create_response(
        request, {"detail": detail, "code": "invalid", "field": field, "errors": errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": _("Authentication required: send Authorization: Bearer <token>."),
            "code": "unauthenticated",
        },
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja raises HttpError(400) for a body that is not JSON (or not UTF-8).
    if exc.status_code == 400:
        body = {"detail": _("body: not valid JSON."), "code": "malformed", "field": "body"}
    else:
        body = {"detail": str(exc), "code": "http_error"}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Your role does not allow this."), "code": "forbidden"}, status=403
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("The request body is too large."), "code": "too_large", "field": "body"},
        status=413,
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database restarting or out of reach: a client may retry, and must get JSON,
    # not Django's HTML error page. The reason goes to the log, as readyz does.
    log.exception("API request failed: the database did not answer")
    response = api.create_response(
        request,
        {
            "detail": _("The database is not answering; try again in a few seconds."),
            "code": "unavailable",
        },
        status=503,
    )
    response["Retry-After"] = RETRY_AFTER
    return response


class ApiPathErrorMiddleware:
    """Answer an unknown API path (404) or method (405) with the API's JSON error.

    Both are decided before any operation runs: Django's URL resolver answers 404
    with its HTML page, and ninja a wrong method with a plain-text 405. A client of
    /api/ reads every error the same way, as `{"detail", "code"}`.
    """

    PREFIX = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path.startswith(self.PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response  # an operation's own 404: "No case RL-…"
        if response.status_code == 404:
            body = {"detail": _("No API operation at this path."), "code": "not_found"}
        else:
            allowed = response.get("Allow", "")
            body = {
                "detail": _("This path does not take %(method)s; it takes %(allowed)s.")
                % {"method": request.method, "allowed": allowed},
                "code": "method_not_allowed",
            }
        answer = JsonResponse(body, status=response.status_code)
        if response.has_header("Allow"):
            answer["Allow"] = response["Allow"]
        return answer
