"""POST hotline/cases/<reference>/claim/: a resident's report becomes a situation claim."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reliefline.access.auth import requires
from reliefline.errors import ReliefError
from reliefline.hotline import services
from reliefline.hotline.errors import CaseNotFound
from reliefline.hotline.models import Case
from reliefline.hotline.selectors import case_get
from reliefline.hotline.views import _case_context
from reliefline.places.claims import claim_from_report


@requires("places.add_claim")
@require_POST
def case_claim(request: HttpRequest, reference: str) -> HttpResponse:
    """Record the report as a claim about the case's settlement; back to the case page.

    A purged case is refused with 409, as every other write on it: retention empties
    the notes of claims made from a case when it purges it, so a note recorded after
    that would be kept for good.
    """
    user = request.user
    assert isinstance(user, User)  # requires() let only a signed-in user through
    try:
        case = case_get(reference, user=user)
    except CaseNotFound:
        raise Http404(reference) from None
    target = reverse("hotline:case", args=[case.reference])
    attribute, _sep, value = request.POST.get("report", "").partition(":")
    if case.settlement is None:
        messages.error(request, _("The case has no settlement to report about."))
        return HttpResponseRedirect(target)
    try:
        with transaction.atomic():
            # Locked and read again, refused (field "case") once purged: a purge that
            # got there first has committed by now; one that comes after empties the note.
            services._writable(case)
            claim_from_report(
                place=case.settlement,
                attribute=attribute,
                value=value,
                case_reference=str(case.reference),
                note=request.POST.get("note", ""),
                by=user,
            )
    except ReliefError as error:
        if error.field == "case":
            return _refused(request, case, error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Recorded as a claim from resident reports about %(place)s.")
            % {"place": case.settlement},
        )
    return HttpResponseRedirect(target)


def _refused(request: HttpRequest, case: Case, error: ReliefError) -> HttpResponse:
    """Return the case page with the refusal, at its status, as the case's own forms do."""
    messages.error(request, error.message)
    return render(request, "hotline/case.html", _case_context(request, case), status=error.status)
