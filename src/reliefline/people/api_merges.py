"""POST /api/v1/people/merges and /merges/{id}/undo: merge duplicate persons, undo."""

import datetime as dt
from typing import Annotated

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from pydantic import StrictBool

from reliefline.access.auth import api_auth
from reliefline.people.merge import PICKS, MergeRequest, merge_undo, person_merge
from reliefline.people.models import Merge
from reliefline.schemas import MAX_ID, Id, ObjectIn

router = Router(tags=["people"])


def _errors(*codes: tuple[str, str]) -> dict[str, object]:
    """Return openapi_extra documenting these error statuses with the API's ErrorOut."""
    schema = {"$ref": "#/components/schemas/ErrorOut"}
    return {
        "responses": {
            code: {"description": text, "content": {"application/json": {"schema": schema}}}
            for code, text in codes
        }
    }


class MergeIn(ObjectIn):
    survivor_id: Id = Field(description="The person who stays.")
    merged_id: Id = Field(description="The duplicate merged into the survivor.")
    fields: dict[str, Id] = Field(
        default_factory=dict,
        description="Field name -> id of the person whose value to keep; "
        f"one of {', '.join(PICKS)}. A field left out keeps the survivor's value, or the "
        "merged person's when the survivor has none.",
    )
    merge_households: StrictBool = Field(
        True, description="Also fold the merged person's household into the survivor's."
    )


class MovedOut(Schema):
    model: str
    field: str
    pk: int | str
    from_id: int = Field(description="The id the row pointed at before the merge.")
    to_id: int = Field(description="The id it points at since.")


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    survivor_household_id: int | None
    merged_household_id: int | None
    moved: list[MovedOut]
    at: dt.datetime
    undone_at: dt.datetime | None


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def merge_out(merge: Merge) -> MergeOut:
    return MergeOut(
        id=merge.pk,
        survivor_id=merge.survivor_id,
        merged_id=merge.merged_id,
        survivor_household_id=merge.survivor_household_id,
        merged_household_id=merge.merged_household_id,
        moved=[
            MovedOut(
                model=row["model"],
                field=row["field"],
                pk=row["pk"],
                from_id=row["from"],
                to_id=row["to"],
            )
            for row in merge.moved
        ],
        at=merge.at,
        undone_at=merge.undone_at,
    )


@router.post(
    "",
    response={201: MergeOut},
    summary="Merge a duplicate person into the surviving one",
    auth=api_auth("people.merge_person"),
    openapi_extra=_errors(("404", "Not Found"), ("409", "Conflict")),
)
def merges_create(request: HttpRequest, payload: MergeIn) -> Status[MergeOut]:
    """Move every case and record of the merged person (and household) to the survivor.

    The merged person is kept, marked merged, and leaves matching; the answer lists
    every row moved. 404 names the unknown person, 409 a person already merged or a
    row that may exist only once, 422 a bad field pick.
    """
    request_ = MergeRequest(
        payload.survivor_id,
        payload.merged_id,
        payload.fields,
        merge_households=payload.merge_households,
    )
    return Status(201, merge_out(person_merge(request_, by=_user(request))))


@router.post(
    "/{merge_id}/undo",
    response=MergeOut,
    summary="Undo a merge",
    auth=api_auth("people.merge_person"),
    openapi_extra=_errors(("404", "Not Found"), ("409", "Conflict")),
)
def merges_undo(request: HttpRequest, merge_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> MergeOut:
    """Put every moved row and both records back; 409 names what changed since, if any."""
    return merge_out(merge_undo(merge_id, by=_user(request)))
