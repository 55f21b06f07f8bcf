"""Pages of the channels: the public report form; broadcasts and notice texts for coordinators.

Each view renders its whole page, or only its partial when HTMX asks.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from reliefline.access.audit import client_address
from reliefline.access.auth import requires
from reliefline.access.crypto import blind_index
from reliefline.channels import selectors
from reliefline.channels.forms import BroadcastForm, NoticeTextsForm, ReportForm
from reliefline.channels.models import Sender
from reliefline.channels.services import (
    Inbound,
    broadcast_preview,
    message_receive,
    notice_texts_save,
    notices_broadcast,
)
from reliefline.errors import InvalidInput
from reliefline.hotline.models import Channel
from reliefline.people.models import Language
from reliefline.people.phones import phone_normalise


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _partial(request: HtmxHttpRequest) -> bool:
    # A history restore wants the whole page back, not the fragment.
    return bool(request.htmx) and not request.htmx.history_restore_request


REPORT_LIMIT = 5  # submissions per address ...
REPORT_WINDOW = 600  # ... per ten minutes
# Service fields and the form fields they come from, to put an error where it belongs.
REPORT_FIELDS = {"text": "message", "phone": "phone", "address": "phone", "caller": "given_name"}


def _over_limit(request: HttpRequest) -> bool:
    """Count this address's submission; return whether it went over the limit.

    Counted in the shared cache (a database table, settings.CACHES), so every worker
    and host sees one count. The address is kept only as a keyed digest.
    """
    address = client_address(request) or "unknown"
    key = f"channels:report:{blind_index(address)[:32]}"
    cache.add(key, 0, REPORT_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, REPORT_WINDOW)
        count = 1
    return count > REPORT_LIMIT


def _report_receive(form: ReportForm) -> str:
    """Return the reference of the request's own new case, never of another's."""
    data = form.cleaned_data
    phone = phone_normalise(data["phone"]) if data["phone"] else ""
    if data["phone"] and not phone:
        raise InvalidInput(_("Not a phone number."), field="phone")
    receipt = message_receive(
        Inbound(
            sender=Sender.WEB,
            external_id=data["token"],
            channel=Channel.WEB,
            text=data["message"],
            # A phone, not an address: anyone can type it here, so it links to nobody.
            phone=phone or "",
            given_name=data["given_name"],
            family_name=data["family_name"],
            language_hint=(translation.get_language() or "ru")[:2],
            settlement=data["settlement"],
            household_size=data["household_size"],
        )
    )
    return str(receipt.case.reference)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """Return the public form to ask for help, or the case reference once sent."""
    if request.method == "GET":
        form = ReportForm(initial={"token": uuid.uuid4().hex})
        return render(request, "channels/report.html", {"form": form})
    if _over_limit(request):
        return render(request, "channels/report_limited.html", status=429)
    form = ReportForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["website"]:
            # A bot filled the hidden field: answer as a request is answered, with a
            # number no case has, and keep nothing.
            decoy = selectors.reference_decoy()
            return render(request, "channels/report_sent.html", {"reference": decoy})
        try:
            reference = _report_receive(form)
        except InvalidInput as error:
            field = REPORT_FIELDS.get((error.field or "").split(".")[0])
            form.add_error(field if field in form.fields else None, error.message)
        else:
            return render(request, "channels/report_sent.html", {"reference": reference})
    return render(request, "channels/report.html", {"form": form}, status=422)


def _settlement_choices() -> list[tuple[str, str]]:
    return [(p.pk, p.display_name()) for p in selectors.settlements_with_open_cases()]


@require_http_methods(["GET", "POST"])
@requires("channels.add_broadcast")
def broadcast_new(request: HtmxHttpRequest) -> HttpResponse:
    """Return the broadcast form with its preview, or send it and show its progress."""
    user = request.user
    assert isinstance(user, User)
    choices = _settlement_choices()
    data = request.POST if request.method == "POST" else request.GET or None
    form = BroadcastForm(data, settlements=choices)
    preview = None
    status = 200
    if data is not None and form.is_valid():
        kind, context = form.cleaned_data["kind"], form.context()
        settlement_ids = form.cleaned_data["settlements"]
        try:
            if request.method == "POST" and "send" in request.POST:
                broadcast = notices_broadcast(
                    kind=kind, context=context, settlement_ids=settlement_ids, by=user
                )
                return redirect("channels:broadcast", pk=broadcast.pk)
            preview = broadcast_preview(kind=kind, context=context, settlement_ids=settlement_ids)
        except InvalidInput as error:
            name = (error.field or "").removeprefix("context.")
            form.add_error(name if name in form.fields else None, error.message)
            status = 422
    elif data is not None:
        status = 422
    template = "channels/_preview.html" if _partial(request) else "channels/broadcast_new.html"
    context_: dict[str, Any] = {"form": form, "preview": preview}
    return render(request, template, context_, status=status)


@require_GET
@requires("channels.view_broadcast")
def broadcasts(request: HttpRequest) -> HttpResponse:
    """Return the latest broadcasts with their progress."""
    progress = [selectors.broadcast_progress(b) for b in selectors.broadcasts_recent()]
    return render(request, "channels/broadcasts.html", {"progress": progress})


@require_GET
@requires("channels.view_broadcast")
def broadcast(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Return a broadcast's progress; HTMX polls the partial until every notice is out."""
    found = selectors.broadcast_get(pk)
    if found is None:
        raise Http404
    progress = selectors.broadcast_progress(found)
    template = "channels/_progress.html" if _partial(request) else "channels/broadcast.html"
    return render(request, template, {"progress": progress})


@require_http_methods(["GET", "POST"])
@requires("channels.change_noticetemplate")
def notice_templates(request: HttpRequest) -> HttpResponse:
    """Return every kind's notice texts to edit side by side, or save one kind's.

    A text the admin would refuse is a 422 with the error at its language, what was
    typed kept, and nothing of the kind stored.
    """
    user = request.user
    assert isinstance(user, User)
    texts = selectors.notice_texts()
    posted = request.POST.get("kind", "") if request.method == "POST" else None
    if posted is not None and posted not in texts:
        raise Http404(posted[:40])
    kind_forms = {
        kind: NoticeTextsForm(request.POST if kind == posted else None, kind=kind, initial=initial)
        for kind, initial in texts.items()
    }
    status = 200
    if posted is not None:
        form = kind_forms[posted]
        if not form.is_valid():
            status = 422
        else:
            saved = {code: form.cleaned_data[code] for code in Language.values}
            if notice_texts_save(kind=posted, texts=saved, by=user):
                messages.success(
                    request, _("The texts of “%(kind)s” are saved.") % {"kind": form.label}
                )
            else:
                messages.info(request, _("Nothing changed in “%(kind)s”.") % {"kind": form.label})
            return redirect(f"{reverse('channels:notice_templates')}#notice-{posted}")
    return render(
        request, "channels/notice_templates.html", {"forms": kind_forms.values()}, status=status
    )
