"""Distributions handed out offline and refused once sent: reported, then settled.

The refused request stored nothing (a rejected request never does); the phone then
reports the refusal in a second request, kept here until a coordinator settles it,
so that goods that left the warehouse are never known only to one phone.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.aid.errors import AlreadySettled, InsufficientStock, WriteOffShort
from reliefline.aid.models import (
    REFUSAL_WRITTEN_OFF,
    Distribution,
    DistributionRefusal,
    Movement,
    RefusalLine,
    RefusalStatus,
    Settlement,
)
from reliefline.aid.selectors import household_for, household_kept, refusal_settlers
from reliefline.aid.services.common import text_clean, warehouse_by_code
from reliefline.aid.services.distributions import (
    DistributionInput,
    LineInput,
    distribution_record,
    lines_parse,
)
from reliefline.aid.services.ledger import stock_lose
from reliefline.errors import Conflict, InvalidInput
from reliefline.people.models import Person

KEY_MAX = 255
REASONS_MAX = 2000
NOTE_MAX = 2000
# A hand-out time the phone's clock could not have given: reported at once when
# online, or kept offline for days, never a year; an hour or so ahead is a clock.
AHEAD_MAX = dt.timedelta(days=1)
BACK_MAX = dt.timedelta(days=366)
PURPOSE = gettext_noop("aid distribution refused")


@dataclass(frozen=True)
class RefusalInput:
    """A refusal as the phone reports it: the kept distribution and the server's answer."""

    key: str
    warehouse: str
    household_id: int
    handed_out_at: dt.datetime
    reasons: str
    lines: Sequence[LineInput] = ()
    confirmation_code: str = ""


@dataclass(frozen=True)
class Reported:
    refusal: DistributionRefusal
    created: bool  # False: the key was reported before, and that report is returned


def _key(value: str) -> str:
    key = text_clean(value, limit=KEY_MAX, field="key", required=True)
    if not all(" " <= c <= "~" for c in key):
        raise InvalidInput(_("Printable ASCII characters, such as a UUID."), field="key")
    return key


def _reported(key: str, *, by: User) -> DistributionRefusal | None:
    """Return the refusal reported with this key, if `by` reported it; Conflict if another."""
    earlier = DistributionRefusal.objects.filter(key=key).first()
    if earlier is not None and earlier.by_id != by.pk:
        raise Conflict(_("Another user reported a refusal with this key."), field="key")
    return earlier


def _audit(
    refusal: DistributionRefusal, action: AuditAction, fields: list[str], *, by: User
) -> None:
    """Record a write of the refusal, naming every member of its household."""
    audit_record(
        user=by,
        action=action,
        record=f"aid.refusal:{refusal.pk}",
        purpose=PURPOSE,
        person_ids=list(refusal.household.members.values_list("pk", flat=True)),
        fields=fields,
    )


def refusal_report(data: RefusalInput, *, by: User) -> Reported:
    """Return the stored refusal, or the one this key stored before (idempotent).

    Refuse (409) a key `by` recorded a distribution with: that one was not refused.
    Bad input raises InvalidInput naming the field, and stores nothing.
    """
    key = _key(data.key)
    earlier = _reported(key, by=by)
    if earlier is not None:
        return Reported(earlier, created=False)
    recorded = Distribution.objects.filter(by=by, key=key).first()
    if recorded is not None:
        raise Conflict(
            _("This distribution was recorded (%(ref)s): it was not refused.")
            % {"ref": str(recorded)},
            field="key",
        )
    warehouse = warehouse_by_code(data.warehouse)
    lines = lines_parse(data.lines)
    household = household_for(data.household_id, user=by)
    if not isinstance(data.handed_out_at, dt.datetime) or timezone.is_naive(data.handed_out_at):
        raise InvalidInput(_("A date and time with its time zone."), field="handed_out_at")
    now = timezone.now()
    if not now - BACK_MAX <= data.handed_out_at <= now + AHEAD_MAX:
        raise InvalidInput(
            _("A time within the last 366 days and no more than a day ahead."),
            field="handed_out_at",
        )
    reasons = text_clean(data.reasons, limit=REASONS_MAX, field="reasons", required=True)
    code = text_clean(data.confirmation_code, limit=20, field="confirmation_code")
    try:
        with transaction.atomic():
            refusal = DistributionRefusal.objects.create(
                household=household,
                warehouse=warehouse,
                handed_out_at=data.handed_out_at,
                by=by,
                reasons=reasons,
                confirmation_code=code,
                key=key,
            )
            RefusalLine.objects.bulk_create(
                RefusalLine(refusal=refusal, item=item, quantity=quantity)
                for item, quantity in lines
            )
            _audit(refusal, AuditAction.CREATE, ["household", "items", "reasons"], by=by)
    except IntegrityError:
        # The same report sent twice at once: the other one stored it.
        earlier = _reported(key, by=by)
        if earlier is None:
            raise
        return Reported(earlier, created=False)
    return Reported(refusal, created=True)


def _how(value: str) -> Settlement:
    if value not in Settlement.values:
        raise InvalidInput(
            _("One of: %(choices)s.") % {"choices": ", ".join(Settlement.values)}, field="how"
        )
    return Settlement(value)


def _recorded_afterwards(refusal: DistributionRefusal, distribution_id: int) -> Distribution:
    """Return the distribution that settles the refusal (selectors.refusal_settlers).

    Anything else raises InvalidInput naming `distribution_id`.
    """
    if isinstance(distribution_id, bool) or not isinstance(distribution_id, int):
        raise InvalidInput(_("A distribution number."), field="distribution_id")
    found = refusal_settlers(refusal).filter(pk=distribution_id).first()
    if found is not None:
        return found
    settles = (
        DistributionRefusal.objects.filter(
            distribution=distribution_id, household=refusal.household_id
        )
        .select_related("distribution")
        .first()
    )
    if settles is not None:
        raise InvalidInput(
            _("%(dist)s already settles %(ref)s.")
            % {"dist": str(settles.distribution), "ref": str(settles)},
            field="distribution_id",
        )
    raise InvalidInput(
        _(
            "No distribution %(id)s to this household from %(warehouse)s recorded after "
            "%(ref)s was reported."
        )
        % {"id": distribution_id, "warehouse": refusal.warehouse.code, "ref": str(refusal)},
        field="distribution_id",
    )


def _record_now(refusal: DistributionRefusal, *, override_reason: str, by: User) -> Distribution:
    lines = refusal.lines.select_related("item").order_by("item_id")
    # A household folded into another by a merge since is recorded on the kept one.
    household = household_kept(refusal.household)
    return distribution_record(
        DistributionInput(
            warehouse=refusal.warehouse.code,
            household_id=household.pk,
            lines=[LineInput(item=line.item.code, quantity=line.quantity) for line in lines],
            override_reason=override_reason,
            confirmation_code=refusal.confirmation_code,
        ),
        by=by,
    )


def _write_off(refusal: DistributionRefusal, *, by: User) -> list[Movement]:
    """Return the LOSS movements booking the refusal's goods out of its warehouse.

    The ledger is never purged, so its reason names the refusal, never the note. It is
    stored in English whatever the coordinator's language, and read in the reader's
    (Movement.reason_text).
    """
    reason = REFUSAL_WRITTEN_OFF % {"ref": str(refusal)}
    movements: list[Movement] = []
    for line in refusal.lines.select_related("item").order_by("item_id"):
        try:
            movements += stock_lose(
                warehouse=refusal.warehouse,
                item=line.item,
                quantity=line.quantity,
                reason=reason,
                reference=str(refusal),
                by=by,
            )
        except InsufficientStock as short:
            raise WriteOffShort(reference=str(refusal), detail=short.message) from short
    return movements


def _recorded_only(
    settlement: Settlement, *, distribution_id: int | None, override_reason: str
) -> None:
    """Refuse what only `recorded` takes, rather than ignore it silently."""
    if distribution_id is not None and settlement != Settlement.RECORDED:
        raise InvalidInput(
            _("Only a refusal settled as recorded names a distribution."),
            field="distribution_id",
        )
    if override_reason.strip() and (
        settlement != Settlement.RECORDED or distribution_id is not None
    ):
        raise InvalidInput(
            _("An override justification goes only with recording it now from its lines."),
            field="override_reason",
        )


def refusal_settle(
    refusal: DistributionRefusal,
    *,
    how: str,
    by: User,
    note: str = "",
    distribution_id: int | None = None,
    override_reason: str = "",
) -> DistributionRefusal:
    """Return the refusal settled as `how` says, with what settles it.

    `recorded` links `distribution_id`, recorded afterwards (say, again from the
    phone; selectors.refusal_settlers says which), or with none records one now from
    the refusal's lines (a double-dipping rule then needs `override_reason`, as on the
    field page); only `recorded` takes either, others refuse them (422);
    `written_off` books the goods as LOSS movements through the ledger, refused
    (WriteOffShort, 409) when the warehouse holds too little; `not_given` needs a
    note. Raise AlreadySettled (409) the second time; nothing is written then.
    """
    settlement = _how(how)
    _recorded_only(settlement, distribution_id=distribution_id, override_reason=override_reason)
    note = text_clean(note, limit=NOTE_MAX, field="note", required=settlement == "not_given")
    with transaction.atomic():
        # Locked first: two coordinators settling at once settle it once.
        locked = (
            DistributionRefusal.objects.select_for_update(of=("self",))
            .select_related("warehouse", "household")
            .get(pk=refusal.pk)
        )
        if locked.status != RefusalStatus.OPEN:
            raise AlreadySettled(reference=str(locked))
        movements: list[Movement] = []
        if settlement == Settlement.RECORDED and distribution_id is not None:
            locked.distribution = _recorded_afterwards(locked, distribution_id)
        elif settlement == Settlement.RECORDED:
            locked.distribution = _record_now(locked, override_reason=override_reason, by=by)
        elif settlement == Settlement.WRITTEN_OFF:
            movements = _write_off(locked, by=by)
        locked.status = RefusalStatus.SETTLED
        locked.settlement = settlement
        locked.settled_by = by
        locked.settled_at = timezone.now()
        locked.note = note
        locked.save(
            update_fields=[
                "status",
                "settlement",
                "settled_by",
                "settled_at",
                "note",
                "distribution",
            ]
        )
        locked.write_off.set(movements)
        _audit(locked, AuditAction.UPDATE, ["settlement", "note"], by=by)
    return locked


def refusals_read(refusals: Sequence[DistributionRefusal], *, status: str, by: User) -> None:
    """Record that `by` read these refusals (households, items, reasons, notes) in a list."""
    if not refusals:
        return
    households = {refusal.household_id for refusal in refusals}
    audit_record(
        user=by,
        action=AuditAction.READ,
        record=f"aid.refusals:{status}",
        purpose=PURPOSE,
        person_ids=Person.objects.filter(household__in=households).values_list("pk", flat=True),
        fields=["household", "items", "reasons", "note"],
    )
