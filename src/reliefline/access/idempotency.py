"""A retried write happens once: requests that carry an idempotency key.

A field team's phone loses the answer to a POST more often than the request. The
sender cannot tell whether the distribution was recorded, sends it again, and the
household gets two in the ledger. With an idempotency key the retry gets the first
request's answer instead, and nothing is written twice
(draft-ietf-httpapi-idempotency-key-header):

- API clients send `Idempotency-Key: "<key>"` (a quoted string, as the draft has
  it; a bare one is accepted) on any POST under /api/; a UUID is a good key.
- Pages put `{% idempotency_field %}` (`{% load once %}`) in a form whose double
  submission would record something twice: every rendering gets a new key, so a
  resubmission of the same rendered form (a second tap, a reload of the page the
  lost answer left) is the retry. Only urlencoded forms of a signed-in user are
  read for it, as browsers and htmx send forms without files.

A key belongs to the user who sent it. The first request runs in one transaction
with the row that keeps its answer, so either both are written or neither. A
successful answer (2xx or a redirect) is kept for a day (KEPT), encrypted, and
replayed to a retry with the header `Idempotent-Replayed: true`. When the first
request's audit entries named persons, a replay is logged as a read of their data
(the answer names them again, perhaps to another device). After a day the answer
is dropped, but the key and the request's fingerprint are remembered for
REMEMBERED (30 days): a phone that kept a distribution a week without signal, whose
first send did reach the server, gets 409 (`idempotency_key_done`; a page's form,
"already sent") instead of recording it twice; a distribution keeps its key for
good (request_key), so it is never recorded twice however late. Other answers are
not kept: bad input stored nothing, and the retry is judged afresh. The same key
with a different request is refused (422, field `Idempotency-Key`). A retry sent while the first is
still running gets the first's answer once that commits; what the retry did
meanwhile is rolled back.
"""

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from reliefline.access import audit_labels
from reliefline.access.audit import audit_persons_collect, audit_record
from reliefline.access.auth import BearerToken
from reliefline.access.models import AuditAction, IdempotentRequest
from reliefline.access.roles import needs_second_factor
from reliefline.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
REPLAYED = "Idempotent-Replayed"
KEPT = dt.timedelta(days=1)  # the answer, which may name people
REMEMBERED = dt.timedelta(days=30)  # the key and the fingerprint, which do not
MAX_LENGTH = 255
_KEY_ATTRIBUTE = "reliefline_idempotency_key"  # on the request, for request_key
# Headers of an answer that a replay repeats (with the body and status).
REPEATED_HEADERS = ("Content-Type", "Location", "HX-Redirect", "HX-Location", "HX-Trigger")

log = logging.getLogger(__name__)


class KeyReused(InvalidInput):
    """The key came again with another request (422, as the draft says)."""

    code = "idempotency_key_reused"


class AnswerGone(Conflict):
    """The key's request was done, longer ago than its answer is kept (409)."""

    code = "idempotency_key_done"


def request_key(request: HttpRequest) -> str | None:
    """Return the idempotency key of the request being done for the first time, if any.

    A write whose record must never be made twice, whenever the retry comes, keeps it
    on the record (aid.Distribution.key): the key itself is forgotten after REMEMBERED.
    """
    key = getattr(request, _KEY_ATTRIBUTE, None)
    return key if isinstance(key, str) else None


def key_parse(raw: str) -> str:
    """Return the key of a header or form value, or raise InvalidInput naming the header."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the draft's structured string
        key = key[1:-1]
    if not key.strip() or len(key) > MAX_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidInput(
            _("Give 1 to %(n)s printable ASCII characters, such as a UUID.") % {"n": MAX_LENGTH},
            field=HEADER,
        )
    if '"' in key or "\\" in key:
        raise InvalidInput(_("A key cannot hold quotes or backslashes."), field=HEADER)
    return key


def fingerprint(request: HttpRequest) -> str:
    """Return what a retry must repeat: method, path, query and body.

    A page's form by its fields but its CSRF token, which each rendering masks anew.
    """
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    if _api(request):
        digest.update(request.body)
    else:
        fields = sorted((k, v) for k, v in request.POST.lists() if k != "csrfmiddlewaretoken")
        digest.update(json.dumps(fields, ensure_ascii=False).encode())
    return digest.hexdigest()


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def answers_forget(person_ids: Iterable[int]) -> int:
    """Drop the kept answers that name any of these persons; return how many.

    Called when their data is purged: a retry with the key must not replay a name,
    phone or note that retention has just erased. Like an answer dropped after a day,
    the key stays, so a late retry gets idempotency_key_done and is not done twice.
    The answers still kept are a day's writes at most, read here in Python: SQLite
    cannot search inside a JSON list.
    """
    wanted = set(person_ids)
    if not wanted:
        return 0
    kept = IdempotentRequest.objects.filter(answer_dropped=False).values_list("pk", "person_ids")
    naming = [pk for pk, named in kept if wanted.intersection(named or ())]
    return IdempotentRequest.objects.filter(pk__in=naming).update(
        body="", headers={}, person_ids=[], answer_dropped=True
    )


def purge(*, now: dt.datetime | None = None) -> int:
    """Drop the answers kept longer than KEPT and forget the keys older than REMEMBERED;
    return how many rows changed (a periodic task)."""
    now = now or timezone.now()
    forgotten, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=now - REMEMBERED
    ).delete()
    dropped = IdempotentRequest.objects.filter(
        created_at__lt=now - KEPT, answer_dropped=False
    ).update(body="", headers={}, person_ids=[], answer_dropped=True)
    return forgotten + dropped


class IdempotencyMiddleware:
    """Replay the kept answer to a retried POST (see the module's docstring).

    After the session, CSRF, authentication and audit middleware: the first request
    passes through all of them, and so does a replay's check of who is asking.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = self._raw_key(request)
        if raw is None:
            return self.get_response(request)
        try:
            key = key_parse(raw)
        except InvalidInput as error:
            return refusal(request, error)
        user = self._user(request)
        if user is None:  # the view answers: 401, 403 or the login page
            return self.get_response(request)
        if not _api(request):
            # A page's form: the check its view makes, before a replay that skips it.
            csrf = CsrfViewMiddleware(self.get_response)
            refused = csrf.process_view(request, self.get_response, (), {})
            if refused is not None:
                return cast(HttpResponse, refused)
        try:
            sent = fingerprint(request)
        except RequestDataTooBig:  # the view's own limit answers it
            return self.get_response(request)
        try:
            with transaction.atomic():
                kept = self._kept(user, key)
                if kept is None:
                    return self._first(request, user, key, sent)
        except IntegrityError:
            # The same key's first request committed while this one ran: this one
            # was rolled back whole, and gets the first's answer.
            kept = self._kept(user, key)
            if kept is None:
                raise
        if kept.fingerprint != sent:
            message = _("This key was sent before with a different request; use a new key.")
            return refusal(request, KeyReused(message, field=HEADER))
        if kept.answer_dropped or kept.created_at < timezone.now() - KEPT:
            message = _(
                "This request was done on %(date)s; its answer is no longer kept. "
                "It was not done again."
            ) % {"date": timezone.localtime(kept.created_at).strftime("%Y-%m-%d %H:%M")}
            return refusal(request, AnswerGone(message, field=HEADER))
        return self._replay(kept, request)

    @staticmethod
    def _raw_key(request: HttpRequest) -> str | None:
        if request.method != "POST":
            return None
        if _api(request):
            return request.headers.get(HEADER)
        # A page's form: sent by a signed-in user, urlencoded (as browsers and htmx
        # send forms without files). Any other body, a webhook's above all, is left
        # unread for its view.
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated):
            return None
        if request.content_type != "application/x-www-form-urlencoded":
            return None
        try:
            return request.POST.get(FORM_FIELD) or None
        except RequestDataTooBig:  # the view's own limit answers it
            return None

    @staticmethod
    def _user(request: HttpRequest) -> User | None:
        """Return who is asking, by the token or the session, as the API tries them too."""
        found = BearerToken()(request)  # ninja's reading of the Authorization header
        if isinstance(found, User):
            return found
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and not needs_second_factor(user):
            return user
        return None

    @staticmethod
    def _kept(user: User, key: str) -> IdempotentRequest | None:
        kept = IdempotentRequest.objects.filter(user=user, key=key).first()
        if kept is not None and kept.created_at < timezone.now() - REMEMBERED:
            kept.delete()  # forgotten, the purge not yet by: this is a new request
            return None
        return kept

    def _first(self, request: HttpRequest, user: User, key: str, sent: str) -> HttpResponse:
        setattr(request, _KEY_ATTRIBUTE, key)  # for request_key
        with audit_persons_collect() as persons:
            response = self.get_response(request)
        if response.status_code >= 500:
            transaction.set_rollback(True)  # never half of a failed write
            return response
        if not 200 <= response.status_code < 400 or response.streaming:
            return response
        try:
            body = response.content.decode(response.charset or "utf-8")
        except UnicodeDecodeError:
            log.warning("answer to %s with %s not kept: not text", request.path, HEADER)
            return response
        IdempotentRequest.objects.create(
            user=user,
            key=key,
            fingerprint=sent,
            status=response.status_code,
            headers={name: response[name] for name in REPEATED_HEADERS if name in response},
            body=body,
            person_ids=sorted(persons),
            created_at=timezone.now(),
        )
        return response

    @staticmethod
    def _replay(kept: IdempotentRequest, request: HttpRequest) -> HttpResponse:
        if kept.person_ids:
            audit_record(
                user=kept.user,
                action=AuditAction.READ,
                record=f"access.idempotentrequest:{kept.pk}",
                purpose=audit_labels.REPLAY.text(path=request.path[:120]),
                person_ids=kept.person_ids,
                fields=["answer"],
                request=request,
            )
        response = HttpResponse(kept.body, status=kept.status)
        headers: dict[str, Any] = kept.headers
        for name, value in headers.items():
            response[name] = value
        response[REPLAYED] = "true"
        return response


def refusal(request: HttpRequest, error: InvalidInput | AnswerGone) -> HttpResponse:
    """Return the answer refusing a keyed request: JSON to the API, a page to a form."""
    if _api(request):
        return JsonResponse(error.as_dict(), status=error.status)
    # A page's form sent again after its data changed (back, edit, submit).
    page = request.headers.get("HX-Current-URL") or request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(page, {request.get_host()}):
        page = "/"
    context = {"again": page}
    if not request.headers.get("HX-Request"):
        return render(request, "access/already_sent.html", context, status=error.status)
    # Said inside the form, as app.js says a lost answer, instead of in place of
    # the part of the page the form's answer would have replaced.
    response = render(request, "access/_already_sent.html", context, status=error.status)
    action = request.path.replace("\\", "\\\\").replace('"', '\\"')
    response["HX-Retarget"] = f'form[action="{action}"]'
    response["HX-Reswap"] = "beforeend"
    return response
