"""The audit log of every read and write of personal data, and its hash chain."""

import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from reliefline.access.models import AuditAction, AuditEntry, AuditHead, AuditPerson

GENESIS = "0" * 64

# The request being served, so services deep below a view can record its address.
_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "reliefline_audit_request", default=None
)
# The persons named by the entries appended meanwhile, for audit_persons_collect.
_collected: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "reliefline_audit_collected", default=None
)


@contextmanager
def audit_persons_collect() -> Iterator[set[int]]:
    """Yield a set that gathers the persons of every entry appended within the block.

    The idempotency middleware keeps them with an answer, so that a replay of the
    answer, which names them again, is logged as a read of their data.
    """
    persons: set[int] = set()
    token = _collected.set(persons)
    try:
        yield persons
    finally:
        _collected.reset(token)


class AuditRequestMiddleware:
    """Make the current request known to audit_record for the duration of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _digest(entry: AuditEntry) -> str:
    body = {
        "at": entry.at.isoformat(),
        "user": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "record": entry.record,
        "persons": entry.person_ids,
        "fields": entry.fields,
        "purpose": entry.purpose,
        "address": entry.address,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def client_address(request: HttpRequest | None) -> str | None:
    """Return the requesting address (REMOTE_ADDR; the proxy must set it, see docs)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


@transaction.atomic(savepoint=False)  # part of the caller's transaction, no savepoint
def audit_record(
    *,
    user: User | AnonymousUser | None,
    action: AuditAction,
    record: str,
    purpose: str,
    person_ids: Iterable[int | None] = (),
    fields: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> AuditEntry:
    """Return the appended audit entry, chained to the previous one.

    The head row is locked so concurrent appends queue up instead of forking the chain.
    """
    request = request or _current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
    actor = user if isinstance(user, User) else None
    entry = AuditEntry(
        at=timezone.now(),
        user=actor,
        username=actor.username if actor else "",
        action=action,
        record=record[:80],
        person_ids=sorted({pid for pid in person_ids if pid is not None}),
        fields=sorted(set(fields)),
        purpose=purpose[:200],
        address=client_address(request),
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(entry)
    entry.save()
    AuditPerson.objects.bulk_create(
        AuditPerson(entry=entry, person_id=pid) for pid in entry.person_ids
    )
    head.last_hash = entry.hash
    head.save(update_fields=["last_hash"])
    collected = _collected.get()
    if collected is not None:
        collected.update(entry.person_ids)
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def audit_verify(*, batch: int = 2000) -> ChainReport:
    """Return whether every entry's hash matches its content and links to its predecessor."""
    previous = GENESIS
    checked = 0
    last_id = 0
    while True:
        entries = list(AuditEntry.objects.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not entries:
            break
        for entry in entries:
            if entry.prev_hash != previous:
                return ChainReport(checked, entry.pk, "does not link to the entry before it")
            if _digest(entry) != entry.hash:
                return ChainReport(checked, entry.pk, "content does not match its hash")
            previous = entry.hash
            checked += 1
        last_id = entries[-1].pk
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != previous:
        return ChainReport(checked, last_id or None, "the newest entries were removed")
    return ChainReport(checked, None)


def audit_search(
    *,
    person_id: int | None = None,
    username: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Return audit entries matching the DPO's filters, newest first."""
    entries = AuditEntry.objects.all()
    if person_id is not None:
        entries = entries.filter(persons__person_id=person_id)
    if username:
        entries = entries.filter(username=username)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries.order_by("-at", "-id").distinct()
