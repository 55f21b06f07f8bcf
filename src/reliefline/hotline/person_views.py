"""POST hotline/cases/<reference>/caller/ and .../members/: who the case is about.

A message brings a phone and no name, and a caller speaks for a household the
intake form counts but does not name: the operator who calls back records both on
the case page, so the identity matcher and the evacuation request can find them.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reliefline.access.auth import requires
from reliefline.errors import ReliefError
from reliefline.hotline import services
from reliefline.hotline.errors import CaseNotFound
from reliefline.hotline.forms import PersonNameForm
from reliefline.hotline.models import Case
from reliefline.hotline.selectors import case_get
from reliefline.people.models import Person
from reliefline.people.services import PersonInput

# The prefixes keep the two forms' fields apart on the case page.
CALLER_PREFIX, MEMBER_PREFIX = "caller", "member"


def _record(
    request: HttpRequest,
    reference: str,
    prefix: str,
    write: Callable[[Case, PersonInput, User], Person],
    done: str,
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # requires() let only a signed-in user through
    try:
        case = case_get(reference, user=user)
    except CaseNotFound:
        raise Http404(reference) from None
    form = PersonNameForm(request.POST, prefix=prefix)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{form[field].label}: {errors[0]}")
    else:
        try:
            write(case, form.person_input(), user)
        except ReliefError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done)
    return HttpResponseRedirect(reverse("hotline:case", args=[case.reference]))


@requires("hotline.change_case")
@require_POST
def case_caller(request: HttpRequest, reference: str) -> HttpResponse:
    """Record the caller's names and birth date; back to the case page."""
    return _record(
        request,
        reference,
        CALLER_PREFIX,
        lambda case, data, user: services.case_caller_name(case, data, by=user),
        _("Caller's name recorded."),
    )


@requires("people.add_person")
@require_POST
def case_member(request: HttpRequest, reference: str) -> HttpResponse:
    """Add a member to the case's household; back to the case page."""
    return _record(
        request,
        reference,
        MEMBER_PREFIX,
        lambda case, data, user: services.case_member_add(case, data, by=user),
        _("Household member added."),
    )
