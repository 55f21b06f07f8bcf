"""The JSON API under /api/v1/: one NinjaAPI, every app's router, one error mapping."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from reliefline.access.api import router as audit_router
from reliefline.access.auth import API_AUTH
from reliefline.errors import ReliefError
from reliefline.hotline.api import router as cases_router
from reliefline.people.api import router as people_router
from reliefline.hotline.api_subjects import router as subjects_router
from reliefline.places.api import router as places_router

api = NinjaAPI(
    title="reliefline",
    version="1",
    description="Hotline cases, the gazetteer and the operation behind them.",
    auth=API_AUTH,
    urls_namespace="api",
)
api.add_router("/cases", cases_router)
api.add_router("/places", places_router)
api.add_router("/people", people_router)
api.add_router("/audit", audit_router)
api.add_router("/subjects", subjects_router)


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path")]
    return ".".join(parts) or "body"


@api.exception_handler(ReliefError)
def relief_error(request: HttpRequest, exc: ReliefError) -> HttpResponse:
    body = exc.as_dict()
    if exc.field:
        # Name the field in the detail too, as the validation errors below do.
        body["detail"] = f"{exc.field}: {exc.message}"
    return api.create_response(request, body, status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _location(e.get("loc", ())), "problem": e.get("msg", "")} for e in exc.errors
    ]
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
            "detail": "Authentication required: send Authorization: Bearer <token>.",
            "code": "unauthenticated",
        },
        status=401,
    )


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Your role does not allow this.", "code": "forbidden"}, status=403
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "The request body is too large.", "code": "too_large", "field": "body"},
        status=413,
    )
