"""Distributions to households, guarded by stock and by the double-dipping rules."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.idempotency import HEADER, AnswerGone
from reliefline.access.models import AuditAction
from reliefline.aid import notices
from reliefline.aid.errors import DoubleDipping, HouseholdMerged
from reliefline.aid.models import Distribution, DistributionLine, Item, MovementKind
from reliefline.aid.selectors import (
    household_for,
    household_group,
    household_kept,
    household_members,
    needs_matching,
    rule_breaches,
)
from reliefline.aid.services.common import (
    item_by_code,
    quantity_check,
    text_clean,
    warehouse_by_code,
)
from reliefline.aid.services.ledger import stock_take
from reliefline.errors import InvalidInput, ReliefError
from reliefline.hotline.services import needs_fulfil
from reliefline.hotline.timeline import texts_param
from reliefline.people.models import Household

LINES_MAX = 20
OVERRIDE_MAX = 2000


class OverrideNotAllowed(ReliefError):
    code = "override_forbidden"
    status = 403

    def __init__(self) -> None:
        super().__init__(
            _("Only a coordinator may override a double-dipping rule."), field="override_reason"
        )


@dataclass(frozen=True)
class LineInput:
    item: str
    quantity: int


@dataclass(frozen=True)
class DistributionInput:
    """A distribution as a field device sends it; validated by distribution_record."""

    warehouse: str
    household_id: int
    lines: Sequence[LineInput] = field(default_factory=tuple)
    override_reason: str = ""
    recipient_name: str = ""
    person_id: int | None = None
    confirmation_code: str = ""


def lines_parse(lines: Sequence[LineInput]) -> list[tuple[Item, int]]:
    """Return (item, quantity) in item order, or raise InvalidInput naming the line."""
    return [(item, quantity) for _i, item, quantity in _lines_numbered(lines)]


def _lines_numbered(lines: Sequence[LineInput]) -> list[tuple[int, Item, int]]:
    """Return (index in `lines`, item, quantity) in item order; see lines_parse."""
    if not lines:
        raise InvalidInput(_("Give at least one item."), field="lines")
    if len(lines) > LINES_MAX:
        raise InvalidInput(_("At most %(n)s lines.") % {"n": LINES_MAX}, field="lines")
    found: dict[int, tuple[int, Item, int]] = {}
    for i, line in enumerate(lines):
        item = item_by_code(line.item, field=f"lines[{i}].item")
        if item.pk in found:
            raise InvalidInput(_("This item is listed twice."), field=f"lines[{i}].item")
        found[item.pk] = (i, item, quantity_check(line.quantity, field=f"lines[{i}].quantity"))
    # Item order is the lock order of the balances, so two devices never deadlock.
    return [found[pk] for pk in sorted(found)]


def _lock(group: list[int], *, served: Household) -> None:
    """Lock every household of the family, in id order; refuse the served one if folded.

    Two devices serving the same family, under either registration, then check the
    rules one after the other. A merge folding the served household (people.merge
    locks it too) may have committed since it was read: its row is read again here.
    """
    locked = Household.objects.select_for_update().filter(pk__in=group).order_by("pk")
    for household in locked:
        if household.pk == served.pk:
            _unfolded(household)


def _unfolded(household: Household) -> None:
    """Refuse a household a merge folded into another: it holds only the merged record."""
    if household.merged_into_id is not None:
        raise HouseholdMerged(kept=household_kept(household))


def distribution_record(
    data: DistributionInput,
    *,
    by: User | None,
    now: dt.datetime | None = None,
    key: str | None = None,
) -> Distribution:
    """Return the recorded distribution, its stock taken and the matching needs fulfilled.

    Raise HouseholdMerged (409, naming `household_id` and the kept household) for a
    household a merge folded into another (a page opened before the merge, a phone's
    kept distribution), DoubleDipping (409) when a rule refuses it and no override is
    given, InsufficientStock (409, naming the line: `lines[1].quantity`) when the
    warehouse holds too little; any of them writes nothing. An override needs
    aid.override_rule and is audited. `key` is the request's idempotency key
    (access.idempotency.request_key), kept with the distribution: a request with a key
    `by` already recorded one with, however long ago, is refused with AnswerGone
    (409), before anything else.

    Input and the family (identity matching, the slow part) are read before the
    transaction, so no lock is held meanwhile; inside it, the contended locks come
    last: the stock balance, then the audit log's head.
    """
    now = now or timezone.now()
    if by is None:
        key = None  # a key is its user's
    elif key:
        _recorded_check(key, by=by)
    warehouse = warehouse_by_code(data.warehouse)
    numbered = _lines_numbered(data.lines)
    lines = [(item, quantity) for _i, item, quantity in numbered]
    household = household_for(data.household_id, user=by)
    _unfolded(household)
    person = None
    if data.person_id is not None:
        # One of the members the field page shows: not purged, nor merged away.
        person = next((m for m in household_members(household) if m.pk == data.person_id), None)
        if person is None:
            raise InvalidInput(_("This person is not in the household."), field="person_id")
    recipient = text_clean(data.recipient_name, limit=200, field="recipient_name")
    code = text_clean(data.confirmation_code, limit=20, field="confirmation_code")
    override = text_clean(data.override_reason, limit=OVERRIDE_MAX, field="override_reason")
    if override and (by is None or not by.has_perm("aid.override_rule")):
        raise OverrideNotAllowed()
    group = household_group(household)

    with transaction.atomic():
        _lock(group, served=household)
        breaches = rule_breaches(
            group, kinds={item.kind for item, _q in lines}, household=household, now=now
        )
        if breaches and not override:
            raise DoubleDipping([b.message for b in breaches])
        distribution = Distribution.objects.create(
            warehouse=warehouse,
            household=household,
            person=person,
            recipient_name=recipient,
            confirmation_code=code,
            override_reason=override if breaches else "",
            overridden_rules=[b.code for b in breaches],
            by=by,
            key=key or "",
        )
        DistributionLine.objects.bulk_create(
            DistributionLine(distribution=distribution, item=item, quantity=quantity)
            for item, quantity in lines
        )
        _fulfil(distribution, household=household, items=[item for item, _q in lines], by=by)
        notices.distribution_notify(distribution, lines=lines, by=by)
        for i, item, quantity in numbered:
            stock_take(
                warehouse,
                item,
                quantity,
                kind=MovementKind.DISTRIBUTION,
                by=by,
                reference=str(distribution),
                distribution=distribution,
                field=f"lines[{i}].quantity",
            )
        _audit(distribution, household=household, breaches=[b.code for b in breaches], by=by)
    return distribution


def _recorded_check(key: str, *, by: User) -> None:
    """Refuse a key `by` recorded a distribution with: the phone sends it again."""
    earlier = Distribution.objects.filter(by=by, key=key).only("pk", "at").first()
    if earlier is None:
        return
    message = _(
        "This distribution was recorded on %(date)s (%(reference)s). It was not recorded again."
    ) % {
        "date": timezone.localtime(earlier.at).strftime("%Y-%m-%d %H:%M"),
        "reference": str(earlier),
    }
    raise AnswerGone(message, field=HEADER)


def _audit(
    distribution: Distribution, *, household: Household, breaches: list[str], by: User | None
) -> None:
    member_ids = list(household.members.values_list("pk", flat=True))
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        record=f"aid.distribution:{distribution.pk}",
        purpose=gettext_noop("aid distribution"),
        person_ids=member_ids,
        fields=["recipient_name", "household", "items"],
    )
    if breaches:
        # The justification itself is kept (encrypted) on the distribution.
        audit_record(
            user=by,
            action=AuditAction.UPDATE,
            record=f"aid.distribution:{distribution.pk}",
            purpose=audit_labels.OVERRIDE.text(breaches=", ".join(breaches)),
            person_ids=member_ids,
            fields=["override_reason"],
        )


def _fulfil(
    distribution: Distribution, *, household: Household, items: list[Item], by: User | None
) -> None:
    needs = needs_matching(household_ids=[household.pk], items=items)
    if needs:
        needs_fulfil(
            needs,
            msgid=gettext_noop("Aid distributed (%(ref)s): %(items)s."),
            params={
                "ref": str(distribution),
                "items": texts_param(
                    lambda language: ", ".join(item.display_name(language) for item in items)
                ),
            },
            by=by,
        )
