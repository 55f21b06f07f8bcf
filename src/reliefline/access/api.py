"""GET /api/v1/audit: the audit log, for the data protection officer only."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from reliefline.access.audit import audit_search
from reliefline.access.auth import api_auth
from reliefline.access.models import AuditEntry
from reliefline.errors import InvalidInput
from reliefline.schemas import IsoDateTime

router = Router(tags=["audit"])
MAX_LIMIT = 500
# Far past any real log; beyond 2**63 the database refuses the OFFSET (a 500 before).
MAX_OFFSET = 10**9


class AuditFilters(Schema):
    person: int | None = None
    user: str = ""
    since: IsoDateTime | None = None
    until: IsoDateTime | None = None
    limit: int = 100
    offset: int = 0


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    user: str
    action: str
    record: str
    person_ids: list[int]
    fields: list[str]
    purpose: str
    address: str | None
    hash: str
    prev_hash: str


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


def _out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.pk,
        at=entry.at,
        user=entry.username,
        action=entry.action,
        record=entry.record,
        person_ids=entry.person_ids,
        fields=entry.fields,
        purpose=entry.purpose,
        address=entry.address,
        hash=entry.hash,
        prev_hash=entry.prev_hash,
    )


@router.get(
    "",
    response=AuditPage,
    summary="Search the audit log (DPO only)",
    auth=api_auth("access.view_audit"),
)
def audit_list(request: HttpRequest, filters: Query[AuditFilters]) -> AuditPage:
    if not 1 <= filters.limit <= MAX_LIMIT:
        raise InvalidInput(
            _("A whole number from %(low)s to %(high)s.") % {"low": 1, "high": MAX_LIMIT},
            field="limit",
        )
    if not 0 <= filters.offset <= MAX_OFFSET:
        raise InvalidInput(
            _("A whole number from %(low)s to %(high)s.") % {"low": 0, "high": MAX_OFFSET},
            field="offset",
        )
    entries = audit_search(
        person_id=filters.person, username=filters.user, since=filters.since, until=filters.until
    )
    items = entries[filters.offset : filters.offset + filters.limit]
    return AuditPage(count=entries.count(), items=[_out(e) for e in items])
