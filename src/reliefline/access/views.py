"""The data protection officer's pages."""

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reliefline.access.audit import audit_search, audit_verify
from reliefline.access.auth import requires
from reliefline.access.forms import AuditFilterForm

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
