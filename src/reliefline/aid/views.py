"""Aid pages: stock, receipts, plans for coordinators; the phone-sized field page; reports.

Views parse input, call one service or selector and render; rules stay in services.
"""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reliefline.access.audit import audit_record
from reliefline.access.auth import acting_user, requires
from reliefline.access.idempotency import AnswerGone, refusal, request_key
from reliefline.access.models import AuditAction
from reliefline.aid import reports, selectors, services
from reliefline.aid.errors import AlreadySettled, DoubleDipping
from reliefline.aid.forms import (
    DistributionForm,
    PlanForm,
    ReceiptForm,
    RefusalReportForm,
    RefusalSettleForm,
    ReportPeriodForm,
    ReverseForm,
    StockChangeForm,
)
from reliefline.aid.models import (
    DistributionRefusal,
    Item,
    Movement,
    Plan,
    RefusalStatus,
    Warehouse,
)
from reliefline.aid.planning import plan_create, plan_sheet
from reliefline.aid.selectors import (
    entitlements,
    household_for,
    household_group,
    household_kept,
    household_members,
    household_needs,
    household_received,
    household_search,
    movements_page,
)
from reliefline.disclosure import reads_exact_counts
from reliefline.errors import InvalidInput, ReliefError
from reliefline.forms import form_error_add
from reliefline.places.models import Place


@require_GET
@requires("aid.view_stock")
def stock_page(request: HttpRequest) -> HttpResponse:
    """Show stock on hand per warehouse and item."""
    totals = [
        {
            **row,
            # In the reader's language, as an Item names itself (display_name).
            "item_name": Item(
                name_en=row["item__name_en"],
                name_uk=row["item__name_uk"],
                name_ru=row["item__name_ru"],
            ).display_name(),
        }
        for row in selectors.stock_totals()
    ]
    warehouses = Warehouse.objects.select_related("settlement").order_by("code")
    return render(request, "aid/stock.html", {"totals": totals, "warehouses": warehouses})


@require_http_methods(["GET", "POST"])
@requires("aid.manage_stock")
def receive_page(request: HttpRequest) -> HttpResponse:
    """Record a receipt of stock at a warehouse."""
    form = ReceiptForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.stock_receive(
                    warehouse=data["warehouse"],
                    item=data["item"],
                    quantity=data["quantity"],
                    reference=data["reference"],
                    lot=data["lot"],
                    expiry=data["expiry"],
                    reason=data["reason"],
                    by=acting_user(request),
                )
            except ReliefError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                messages.success(
                    request,
                    _("Received %(n)s × %(item)s at %(wh)s.")
                    % {
                        "n": data["quantity"],
                        "item": data["item"].code,
                        "wh": data["warehouse"].code,
                    },
                )
                return redirect("aid:receive")
    return render(request, "aid/receive.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@requires("aid.manage_stock")
def plans_page(request: HttpRequest) -> HttpResponse:
    """List distribution plans and make a new one."""
    form = PlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plan_create(
                    settlement_id=data["settlement"],
                    starts_on=data["starts_on"],
                    days=data["days"],
                    population=data["population"],
                    note=data["note"],
                    by=acting_user(request),
                )
            except ReliefError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                return redirect("aid:plan", plan_id=plan.pk)
    settlement = Place.objects.filter(pk=form.data.get("settlement", "")).first()
    plans = Plan.objects.select_related("settlement").order_by("-starts_on", "-pk")[:50]
    return render(
        request,
        "aid/plans.html",
        {"form": form, "plans": plans, "settlement": settlement},
        status=status,
    )


@require_GET
@requires("aid.manage_stock")
def plan_page(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Show what the plan needs per item, the stock at hand and the shortfall."""
    plan = Plan.objects.select_related("settlement").filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return render(request, "aid/plan.html", {"sheet": plan_sheet(plan)})


@require_GET
@requires("aid.distribute")
def field_page(request: HttpRequest) -> HttpResponse:
    """Find a household by a member's name or phone, in the team's settlements."""
    query = request.GET.get("q", "")[:100]
    households = household_search(query, user=acting_user(request)) if query.strip() else []
    if households:
        audit_record(
            user=acting_user(request),
            action=AuditAction.SEARCH,
            record="aid.field:household search",
            purpose=gettext_noop("aid distribution"),
            person_ids=[m.pk for h in households for m in h.members.all()],
            fields=["name"],
        )
    return render(request, "aid/field.html", {"query": query, "households": households})


@require_http_methods(["GET", "POST"])
@requires("aid.distribute")
def household_page(request: HttpRequest, household_id: int) -> HttpResponse:
    """Show a household's entitlements and what it received; record a distribution.

    A household a merge folded into another is shown as the kept one (a redirect); a
    distribution posted to it (a page opened before the merge) is refused at the form.
    """
    actor = acting_user(request)
    try:
        household = household_for(household_id, user=actor)
    except ReliefError:
        raise Http404 from None
    if household.merged_into_id is not None and request.method == "GET":
        kept = household_kept(household)
        messages.info(
            request,
            _("Household %(merged)s was merged into %(household)s, shown here.")
            % {"merged": str(household), "household": str(kept)},
        )
        return redirect("aid:household", household_id=kept.pk)
    items = list(Item.objects.order_by("kind", "code"))
    form = DistributionForm(
        request.POST or None,
        items=items,
        initial={"warehouse": selectors.warehouse_last_used(actor)},
    )
    status = 200
    refused: list[str] = []
    if request.method == "POST":
        status = 422
        if form.is_valid():
            lines = form.lines()
            try:
                services.distribution_record(
                    services.DistributionInput(
                        warehouse=form.cleaned_data["warehouse"].code,
                        household_id=household.pk,
                        lines=[services.LineInput(code, quantity) for code, quantity in lines],
                        override_reason=form.cleaned_data["override_reason"],
                        recipient_name=form.cleaned_data["recipient_name"],
                        confirmation_code=form.cleaned_data["confirmation_code"],
                    ),
                    by=actor,
                    key=request_key(request),
                )
            except AnswerGone as error:  # sent again a month or more after it was recorded
                return refusal(request, error)
            except DoubleDipping as error:
                refused = error.reasons
                status = error.status
            except ReliefError as error:
                # A short line is named as the service names it (lines[1].quantity).
                at_line = {
                    f"lines[{i}].quantity": f"qty_{code}" for i, (code, _q) in enumerate(lines)
                }
                form_error_add(form, error, fields=at_line)
                status = error.status
            else:
                messages.success(request, _("Distribution recorded."))
                return redirect("aid:household", household_id=household.pk)
    group = household_group(household)
    members = household_members(household)
    needs = household_needs(household, user=actor)
    # The needs shown are read too, and their items (a medicine's name) when any is.
    read = ["needs"] if needs else []
    read += ["need.item"] if any(need.item for need in needs) else []
    audit_record(
        user=actor,
        action=AuditAction.READ,
        record=f"people.household:{household.pk}",
        purpose=gettext_noop("aid distribution"),
        person_ids=[m.pk for m in members],
        fields=["name", "aid received", *read],
    )
    context = {
        "household": household,
        "members": members,
        "duplicates": [pk for pk in group if pk != household.pk],
        "entitlements": entitlements(group, now=timezone.now()),
        "received": household_received(group),
        "needs": needs,
        "form": form,
        "item_fields": [form[f"qty_{item.code}"] for item in items],
        "refused": refused,
        "can_override": actor.has_perm("aid.override_rule"),
    }
    return render(request, "aid/household.html", context, status=status)


@require_GET
@requires("aid.view_stock")
def reports_page(request: HttpRequest) -> HttpResponse:
    """List the downloadable reports."""
    return _reports(request, errors=[], status=200)


def _reports(request: HttpRequest, *, errors: list[str], status: int) -> HttpResponse:
    names = [(name, label) for name, (label, _build) in reports.REPORTS.items()]
    context = {
        "reports": names,
        "errors": errors,
        "exact": reads_exact_counts(acting_user(request)),
    }
    return render(request, "aid/reports.html", context, status=status)


@require_GET  # type: ignore[type-var]  # a streaming response is no HttpResponse
@requires("aid.view_stock")
def report_download(request: HttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """Stream a report as CSV or XLSX; distributions take ?since=&until= (YYYY-MM-DD)."""
    if name not in reports.REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    if name == "distributions":
        period = ReportPeriodForm(request.GET)
        if not period.is_valid():
            return _reports(request, errors=period.errors_named(), status=422)
        report = reports.distributions_report(
            since=period.cleaned_data["since"],
            until=period.cleaned_data["until"],
            exact=reads_exact_counts(acting_user(request)),
        )
    elif name == "coverage":
        report = reports.coverage_report(exact=reads_exact_counts(acting_user(request)))
    else:
        report = reports.REPORTS[name][1]()
    return reports.csv_response(report) if fmt == "csv" else reports.xlsx_response(report)


@require_GET
@requires("aid.view_movement")
def ledger_page(request: HttpRequest) -> HttpResponse:
    """Show the latest movements, newest first, with the forms to change stock."""
    return _ledger(request, StockChangeForm(), status=200)


def _ledger(request: HttpRequest, form: StockChangeForm, *, status: int) -> HttpResponse:
    code = request.GET.get("warehouse", "")[:40]
    warehouse = Warehouse.objects.filter(code=code).first() if code else None
    movements, next_cursor = movements_page(
        warehouse=warehouse, item=None, cursor=request.GET.get("cursor", "")[:200], size=50
    )
    context = {
        "movements": movements,
        "next_cursor": next_cursor,
        "warehouse": warehouse,
        "form": form,
        "reverse_form": ReverseForm(),
    }
    return render(request, "aid/ledger.html", context, status=status)


@require_POST
@requires("aid.manage_stock")
def stock_change(request: HttpRequest) -> HttpResponse:
    """Record a loss, a count adjustment or a transfer."""
    form = StockChangeForm(request.POST)
    if not form.is_valid():
        return _ledger(request, form, status=422)
    data = form.cleaned_data
    actor = acting_user(request)
    try:
        if data["action"] == "loss":
            services.stock_lose(
                warehouse=data["warehouse"],
                item=data["item"],
                quantity=data["quantity"],
                reason=data["reason"],
                lot=data["lot"] or None,
                reference=data["reference"],
                by=actor,
            )
        elif data["action"] == "count":
            services.stock_count_adjust(
                warehouse=data["warehouse"],
                item=data["item"],
                counted=data["quantity"],
                reason=data["reason"],
                lot=data["lot"],
                reference=data["reference"],
                by=actor,
            )
        else:
            if data["target"] is None:
                raise InvalidInput(_("Choose where to transfer to."), field="target")
            services.stock_transfer(
                source=data["warehouse"],
                target=data["target"],
                item=data["item"],
                quantity=data["quantity"],
                lot=data["lot"] or None,
                reason=data["reason"],
                reference=data["reference"],
                by=actor,
            )
    except ReliefError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _ledger(request, form, status=error.status)
    messages.success(request, _("Stock change recorded."))
    return redirect("aid:ledger")


@require_POST
@requires("aid.manage_stock")
def movement_reverse_view(request: HttpRequest, movement_id: int) -> HttpResponse:
    """Reverse one movement (both legs of a transfer) with a reason."""
    movement = (
        Movement.objects.select_related("warehouse", "item", "transfer_of")
        .filter(pk=movement_id)
        .first()
    )
    if movement is None:
        raise Http404
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the movement is reversed."))
        return redirect("aid:ledger")
    try:
        services.movement_reverse(
            movement, reason=form.cleaned_data["reason"], by=acting_user(request)
        )
    except ReliefError as error:
        messages.error(request, error.message)
        return _ledger(request, StockChangeForm(), status=error.status)
    messages.success(request, _("Movement %(id)s reversed.") % {"id": movement.pk})
    return redirect("aid:ledger")


# ---- distributions refused once sent ------------------------------------------------


@require_POST
@requires("aid.distribute")
def refusal_report(request: HttpRequest) -> JsonResponse:
    """Store the refusal of a distribution the phone kept offline (aid/outbox.js).

    The phone's second request after the refused one, with the kept form's fields:
    201 (or 200 for a key reported before) with the record's address; 4xx with
    {"detail", "field"}, nothing stored.
    """
    form = RefusalReportForm(request.POST, items=list(Item.objects.order_by("code")))
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return JsonResponse(InvalidInput(errors[0], field=name).as_dict(), status=422)
    data = form.cleaned_data
    try:
        reported = services.refusal_report(
            services.RefusalInput(
                key=data["key"],
                warehouse=data["warehouse"].code,
                household_id=data["household"],
                handed_out_at=data["handed_out_at"],
                reasons=data["reasons"],
                lines=[services.LineInput(code, quantity) for code, quantity in form.lines()],
                confirmation_code=data["confirmation_code"],
            ),
            by=acting_user(request),
        )
    except ReliefError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    refusal = reported.refusal
    body = {"id": refusal.pk, "reference": str(refusal), "url": _refusal_url(refusal)}
    return JsonResponse(body, status=201 if reported.created else 200)


def _refusal_url(refusal: DistributionRefusal) -> str:
    status = "" if refusal.status == RefusalStatus.OPEN else f"?status={refusal.status}"
    return f"{reverse('aid:refusals')}{status}#refusal-{refusal.pk}"


def _settle_form(refusal: DistributionRefusal, data: Any = None) -> RefusalSettleForm:
    return RefusalSettleForm(
        data,
        candidates=selectors.refusal_candidates(refusal),
        auto_id=f"id_r{refusal.pk}_%s",
    )


def _refusal_row(request: HttpRequest, refusal: DistributionRefusal) -> dict[str, Any]:
    settles = refusal.status == RefusalStatus.OPEN and request.user.has_perm("aid.manage_stock")
    return {"refusal": refusal, "form": _settle_form(refusal) if settles else None}


@require_GET
@requires("aid.distribute")
def refusals_page(request: HttpRequest) -> HttpResponse:
    """List refused distributions, open ones (?status=open) or settled ones; settle them.

    Coordinators (aid.manage_stock) see and settle all; a field team sees its own.
    """
    status = request.GET.get("status", RefusalStatus.OPEN)
    return _refusals(request, status=status if status in RefusalStatus.values else "open")


def _refusals(
    request: HttpRequest, *, status: str, bound: dict[str, Any] | None = None, code: int = 200
) -> HttpResponse:
    """Render the list; `bound` is a row whose settle form came back with errors."""
    actor = acting_user(request)
    refusals = selectors.refusals_list(actor, status=status)
    services.refusals_read(refusals, status=status, by=actor)
    rows = [_refusal_row(request, refusal) for refusal in refusals]
    if bound is not None:
        rows = [bound if row["refusal"].pk == bound["refusal"].pk else row for row in rows]
    context = {"status": status, "statuses": RefusalStatus.choices, "rows": rows}
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and bool(htmx) and not htmx.history_restore_request
    response = render(
        request, "aid/_refusals.html" if partial else "aid/refusals.html", context, status=code
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


# The service's names for the settle form's fields, where they differ.
SETTLE_FIELDS = {"lines": "override_reason", "distribution_id": "distribution"}


@require_POST
@requires("aid.manage_stock")
def refusal_settle(request: HttpRequest, refusal_id: int) -> HttpResponse:
    """Settle one refusal: recorded, written off or not given (the button pressed)."""
    actor = acting_user(request)
    try:
        refusal = selectors.refusal_get(refusal_id, user=actor)
    except ReliefError:
        raise Http404 from None
    if refusal.status != RefusalStatus.OPEN:  # a stale page: settled in another tab
        return _refusal_alert(request, refusal, AlreadySettled(reference=str(refusal)))
    form = _settle_form(refusal, request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            refusal = services.refusal_settle(
                refusal,
                how=data["how"],
                note=data["note"],
                distribution_id=data["distribution"],
                override_reason=data["override_reason"],
                by=actor,
            )
        except AlreadySettled as error:  # settled by another in the meantime
            return _refusal_alert(request, selectors.refusal_get(refusal.pk, user=actor), error)
        except ReliefError as error:
            form_error_add(form, error, fields=SETTLE_FIELDS)
            status = error.status
        else:
            if not getattr(request, "htmx", None):
                messages.success(request, _("%(ref)s settled.") % {"ref": str(refusal)})
                return redirect(_refusal_url(refusal))
            refusal = selectors.refusal_get(refusal.pk, user=actor)
            done = {"refusal": refusal, "form": None, "done": True}
            return render(request, "aid/_refusal.html", {"row": done})
    row: dict[str, Any] = {"refusal": refusal, "form": form}
    return _refusal_answer(request, row, status=status)


def _refusal_alert(
    request: HttpRequest, refusal: DistributionRefusal, error: ReliefError
) -> HttpResponse:
    """Answer the refusal as it stands now, with why this settlement was refused."""
    row: dict[str, Any] = {"refusal": refusal, "form": None, "alert": error.message}
    return _refusal_answer(request, row, status=error.status)


def _refusal_answer(request: HttpRequest, row: dict[str, Any], *, status: int) -> HttpResponse:
    """Return the row alone (HTMX) or the whole list of its status with the row in it."""
    if not getattr(request, "htmx", None):
        return _refusals(request, status=row["refusal"].status, bound=row, code=status)
    return render(request, "aid/_refusal.html", {"row": row}, status=status)
