"""Pages that start people's long operations: importing a registry, looking for duplicates.

Both run on the task worker; the page then shows the operation's progress
(access/_operation.html, polled until it ends).
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from reliefline.access.auth import acting_user, requires
from reliefline.access.operations import operation_view, operations_recent
from reliefline.errors import ReliefError
from reliefline.people.forms import ImportForm
from reliefline.people.operations import DEDUPE, IMPORT, dedupe_start, people_import_start


@require_http_methods(["GET", "POST"])
@requires(IMPORT.permission)
def people_import(request: HttpRequest) -> HttpResponse:
    """Return the import form and the recent imports, or start one and show its progress.

    A file that is too large or lacks the columns is refused (422), and nothing stored.
    """
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                started = people_import_start(
                    name=upload.name or "",
                    upload=upload,
                    size=upload.size or 0,
                    by=acting_user(request),
                    legal_basis=form.cleaned_data["legal_basis"],
                    consent_method=form.cleaned_data["consent_method"],
                )
            except ReliefError as error:
                field = (error.field or "").removeprefix("options.")
                form.add_error(field if field in form.fields else None, error.message)
                status = error.status
            else:
                return redirect("access:operation", pk=started.pk)
    recent = [operation_view(operation) for operation in operations_recent(IMPORT)]
    context = {"form": form, "operations": recent, "max_mb": settings.RELIEFLINE_IMPORT_MAX_MB}
    return render(request, "people/import.html", context, status=status)


@require_POST
@requires(DEDUPE.permission)
def dedupe(request: HttpRequest) -> HttpResponse:
    """Start a search for duplicates on the task worker and show its progress."""
    try:
        started = dedupe_start(by=acting_user(request))
    except ReliefError as error:
        messages.warning(request, error.message)
        return redirect("people:duplicates")
    return redirect("access:operation", pk=started.pk)
