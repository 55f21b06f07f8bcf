"""The data protection officer's pages."""

import datetime as dt
import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from reliefline.access import audit_labels, crypto
from reliefline.access.audit import audit_record, audit_search, audit_verify
from reliefline.access.auth import requires
from reliefline.access.forms import AuditFilterForm, TokenForm
from reliefline.access.models import AuditAction, Operation
from reliefline.access.operations import (
    Kind,
    operation_file_read,
    operation_get,
    operation_start,
    operation_view,
    operations_recent,
)
from reliefline.access.rotation import ROTATION
from reliefline.access.two_factor import device_secret, two_factor_confirm, two_factor_device
from reliefline.errors import NotFound, ReliefError

# The DPO's pages sit here with the audit log, but the data-subject export is built
# above, in the hotline, from every app's sections (hotline.subject): this page calls
# it as the API (hotline.api_subjects) and `reliefline export-subject` do.
from reliefline.hotline.subject import subject_export

PAGE_SIZE = 50


def day_start(day: dt.date | None) -> dt.datetime | None:
    """Return the start of a local calendar day as an aware datetime."""
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@require_GET
@requires("access.view_audit")
def audit(request: HttpRequest) -> HttpResponse:
    """Render the audit log, searchable by person, user and dates."""
    form = AuditFilterForm(request.GET or None)
    # A filter refused shows nothing rather than everything: a DPO who typed a person
    # must not read the whole log as if it were that person's.
    entries = audit_search() if not form.is_bound else audit_search().none()
    if form.is_valid():
        until = form.cleaned_data["until"]
        entries = audit_search(
            person_id=form.cleaned_data["person"],
            username=form.cleaned_data["user"].strip(),
            since=day_start(form.cleaned_data["since"]),
            until=day_start(until + dt.timedelta(days=1)) if until else None,
        )
    page = Paginator(entries.select_related("user"), PAGE_SIZE).get_page(request.GET.get("page"))
    template = "access/_audit_table.html" if request.htmx else "access/audit.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "page": page, "chain": audit_verify()})


class SubjectForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Person ID"), min_value=1)


@require_http_methods(["GET", "POST"])
@requires("hotline.export_subject")
def subjects(request: HttpRequest) -> HttpResponse:
    """Render the data-subject export form; on POST, download the person's export as JSON.

    The same export, audited the same way, as GET /api/v1/subjects/{id}: a DPO answers
    a subject access request from the browser, without an API token. Only a POST
    exports, so that following a link (the audit page's) records nothing by itself.
    """
    if request.method == "GET":
        form = SubjectForm(initial={"person": request.GET.get("person", "")})
        return render(request, "access/subjects.html", {"form": form})
    form = SubjectForm(request.POST)
    if not form.is_valid():
        return render(request, "access/subjects.html", {"form": form}, status=422)
    assert isinstance(request.user, User)
    person_id = form.cleaned_data["person"]
    try:
        export = subject_export(person_id, by=request.user)
    except NotFound as error:
        form.add_error("person", error.message)
        return render(request, "access/subjects.html", {"form": form}, status=error.status)
    response = HttpResponse(
        json.dumps(export.as_dict(), ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="subject-{person_id}.json"'
    return response


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (first time) or check the user's TOTP code, then go on to `next`."""
    device = two_factor_device(request.user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor_confirm(device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("home")
            return redirect(target)
        form.add_error(
            "token", _("That code is not valid. Check the time on your phone and try again.")
        )
    return render(
        request,
        "access/two_factor.html",
        {
            "form": form,
            "device": device,
            "setup": not device.confirmed,
            "secret": device_secret(device),
        },
        status=422 if form.errors else 200,
    )


# ---- long operations -----------------------------------------------------------------


def _partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _operation_or_404(request: HttpRequest, pk: int) -> Operation:
    try:
        return operation_get(pk, user=request.user)
    except NotFound as error:
        raise Http404(error.message) from error


def operations_context(kind: Kind) -> list[object]:
    """Return the recent operations of a kind as the progress partial shows them."""
    return [operation_view(operation) for operation in operations_recent(kind)]


@require_GET
@requires(None)  # the operation's kind names the permission (operation_get)
def operation(request: HttpRequest, pk: int) -> HttpResponse:
    """Return an operation's progress; HTMX polls the partial every second until it ends."""
    view = operation_view(_operation_or_404(request, pk))
    template = "access/_operation.html" if _partial(request) else "access/operation.html"
    return render(request, template, {"view": view})


@require_GET
@requires(None)
def operation_file(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Return a file of an operation (the rejected rows of an import), audited as an export."""
    found = _operation_or_404(request, pk)
    try:
        content = operation_file_read(found, name=name)
    except NotFound as error:
        raise Http404(error.message) from error
    audit_record(
        user=request.user,
        action=AuditAction.EXPORT,
        record=f"access.operation:{found.pk}",
        purpose=audit_labels.DOWNLOAD.text(file=name[:60], operation=found.kind),
        request=request,
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.kind}-{found.pk}-{name}"'
    return response


def _keys_context(*, error: str = "") -> dict[str, object]:
    return {
        "newest": crypto.field_keys()[0].key_id,
        "configured": len(crypto.field_keys()),
        "operations": operations_context(ROTATION),
        "error": error,
    }


@require_GET
@requires("access.rotate_keys")
def keys(request: HttpRequest) -> HttpResponse:
    """Return the field keys' state and the recent rotations, with a button to rotate."""
    return render(request, "access/keys.html", _keys_context())


@require_POST
@requires("access.rotate_keys")
def keys_rotate(request: HttpRequest) -> HttpResponse:
    """Start a key rotation on the task worker and show its progress."""
    assert isinstance(request.user, User)
    try:
        started = operation_start(ROTATION, by=request.user, message=crypto.field_keys()[0].key_id)
    except ReliefError as error:
        context = _keys_context(error=error.message)
        return render(request, "access/keys.html", context, status=error.status)
    return redirect("access:operation", pk=started.pk)
