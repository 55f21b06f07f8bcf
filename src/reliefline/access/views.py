"""The data protection officer's pages."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from reliefline.access.audit import audit_search, audit_verify
from reliefline.access.auth import requires
from reliefline.access.forms import AuditFilterForm, TokenForm
from reliefline.access.two_factor import device_secret, two_factor_confirm, two_factor_device

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
    entries = audit_search()
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
