"""The operator console: queue, new call, case page and dashboard.

Each view renders its whole page, or only its partial (`_<thing>.html`) when HTMX
asks, so the same URL serves the first load, the live refresh and the no-JS browser.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, requires
from reliefline.access.models import AuditAction
from reliefline.access.roles import Role
from reliefline.access.selectors import users_in_roles
from reliefline.disclosure import Cell, reads_exact_counts, small_cell, small_cells_of_total
from reliefline.errors import InvalidInput, NotFound, ReliefError
from reliefline.hotline import priority, services
from reliefline.hotline.errors import CaseNotFound
from reliefline.hotline.forms import (
    AssignForm,
    CallAttemptForm,
    CallbackForm,
    NeedsForm,
    NewCaseForm,
    NoteForm,
    PersonNameForm,
    QueueFilterForm,
    TransitionForm,
)
from reliefline.hotline.models import (
    OPEN_STATUSES,
    Band,
    Case,
    NeedType,
    Status,
    Vulnerability,
)
from reliefline.hotline.notices import callback_notify_default
from reliefline.hotline.selectors import (
    Dashboard,
    case_dashboard,
    case_get,
    case_page,
    case_queue,
    cases_of_caller,
)
from reliefline.people.models import Language, Person
from reliefline.people.phones import phone_normalise
from reliefline.people.selectors import (
    Candidate,
    MatchQuery,
    household_holds,
    person_lookup,
    person_match,
)
from reliefline.people.services import person_match_audit
from reliefline.places.models import Place
from reliefline.places.selectors import place_get

QUEUE_REFRESH_SECONDS = 15
# At most this many new cases are counted in a hidden tab's title: "(200)" already says
# that calls are piling up.
QUEUE_NEW_MAX = 200
DASHBOARD_REFRESH_SECONDS = 30
CASE_WORKERS = (Role.OPERATOR, Role.COORDINATOR)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _partial(request: HtmxHttpRequest) -> bool:
    # A history restore wants the whole page back, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _render(
    request: HtmxHttpRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    template = partial if _partial(request) else page
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _place(place_id: str) -> Place | None:
    if not place_id:
        return None
    try:
        return place_get(place_id)
    except NotFound:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to its start page: the queue, or the dashboard for partners."""
    if request.user.has_perm("hotline.view_case"):
        return redirect("hotline:queue")
    if request.user.has_perm("hotline.view_dashboard"):
        return redirect("hotline:dashboard")
    raise PermissionDenied("no start page")


@requires("hotline.view_case")
@require_GET
def queue(request: HtmxHttpRequest) -> HttpResponse:
    """Return the queue of cases, filtered, highest priority first, one page at a time."""
    assignees = [user.username for user in users_in_roles(CASE_WORKERS)]
    form = QueueFilterForm(request.GET, assignees=assignees)
    filters = form.filters(username=acting_user(request).username)
    cursor = form.cleaned_data.get("cursor", "") if form.is_valid() else ""
    cases = case_queue(filters, user=acting_user(request)).prefetch_related("needs")
    try:
        rows, next_cursor = case_page(cases, cursor=cursor, size=settings.QUEUE_PAGE_SIZE)
    except InvalidInput:
        rows, next_cursor = case_page(cases, size=settings.QUEUE_PAGE_SIZE)
    # Every new case of this queue, not only this page's: a tab behind another counts
    # those the operator has not seen in its title (static/reliefline/app.js).
    new_references = list(
        cases.filter(status=Status.NEW).values_list("reference", flat=True)[:QUEUE_NEW_MAX]
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    next_url = None
    if next_cursor:
        query["cursor"] = next_cursor
        next_url = f"{reverse('hotline:queue')}?{query.urlencode()}"
    context = {
        "form": form,
        "cases": rows,
        "next_url": next_url,
        "first_url": f"{reverse('hotline:queue')}?{_without(request, 'cursor')}",
        "paged": bool(cursor),
        "refresh_url": f"{reverse('hotline:queue')}?{request.GET.urlencode()}",
        "refresh_seconds": QUEUE_REFRESH_SECONDS,
        "settlement": _place(filters.settlement),
        "now": timezone.now(),
        "open_statuses": [s.value for s in OPEN_STATUSES],
        "new_references": " ".join(str(reference) for reference in new_references),
    }
    return _render(request, "hotline/queue.html", "hotline/_queue_table.html", context)


def _without(request: HttpRequest, key: str) -> str:
    query = request.GET.copy()
    query.pop(key, None)
    return query.urlencode()


def _caller_matches(phone: str, given_name: str, family_name: str) -> dict[str, Any]:
    name = f"{given_name} {family_name}".strip()
    if not phone.strip() and not name:
        return {"searched": False, "cases": [], "persons": []}
    persons: list[Person] = list(person_lookup(phone=phone, name=name, limit=10))
    return {
        "searched": True,
        "cases": cases_of_caller(phone=phone, name=name, limit=10) if persons else [],
        "persons": persons,
        "households": _households(persons),
    }


def _households(persons: Iterable[Person]) -> list[Person]:
    """Return one person of each household among these (to offer a new member of it).

    A family shares a phone: the caller may be someone of the household not registered
    yet, who belongs in it rather than in a second household of their own.
    """
    firsts: dict[int, Person] = {}
    for person in persons:
        household = person.household
        if household is not None and household.merged_into_id is None:
            firsts.setdefault(household.pk, person)
    return list(firsts.values())


# What the console shows of a candidate (hotline/_caller_matches.html), for the audit log.
CANDIDATE_FIELDS = ("given_name", "patronymic", "family_name", "birth_date", "household")


def _caller_candidates(request: HtmxHttpRequest, typed: QueryDict) -> list[Candidate]:
    """Return the registered persons the caller being typed may be, audited when shown."""
    phone = typed.get("phone", "")[:40]
    try:
        birth_date = parse_date(typed.get("birth_date", "")[:10])
    except ValueError:  # well-formed but impossible, such as 1979-02-30
        birth_date = None
    query = MatchQuery(
        given_name=typed.get("given_name", "")[:100],
        family_name=typed.get("family_name", "")[:100],
        patronymic=typed.get("patronymic", "")[:100],
        birth_date=birth_date,
        # A phone still being typed is not one yet: match on the names meanwhile.
        phone=phone if phone_normalise(phone) else "",
    )
    try:
        candidates = person_match(query, limit=5)
    except InvalidInput:  # neither a name nor a phone typed yet
        return []
    person_match_audit(
        candidates, by=acting_user(request), request=request, fields=CANDIDATE_FIELDS
    )
    # The match reads only the fields it compares; the list shows each household and
    # its settlement: two queries for all candidates, not two per candidate.
    prefetch_related_objects([c.person for c in candidates], "household__settlement")
    return candidates


def _known_callers(request: HtmxHttpRequest, typed: QueryDict) -> dict[str, Any]:
    """Return what hotline/_caller_matches.html lists for the caller typed: likely matches,
    known persons, their households and earlier cases, and the choice already made."""
    context = _caller_matches(
        typed.get("phone", "")[:40],
        typed.get("given_name", "")[:100],
        typed.get("family_name", "")[:100],
    )
    candidates = _caller_candidates(request, typed)
    shown = {c.person.pk for c in candidates}
    context["candidates"] = candidates
    context["households"] = _households([*(c.person for c in candidates), *context["persons"]])
    context["persons"] = [p for p in context["persons"] if p.pk not in shown]
    context["searched"] = context["searched"] or bool(candidates)
    context["selected"] = typed.get("person_id", "")
    return context


def _callers_offered(known: dict[str, Any]) -> bool:
    """Return whether the known callers listed offer anyone to choose (_known_callers)."""
    return bool(known["candidates"] or known["persons"])


@requires("hotline.add_case")
@require_GET
def caller_lookup(request: HtmxHttpRequest) -> HttpResponse:
    """Return likely matches, earlier cases and known persons for the caller being typed."""
    return render(request, "hotline/_caller_matches.html", _known_callers(request, request.GET))


def _caller_not_typed(form: NewCaseForm) -> bool:
    """Return whether a known caller is chosen whose given and family names both differ
    from those typed (in any script: the skeletons are compared)."""
    chosen = form.cleaned_data.get("person_id")
    if not isinstance(chosen, int):
        return False
    person = Person.objects.filter(pk=chosen).only("given_name", "family_name").first()
    if person is None:
        return False  # the service says the person is unknown
    return services.caller_names_differ(
        person,
        given_name=form.cleaned_data.get("given_name") or "",
        family_name=form.cleaned_data.get("family_name") or "",
    )


def _household_not_typed(form: NewCaseForm) -> bool:
    """Return whether a known household is chosen that holds nobody with the phone typed,
    nor anyone of the family name typed (in any script).

    The household is offered for the phone or name being typed; retyped before the known
    callers were shown again, the new person would join a family that is not theirs.
    """
    household_id = form.household_chosen()
    if household_id is None:
        return False
    holds = household_holds(
        household_id,
        phone=form.cleaned_data.get("phone") or "",
        family_name=form.cleaned_data.get("family_name") or "",
    )
    return holds is False  # None: the service says the household is unknown


def _phone_known(form: NewCaseForm) -> bool:
    """Return whether the phone typed is a registered person's (merged ones aside)."""
    phone = phone_normalise(form.cleaned_data.get("phone") or "")
    return phone is not None and any(
        p.merged_into_id is None and p.purged_at is None for p in person_lookup(phone=phone)
    )


def _caller_check(request: HtmxHttpRequest, form: NewCaseForm) -> dict[str, Any] | None:
    """Refuse, with an error on the form, a caller the operator may not mean; return the
    known callers when they were looked up, for the page to list without a second search.
    """
    known: dict[str, Any] | None = None
    if form.is_valid() and _caller_not_typed(form):
        # The name was retyped after the choice, before the known callers were
        # shown again: the case would open for someone the operator no longer means.
        form.add_error(
            "given_name",
            _(
                "The caller chosen below does not match the name typed. Choose the "
                "caller again, or “None of these: a new person in a new household”."
            ),
        )
    if form.is_valid() and _household_not_typed(form):
        form.add_error(
            "person_id",
            _(
                "The household chosen below holds nobody with the phone or family name "
                "typed. Choose again among the known callers, or “None of these: a new "
                "person in a new household”."
            ),
        )
    if form.is_valid() and not form.caller_chosen() and _phone_known(form):
        # Sent before the known callers appeared (they come after a pause in
        # typing): a second household for the same family is what would follow.
        form.add_error(
            "phone",
            _(
                "This phone is already registered. Choose the caller among the known "
                "callers below, or “None of these: a new person in a new household”."
            ),
        )
    if form.is_valid() and not form.caller_chosen():
        known = _known_callers(request, request.POST)
        if _callers_offered(known):
            # As for a known phone: the names typed found someone registered, in
            # the list or about to appear in it; a hurried "Open the case" is no
            # choice, and would give the family a second household.
            form.add_error(
                "person_id",
                _(
                    "Someone registered may be this caller: choose the caller among the "
                    "known callers above, or “None of these: a new person in a new "
                    "household”."
                ),
            )
    return known


@requires("hotline.add_case")
def new_case(request: HtmxHttpRequest) -> HttpResponse:
    """Show the new-call form; on POST open the case and go to its page."""
    status = 200
    known: dict[str, Any] | None = None
    if request.method == "POST":
        form = NewCaseForm(request.POST)
        known = _caller_check(request, form)
        status = 422
        if form.is_valid():
            try:
                case = services.case_open(form.case_input(), by=acting_user(request))
            except ReliefError as error:  # a caller purged since the page showed them: 409
                form.add_error(form.field_for(error.field), error.message)
                status = error.status
            else:
                return redirect("hotline:case", reference=case.reference)
    else:
        language = (translation.get_language() or "")[:2]
        form = NewCaseForm(
            initial={"language": language if language in Language.values else Language.RU}
        )
    typed = request.POST if form.is_bound else QueryDict()
    context = {
        "form": form,
        # The same list as the lookup's, so the caller chosen is still there, chosen.
        "matches": known if known is not None else _known_callers(request, typed),
        "settlement": _place(typed.get("settlement", "")),
    }
    return render(request, "hotline/new_case.html", context, status=status)


def _case_or_404(request: HttpRequest, reference: str) -> Case:
    try:
        return case_get(reference, user=acting_user(request))
    except CaseNotFound:
        raise Http404(reference) from None


def _members(case: Case) -> list[Person]:
    if case.household is None:
        return []
    return list(
        case.household.members.filter(merged_into__isnull=True, purged_at__isnull=True).order_by(
            "pk"
        )
    )


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    # A purged case takes no more writes (services._writable): no form offers one.
    writable = case.purged_at is None
    can_assign = writable and request.user.has_perm("hotline.assign_case")
    assignees = [user.username for user in users_in_roles(CASE_WORKERS)] if can_assign else []
    caller = case.caller
    return {
        "case": case,
        "members": _members(case),
        "caller_form": PersonNameForm(
            prefix="caller",
            initial={
                "given_name": caller.given_name if caller else "",
                "patronymic": caller.patronymic if caller else "",
                "family_name": caller.family_name if caller else "",
                "birth_date": caller.birth_date if caller else None,
            },
        ),
        "member_form": PersonNameForm(prefix="member"),
        "now": now,
        "overdue": case.status in OPEN_STATUSES and case.due_at < now,
        "reasons": [
            {"code": reason["code"], "text": priority.reason_text(reason)}
            for reason in case.priority_reasons
        ],
        "vulnerabilities": [Vulnerability(v).label for v in case.vulnerabilities],
        "transitions": [Status(status) for status in services.case_next_statuses(case)],
        "events": list(case.events.all()),
        "can_change": writable and request.user.has_perm("hotline.change_case"),
        # A closed case's needs stay as they were (services.case_needs_correct).
        "can_correct": writable
        and case.status != Status.CLOSED
        and request.user.has_perm("hotline.change_case"),
        "needs_fulfilled": [need for need in case.needs.all() if need.fulfilled_at is not None],
        "needs_form": NeedsForm.of_case(case, version=services.case_needs_version(case)),
        "needs_place": case.settlement,
        "can_assign": can_assign,
        "can_add_member": writable and request.user.has_perm("people.add_person"),
        "call_form": CallAttemptForm(),
        "callback_form": CallbackForm(initial={"tell": callback_notify_default(case)}),
        "note_form": NoteForm(),
        "assign_form": AssignForm(
            assignees=assignees,
            initial={"to": case.assignee.username if case.assignee else ""},
        ),
        **extra,
    }


@requires("hotline.view_case")
@require_GET
def case_detail(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Return the case page: caller, needs, priority and reasons, actions, timeline."""
    case = _case_or_404(request, reference)
    services.cases_audit_read([case], by=acting_user(request), purpose=gettext_noop("case page"))
    context = _case_context(request, case)
    others = [m.pk for m in context["members"] if m.pk != case.caller_id]
    if others:
        audit_record(
            user=acting_user(request),
            action=AuditAction.READ,
            record=f"hotline.case:{case.reference}",
            purpose=gettext_noop("case page"),
            person_ids=others,
            fields=["household.names", "household.birth_date"],
        )
    return _render(request, "hotline/case.html", "hotline/_case_activity.html", context)


def _act(
    request: HtmxHttpRequest,
    reference: str,
    form: forms.Form,
    action: Callable[[Case, dict[str, Any]], object],
) -> HttpResponse:
    """Run one case action; answer with the refreshed activity, or the page with its error."""
    case = _case_or_404(request, reference)
    error, status = "", 200
    if not form.is_valid():
        error = " ".join(str(message) for errors in form.errors.values() for message in errors)
        status = 422
    else:
        try:
            action(case, form.cleaned_data)
        except ReliefError as failure:
            error, status = failure.message, failure.status
    if not error and not _partial(request):
        return redirect("hotline:case", reference=reference)
    case = _case_or_404(request, reference)
    return _render(
        request,
        "hotline/case.html",
        "hotline/_case_activity.html",
        _case_context(request, case, error=error),
        status=status,
    )


@requires("hotline.change_case")
@require_POST
def case_transition(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Move the case to another status; an illegal move shows why and changes nothing."""
    actor = acting_user(request)
    return _act(
        request,
        reference,
        TransitionForm(request.POST),
        lambda case, data: services.case_transition(
            case, to=data["to"], by=actor, note=data["note"]
        ),
    )


@requires("hotline.change_case")
@require_POST
def case_note(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    actor = acting_user(request)
    return _act(
        request,
        reference,
        NoteForm(request.POST),
        lambda case, data: services.case_note(case, text=data["text"], by=actor),
    )


@requires("hotline.change_case")
@require_POST
def case_call(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    actor = acting_user(request)
    return _act(
        request,
        reference,
        CallAttemptForm(request.POST),
        lambda case, data: services.case_call_attempt(
            case, outcome=data["outcome"], by=actor, note=data["note"]
        ),
    )


@requires("hotline.change_case")
@require_POST
def case_callback(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    actor = acting_user(request)
    return _act(
        request,
        reference,
        CallbackForm(request.POST),
        lambda case, data: services.case_schedule_callback(
            case, at=data["at"], by=actor, note=data["note"], notify=data["tell"]
        ),
    )


@requires("hotline.change_case")
@require_POST
def case_needs(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """Correct the case's needs, vulnerabilities, household size and settlement.

    Answer with the whole page (htmx takes #case-page from it): the priority, the
    facts and the timeline all change. Bad input keeps what was typed, with its error;
    a refusal (a case changed meanwhile, closed or purged) shows the case as it is now.
    """
    case = _case_or_404(request, reference)
    form = NeedsForm(request.POST)
    shown: NeedsForm | None = form
    error, status = "", 422
    if form.is_valid():
        try:
            services.case_needs_correct(
                case,
                form.correction(),
                by=acting_user(request),
                version=form.cleaned_data["version"],
            )
        except InvalidInput as failure:
            form.add_error(form.field_for(failure.field), failure.message)
        except ReliefError as failure:
            shown, error, status = None, failure.message, failure.status
        else:
            if not _partial(request):
                return redirect("hotline:case", reference=reference)
            shown, status = None, 200
    extra: dict[str, Any] = {"needs_error": error}
    if shown is not None:  # as typed, the settlement picked too
        extra["needs_form"] = shown
        extra["needs_place"] = _place(str(request.POST.get("settlement", ""))) or case.settlement
    context = _case_context(request, _case_or_404(request, reference), **extra)
    response = render(request, "hotline/case.html", context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@requires("hotline.assign_case")
@require_POST
def case_assign(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    actor = acting_user(request)
    assignees = users_in_roles(CASE_WORKERS)
    by_name = {user.username: user for user in assignees}
    return _act(
        request,
        reference,
        AssignForm(request.POST, assignees=list(by_name)),
        lambda case, data: services.case_assign(case, to=by_name[data["to"]], by=actor),
    )


@requires("hotline.view_dashboard")
@require_GET
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """Return counts of open cases by need, settlement, status and band, and the overdue;
    small counts suppressed for a partner."""
    counts = case_dashboard()
    context = {
        **_dashboard_cells(counts, exact=reads_exact_counts(acting_user(request))),
        "refresh_seconds": DASHBOARD_REFRESH_SECONDS,
        "now": timezone.now(),
    }
    return _render(request, "hotline/dashboard.html", "hotline/_dashboard.html", context)


def _dashboard_cells(counts: Dashboard, *, exact: bool) -> dict[str, Any]:
    """Return the dashboard's counts: exact for internal staff; for anyone else as the
    partners' exports give them, small ones suppressed with every total and table
    that would give one back by subtraction.

    Bands, open statuses and settlements each add up to the open cases (the
    settlements past those listed as one more, unlisted, cell); a case mostly has one
    need, so needs nearly do too.
    """
    open_statuses = [status.value for status in OPEN_STATUSES]
    listed = [n for _place, _name, n in counts.by_settlement]
    tables = [
        [counts.by_band[band.value] for band in Band],
        [counts.by_status[status] for status in open_statuses],
        [*listed, counts.open - sum(listed)],
        [counts.by_need.get(need.value, 0) for need in NeedType],
    ]
    # Alone, not parts of a total shown: the closed statuses, the overdue, the callbacks.
    alone = {
        "overdue": counts.overdue,
        "callbacks_due": counts.callbacks_due,
        **{s.value: counts.by_status[s.value] for s in Status if s.value not in open_statuses},
    }
    total: Cell = counts.open
    cells: list[list[Cell]] = [list(table) for table in tables]
    others: dict[str, Cell] = dict(alone)
    if not exact:
        total, cells = small_cells_of_total(counts.open, tables)
        others = {key: small_cell(n) for key, n in alone.items()}
    bands, statuses, places, needs = cells
    by_status = {**dict(zip(open_statuses, statuses, strict=True)), **others}
    totals = {"open": total, "overdue": others["overdue"], "callbacks_due": others["callbacks_due"]}
    return {
        "exact": exact,
        **totals,
        "hidden": {name for name, cell in totals.items() if not isinstance(cell, int)},
        "by_status": [(s.label, s.value, by_status[s.value]) for s in Status],
        "by_band": [(b.label, b.value, n) for b, n in zip(Band, bands, strict=True)],
        "by_need": [(t.label, t.value, n) for t, n in zip(NeedType, needs, strict=True)],
        "by_settlement": [
            (place_id, name, n)
            for (place_id, name, _n), n in zip(counts.by_settlement, places[:-1], strict=True)
        ],
    }
