"""The /api/v1/cases endpoints: intake, the queue, one case, its timeline and corrections."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import Query, Router, Status

from reliefline.access.auth import acting_user, api_auth, require
from reliefline.errors import InvalidInput
from reliefline.hotline import services
from reliefline.hotline.models import Case
from reliefline.hotline.schemas import (
    CaseDetail,
    CaseIn,
    CaseOut,
    CasePage,
    CaseQuery,
    ErrorOut,
    EventIn,
    NeedsIn,
    case_detail,
    case_input,
    case_out,
    needs_correction,
    queue_filters,
)
from reliefline.hotline.selectors import case_assignee_get, case_get, case_page, case_queue

router = Router(tags=["cases"])

ERRORS = {code: ErrorOut for code in (401, 403, 404, 409, 413, 422)}
# What a queue item shows of the people in it (for the audit log).
LIST_FIELDS = ("caller.name", "caller.phone", "caller.birth_date", "needs", "vulnerabilities")


@router.post(
    "", response={201: CaseOut, **ERRORS}, summary="Open a case", auth=api_auth("hotline.add_case")
)
def cases_open(request: HttpRequest, payload: CaseIn) -> Status[CaseOut]:
    """Return the new case, prioritised, with its caller and household."""
    case = services.case_open(case_input(payload), by=acting_user(request))
    return Status(201, case_out(case))


@router.get(
    "", response={200: CasePage, **ERRORS}, summary="The queue", auth=api_auth("hotline.view_case")
)
def cases_queue(request: HttpRequest, params: Query[CaseQuery]) -> CasePage:
    """Return one page of the queue, highest priority first, and the next page's cursor."""
    actor = acting_user(request)
    cases = case_queue(queue_filters(params, user=actor), user=actor).prefetch_related("needs")
    page, next_cursor = case_page(cases, cursor=params.cursor, size=params.limit)
    services.cases_audit_read(
        page, by=acting_user(request), purpose=gettext_noop("case list (API)"), fields=LIST_FIELDS
    )
    return CasePage(items=[case_out(case) for case in page], next_cursor=next_cursor)


@router.get(
    "/{reference}",
    response={200: CaseDetail, **ERRORS},
    summary="One case",
    auth=api_auth("hotline.view_case"),
)
def cases_detail(request: HttpRequest, reference: str) -> CaseDetail:
    """Return the case with its caller, needs, message and timeline."""
    case = case_get(reference, user=acting_user(request))
    services.cases_audit_read(
        [case], by=acting_user(request), purpose=gettext_noop("case detail (API)")
    )
    return case_detail(case)


@router.post(
    "/{reference}/events",
    response={200: CaseDetail, **ERRORS},
    summary="Add to the timeline",
    auth=api_auth("hotline.change_case"),
)
def cases_event(request: HttpRequest, reference: str, payload: EventIn) -> CaseDetail:
    """Return the case after a note, call attempt, status change, callback or assignment."""
    if payload.kind == "assign":
        require(request, "hotline.assign_case")
    actor = acting_user(request)
    _event_record(case_get(reference, user=actor), payload, by=actor)
    return case_detail(case_get(reference, user=actor))


@router.post(
    "/{reference}/needs",
    response={200: CaseDetail, **ERRORS},
    summary="Correct needs and vulnerabilities",
    auth=api_auth("hotline.change_case"),
)
def cases_needs(request: HttpRequest, reference: str, payload: NeedsIn) -> CaseDetail:
    """Return the case with the open needs, vulnerabilities, household size and settlement
    given, its priority and SLA recomputed, and a timeline note saying what changed.

    Needs fulfilled by aid stay as they are. With `version` (the case's `needs_version`
    as read), a case changed since is refused with 409; a closed case is refused too.
    """
    actor = acting_user(request)
    services.case_needs_correct(
        case_get(reference, user=actor),
        needs_correction(payload),
        by=actor,
        version=payload.version,
    )
    return case_detail(case_get(reference, user=actor))


def _required(value: str | None, *, field: str) -> str:
    """Return the value a kind of event requires, or raise InvalidInput naming its field."""
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("This field is required."), field=field)
    return value


def _event_record(case: Case, event: EventIn, *, by: User) -> None:
    if event.kind == "note":
        services.case_note(case, text=event.text, by=by)
    elif event.kind == "call":
        outcome = _required(event.outcome.value if event.outcome else "", field="outcome")
        services.case_call_attempt(case, outcome=outcome, by=by, note=event.text)
    elif event.kind == "status":
        to = _required(event.status.value if event.status else "", field="status")
        services.case_transition(case, to=to, by=by, note=event.text)
    elif event.kind == "callback":
        if event.due_at is None:
            raise InvalidInput(_("Say when to call back."), field="due_at")
        services.case_schedule_callback(
            case, at=event.due_at, by=by, note=event.text, notify=event.notify
        )
    else:
        assignee = case_assignee_get(_required(event.assignee, field="assignee"))
        services.case_assign(case, to=assignee, by=by)
