"""GET /api/v1/subjects/{person_id}: the data-subject access export, DPO only."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from reliefline.access.auth import api_auth
from reliefline.hotline.subject import subject_export

router = Router(tags=["data protection"])


@router.get(
    "/{person_id}",
    response=dict[str, Any],
    summary="Everything held about one person (data-subject access)",
    auth=api_auth("hotline.export_subject"),
)
def subjects_export(request: HttpRequest, person_id: int) -> dict[str, Any]:
    if not isinstance(request.user, User):
        raise PermissionDenied
    return subject_export(person_id, by=request.user).as_dict()
