"""Reads of stock, movements, households in reach, and the double-dipping history."""

import base64
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reliefline.aid.models import (
    Balance,
    Distribution,
    DistributionRefusal,
    DistributionRule,
    Item,
    ItemKind,
    Movement,
    MovementKind,
    RefusalStatus,
    Warehouse,
)
from reliefline.errors import InvalidInput, NotFound
from reliefline.hotline.models import Need, NeedType
from reliefline.hotline.selectors import case_scope, needs_open
from reliefline.people import matching
from reliefline.people.models import Household, Person
from reliefline.people.selectors import (
    MatchQuery,
    merge_ends,
    merged_together,
    person_lookup,
    person_match,
)
from reliefline.schemas import MAX_ID

# Case needs an item of each kind fulfils; other kinds fulfil none.
NEED_OF_KIND: dict[str, str] = {
    ItemKind.WATER: NeedType.WATER,
    ItemKind.FOOD: NeedType.FOOD,
    ItemKind.MEDICINE: NeedType.MEDICINE,
    ItemKind.SHELTER: NeedType.SHELTER,
}
MEMBERS_MATCHED = 10


# ---- households in reach -----------------------------------------------------------


def household_scope(user: User | None) -> QuerySet[Household]:
    """Return the households a user may serve: all, or those of their assigned settlements.

    None stands for the system itself (commands, benchmarks).
    """
    if user is None or user.has_perm("hotline.view_all_cases"):
        return Household.objects.all()
    return Household.objects.filter(settlement__assignments__user=user).distinct()


def household_for(household_id: int, *, user: User | None) -> Household:
    """Return the household in the user's reach, or raise NotFound (whether or not it exists)."""
    if isinstance(household_id, bool) or not isinstance(household_id, int):
        raise InvalidInput(_("A household number."), field="household_id")
    household = household_scope(user).select_related("settlement").filter(pk=household_id).first()
    if household is None:
        raise NotFound(_("No household %(id)s.") % {"id": household_id}, field="household_id")
    return household


def household_search(query: str, *, user: User | None, limit: int = 20) -> list[Household]:
    """Return households in the user's reach with a member of this name or phone.

    A record a coordinator merged into another (people.merge) is found too, under the
    spelling merged away (a maiden name, a diminutive, a phone the survivor lacks), and
    stands for its final survivor's household. Each household's `members` are those
    the field page shows (household_members).
    """
    query = query.strip()[:100]
    if not query:
        return []
    looks_like_phone = sum(ch.isdigit() for ch in query) >= 6
    phone, name = (query, "") if looks_like_phone else ("", query)
    found = {p.household_id for p in person_lookup(phone=phone, name=name, limit=100)}
    merged = person_lookup(phone=phone, name=name, limit=100, merged=True)
    survivors = merge_ends(Person, [p.pk for p in merged]).values()
    found |= set(Person.objects.filter(pk__in=survivors).values_list("household_id", flat=True))
    return list(
        household_scope(user)
        .filter(pk__in=found)
        .select_related("settlement")
        .prefetch_related(Prefetch("members", queryset=_members_shown()))
        .order_by("-pk")[:limit]
    )


def household_kept(household: Household) -> Household:
    """Return the household a merge folded this one into, chains followed (A folded
    into B, then B into C: C), or this one when it was not folded."""
    if household.merged_into_id is None:
        return household
    return Household.objects.get(pk=merge_ends(Household, {household.pk})[household.pk])


def _same_person(candidate: matching.Score) -> bool:
    """Return whether the score links the two persons without an operator.

    person_match demotes every MATCH to POSSIBLE when two candidates are certain, and a
    member's own record is always one of them, so the MATCH test is applied here again.
    """
    levels = {(c.feature, c.level) for c in candidate.comparisons}
    return candidate.probability >= matching.MATCH and not matching.VETO & levels


def household_group(household: Household) -> list[int]:
    """Return the ids of the household and of every household registering one of its members.

    The same family registered twice under different spellings ("Ольга Коваленко",
    "Olha Kovalenko") is one family for the double-dipping rules; the identity
    matching of the people app decides who is the same person, and a coordinator's
    merge says so for certain: the match no longer sees a merged record, so the
    records merged with a member or a match (chains included) are followed too.
    """
    members = household.members.filter(purged_at__isnull=True).order_by("pk")
    persons = set(members.values_list("pk", flat=True))
    for member in members[:MEMBERS_MATCHED]:
        if not (member.phone or member.given_name or member.family_name):
            continue
        query = MatchQuery(
            given_name=member.given_name,
            family_name=member.family_name,
            patronymic=member.patronymic,
            birth_date=member.birth_date,
            phone=member.phone,
            settlement=household.settlement_id or "",
        )
        for candidate in person_match(query, limit=10):
            if candidate.person.pk != member.pk and _same_person(candidate.score):
                persons.add(candidate.person.pk)
    same = Person.objects.filter(pk__in=merged_together(Person, persons), household__isnull=False)
    return _registrations(
        merged_together(Household, {household.pk, *same.values_list("household_id", flat=True)}),
        served=household,
    )


def _registrations(household_ids: set[int], *, served: Household) -> list[int]:
    """Return the households the family is registered in, in id order.

    A household folded into another by a merge holds nothing but the merged record
    (its members, cases and rations moved to the kept one), so it is named only when
    it is the one asked about, or holds rations recorded since the merge (before
    distribution_record refused a folded household, a page opened before the merge
    or the API still served it); else every merged family would name it as a second
    registration.
    """
    folded = set(
        Household.objects.filter(pk__in=household_ids, merged_into__isnull=False)
        .exclude(pk=served.pk)
        .values_list("pk", flat=True)
    )
    served_since = set(
        Distribution.objects.filter(household_id__in=folded).values_list("household_id", flat=True)
    )
    return sorted((household_ids - folded) | served_since)


# ---- double dipping ---------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    code: str
    kind: str
    message: str


# A movement of a distribution that still stands: handed out, and not reversed since.
_STANDING = Q(movements__kind=MovementKind.DISTRIBUTION, movements__reversal__isnull=True)


def received(
    household_ids: Sequence[int], *, since: dt.datetime | None = None, kind: str | None = None
) -> QuerySet[Distribution]:
    """Return the distributions to these households that still stand (not reversed).

    With `kind`, only those whose items of that kind still stand: a distribution of
    water and biscuits whose biscuits were reversed gave the family no food.
    """
    standing = _STANDING if kind is None else _STANDING & Q(movements__item__kind=kind)
    distributions = Distribution.objects.filter(standing, household_id__in=household_ids)
    if since is not None:
        distributions = distributions.filter(at__gte=since)
    return distributions.distinct()


def rule_breaches(
    group: Sequence[int], *, kinds: Iterable[str], household: Household, now: dt.datetime
) -> list[Breach]:
    """Return the double-dipping rules a new distribution of these kinds would break.

    The rations of every household folded into one of the group are counted, read
    here under the caller's lock: household_group leaves out one not served since the
    merge, which holds rations only when recorded before distribution_record refused
    a folded household.
    """
    rules = {r.kind: r for r in DistributionRule.objects.filter(kind__in=set(kinds))}
    counted = sorted(merged_together(Household, group))
    breaches = []
    others = [pk for pk in group if pk != household.pk]
    also = (
        " "
        + _("The same family is also registered as %(ids)s.")
        % {"ids": ", ".join(f"H-{pk:06d}" for pk in others)}
        if others
        else ""
    )
    for kind, rule in sorted(rules.items()):
        label = ItemKind(kind).label
        window = received(counted, since=now - dt.timedelta(days=rule.period_days), kind=kind)
        count = window.count()
        last = window.aggregate(last=Max("at"))["last"]
        if count >= rule.max_per_period:
            breaches.append(
                Breach(
                    f"{kind}:max_per_period",
                    kind,
                    _(
                        "%(kind)s: this family already received %(n)s distribution(s) in the "
                        "last %(days)s days (at most %(max)s)."
                    )
                    % {
                        "kind": label,
                        "n": count,
                        "days": rule.period_days,
                        "max": rule.max_per_period,
                    }
                    + also,
                )
            )
        elif (
            last is not None
            and rule.min_interval_days
            and last > now - dt.timedelta(days=rule.min_interval_days)
        ):
            breaches.append(
                Breach(
                    f"{kind}:min_interval",
                    kind,
                    _("%(kind)s: last received %(when)s, less than %(days)s days ago.")
                    % {
                        "kind": label,
                        # As staff pages write times (and the phone's outbox).
                        "when": formats.date_format(timezone.localtime(last), "Y-m-d H:i"),
                        "days": rule.min_interval_days,
                    }
                    + also,
                )
            )
    return breaches


def needs_matching(
    *,
    items: Sequence[Item],
    household_ids: Sequence[int] | None = None,
    settlement_id: str | None = None,
) -> list[Need]:
    """Return the open case needs these items fulfil.

    Water, food and shelter needs are met by any item of that kind; a medicine need
    only by an item it names ("insulin"), since one medicine never stands for another.
    """
    types = {NEED_OF_KIND[item.kind] for item in items if item.kind in NEED_OF_KIND}
    needs = needs_open(
        household_ids=household_ids, settlement_id=settlement_id, types=sorted(types)
    )
    return [need for need in needs if any(need_is_for(need, item) for item in items)]


def household_needs(household: Household, *, user: User | None) -> list[Need]:
    """Return the open needs a distribution can meet (water, food, medicine, shelter)
    in the household's cases the user may see, with their items and quantities.

    A family's case opened in a settlement not assigned to the field team is "not
    found" to it in the hotline (case_scope), so its needs are not shown here either.
    The household page is for handing out aid: a need no item meets (protection,
    medical care, tracing …) is not shown, nor is any need's note, since neither
    helps hand anything out and both may hold medical or protection details. The
    item is shown: a medicine need is met only by an item it names (need_is_for).
    """
    needs = needs_open(household_ids=[household.pk], types=sorted(set(NEED_OF_KIND.values())))
    return list(needs.filter(case__in=case_scope(user)))


def need_is_for(need: Need, item: Item) -> bool:
    """Return whether giving the item fulfils the need."""
    if NEED_OF_KIND.get(item.kind) != need.type:
        return False
    if need.type != NeedType.MEDICINE:
        return True
    wanted = need.item.casefold().strip()
    if not wanted:
        return False
    names = [n.casefold() for n in (item.code, item.name_en, item.name_uk, item.name_ru) if n]
    return any(wanted in name or name in wanted for name in names)


# ---- stock and movements ----------------------------------------------------------


@dataclass(frozen=True)
class StockLine:
    item: Item
    quantity: int


def stock_totals() -> QuerySet[Balance, dict[str, Any]]:
    """Return the quantity on hand per warehouse and item (all lots), by warehouse and item.

    Each row has warehouse_id, warehouse__code, warehouse__name, item__code,
    item__name_en, item__name_uk, item__name_ru, item__unit, quantity and expired
    (the part of it past its expiry date); the stock page and the map read it.
    """
    expired = Q(expiry__lt=timezone.localdate())
    return (
        Balance.objects.values(
            "warehouse_id",
            "warehouse__code",
            "warehouse__name",
            "item__code",
            "item__name_en",
            "item__name_uk",
            "item__name_ru",
            "item__unit",
        )
        # expired first: once annotated, "quantity" names the sum, not the column.
        .annotate(expired=Sum("quantity", filter=expired, default=0), quantity=Sum("quantity"))
        .order_by("warehouse__code", "item__code")
    )


def stock_balance(warehouse: Warehouse) -> list[StockLine]:
    """Return the quantity on hand per item (all lots) at the warehouse, by item code."""
    totals = dict(
        Balance.objects.filter(warehouse=warehouse)
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    items = Item.objects.filter(pk__in=totals).order_by("code")
    return [StockLine(item, int(totals[item.pk] or 0)) for item in items]


def _cursor_id(cursor: str) -> int:
    try:
        value = int(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("The cursor is not one this API issued."), field="cursor") from None
    if value < 1:
        raise InvalidInput(_("The cursor is not one this API issued."), field="cursor")
    return value


def movements_page(
    *, warehouse: Warehouse | None, item: Item | None, cursor: str = "", size: int = 50
) -> tuple[list[Movement], str | None]:
    """Return movements newest first and the cursor of the next page (keyset on id).

    Rows are only ever appended, so the id alone orders them and a page never shifts.
    Each says whether it can still be reversed (`reversible`): not a reversal itself,
    not reversed yet (a transfer's legs are reversed together, so both say no), and
    not a refusal's write-off, so that the ledger offers "Reverse" only where
    movement_reverse would do it. The refusals a write-off settles come along, for
    its reason in the reader's language (Movement.reason_text).
    """
    movements = (
        Movement.objects.select_related("warehouse", "item", "by")
        .prefetch_related(Prefetch("refusals", DistributionRefusal.objects.only("pk")))
        .annotate(
            reversible=~Q(kind=MovementKind.REVERSAL)
            & ~Exists(Movement.objects.filter(reverses=OuterRef("pk")))
            & ~Exists(DistributionRefusal.objects.filter(write_off=OuterRef("pk")))
        )
        .order_by("-id")
    )
    if warehouse is not None:
        movements = movements.filter(warehouse=warehouse)
    if item is not None:
        movements = movements.filter(item=item)
    if cursor:
        movements = movements.filter(pk__lt=_cursor_id(cursor))
    rows: list[Movement] = list(movements[: size + 1])
    next_cursor = None
    if len(rows) > size:
        next_cursor = base64.urlsafe_b64encode(str(rows[size - 1].pk).encode()).decode()
    return rows[:size], next_cursor


@dataclass(frozen=True)
class Difference:
    warehouse: str
    item: str
    lot: str
    book: int
    ledger: int


def stock_differences() -> tuple[int, list[Difference]]:
    """Return how many balances were checked and those the movements do not add up to."""
    sums = {
        (row["warehouse_id"], row["item_id"], row["lot"]): int(row["total"])
        for row in Movement.objects.values("warehouse_id", "item_id", "lot")
        .annotate(total=Sum("quantity"))
        .order_by()
    }
    differences = []
    checked = 0
    for balance in Balance.objects.select_related("warehouse", "item").iterator():
        checked += 1
        key = (balance.warehouse_id, balance.item_id, balance.lot)
        ledger = sums.pop(key, 0)
        if ledger != balance.quantity:
            differences.append(
                Difference(
                    balance.warehouse.code, balance.item.code, balance.lot, balance.quantity, ledger
                )
            )
    for (warehouse_id, item_id, lot), ledger in sums.items():
        warehouse = Warehouse.objects.get(pk=warehouse_id)
        item = Item.objects.get(pk=item_id)
        differences.append(Difference(warehouse.code, item.code, lot, 0, ledger))
    return checked, differences


def _members_shown() -> QuerySet[Person]:
    """Return the persons the field pages show as members: not purged, nor merged.

    A merged record stays in its household (people.merge) but is the same person as
    its survivor, a member of the kept household: shown, it would be counted twice.
    """
    return Person.objects.filter(purged_at__isnull=True, merged_into__isnull=True).order_by("pk")


def household_members(household: Household) -> list[Person]:
    """Return the members of a household (for the field page; the caller audits the read)."""
    return list(_members_shown().filter(household=household))


@dataclass(frozen=True)
class Received:
    """A distribution as it stands: the units of each item not reversed since."""

    distribution: Distribution
    lines: list[tuple[Item, int]]


def household_received(household_ids: Sequence[int], *, limit: int = 20) -> list[Received]:
    """Return the latest standing distributions to these households, net of reversals.

    A line reversed on its own (the biscuits, say, of water and biscuits) is not shown:
    the family did not keep it, and the field team must not read that it did.
    """
    distributions = list(
        received(household_ids).select_related("warehouse", "by").order_by("-at")[:limit]
    )
    units = (
        Movement.objects.filter(
            distribution__in=distributions,
            kind=MovementKind.DISTRIBUTION,
            reversal__isnull=True,
        )
        .values_list("distribution_id", "item_id")
        .annotate(units=Sum("quantity"))
        .order_by("distribution_id", "item_id")
    )
    standing: dict[int, dict[int, int]] = {}
    for distribution_id, item_id, quantity in units:
        standing.setdefault(distribution_id, {})[item_id] = -quantity
    items = Item.objects.in_bulk({i for lines in standing.values() for i in lines})
    return [
        Received(d, [(items[i], n) for i, n in standing.get(d.pk, {}).items() if n > 0])
        for d in distributions
    ]


def warehouse_last_used(user: User | None) -> Warehouse | None:
    """Return the warehouse of the user's latest distribution, if any.

    The field page offers it first, so a team handing out at one point does not
    choose it again for every household; nothing new is stored for it.
    """
    if user is None:
        return None
    last = Distribution.objects.filter(by=user).select_related("warehouse").order_by("-pk").first()
    return last.warehouse if last else None


def entitlement_kinds() -> list[DistributionRule]:
    """Return the double-dipping rules, one per item kind, for the field page."""
    return list(DistributionRule.objects.order_by("kind"))


@dataclass(frozen=True)
class Entitlement:
    """Where a family stands against one double-dipping rule."""

    rule: DistributionRule
    received: int
    last: dt.datetime | None
    next_from: dt.datetime | None

    @property
    def label(self) -> str:
        return str(ItemKind(self.rule.kind).label)

    @property
    def eligible(self) -> bool:
        return self.next_from is None


def entitlements(group: Sequence[int], *, now: dt.datetime) -> list[Entitlement]:
    """Return, per rule, what the family received in the period and when it may receive again."""
    found = []
    for rule in DistributionRule.objects.order_by("kind"):
        window_start = now - dt.timedelta(days=rule.period_days)
        window = received(group, since=window_start, kind=rule.kind)
        ats = sorted(window.values_list("at", flat=True))
        next_from = None
        if len(ats) >= rule.max_per_period:
            # The oldest ration that counts must leave the window first.
            next_from = ats[len(ats) - rule.max_per_period] + dt.timedelta(days=rule.period_days)
        if ats and rule.min_interval_days:
            interval_end = ats[-1] + dt.timedelta(days=rule.min_interval_days)
            if interval_end > now:
                next_from = max(next_from or interval_end, interval_end)
        found.append(Entitlement(rule, len(ats), ats[-1] if ats else None, next_from))
    return found


# ---- distributions refused once sent ------------------------------------------------


def refusal_scope(user: User) -> QuerySet[DistributionRefusal]:
    """Return the refusals a user sees: all for who settles them (aid.manage_stock), else own."""
    if user.has_perm("aid.manage_stock"):
        return DistributionRefusal.objects.all()
    return DistributionRefusal.objects.filter(by=user)


def refusals_list(user: User, *, status: str, limit: int = 100) -> list[DistributionRefusal]:
    """Return the refusals of this status in the user's sight, newest first, with their lines."""
    if status not in RefusalStatus.values:
        raise InvalidInput(
            _("One of: %(choices)s.") % {"choices": ", ".join(RefusalStatus.values)},
            field="status",
        )
    return list(
        refusal_scope(user)
        .filter(status=status)
        .select_related("household", "warehouse", "by", "settled_by", "distribution")
        .prefetch_related("lines__item", "write_off")
        .order_by("-created_at", "-pk")[:limit]
    )


def refusal_get(refusal_id: int, *, user: User) -> DistributionRefusal:
    """Return the refusal in the user's sight, or raise NotFound (whether or not it exists)."""
    if not 0 < refusal_id <= MAX_ID:  # a path's number the database cannot hold
        raise NotFound(_("No refused distribution %(id)s.") % {"id": refusal_id}, field="refusal")
    found = (
        refusal_scope(user)
        .select_related("household", "warehouse", "by", "settled_by", "distribution")
        .prefetch_related("lines__item", "write_off")
        .filter(pk=refusal_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No refused distribution %(id)s.") % {"id": refusal_id}, field="refusal")
    return found


def refusal_settlers(refusal: DistributionRefusal) -> QuerySet[Distribution]:
    """Return the distributions that may settle the refusal as recorded: the one rule.

    The household's (or, folded into another by a merge since, the kept one's), from
    the same warehouse, recorded after the refusal was reported (created_at: one
    recorded before is what caused the refusal, or an earlier hand-out; one recorded
    after is the team entering it again), and settling no other refusal.
    """
    return Distribution.objects.filter(
        household__in=merged_together(Household, {refusal.household_id}),
        warehouse=refusal.warehouse_id,
        at__gt=refusal.created_at,
        refusal__isnull=True,
    )


def refusal_candidates(refusal: DistributionRefusal, *, limit: int = 10) -> list[Distribution]:
    """Return the distributions that may settle the refusal, newest first, with their lines."""
    return list(
        refusal_settlers(refusal).prefetch_related("lines__item").order_by("-at", "-pk")[:limit]
    )


def _refusals_export(person_id: int) -> list[dict[str, Any]]:
    refusals = (
        DistributionRefusal.objects.filter(household__members=person_id)
        .select_related("warehouse", "distribution")
        .prefetch_related("lines__item", "write_off")
        .order_by("pk")
        .distinct()
    )
    return [
        {
            "reference": str(refusal),
            "handed_out_at": refusal.handed_out_at.isoformat(),
            "reported_at": refusal.created_at.isoformat(),
            "household": refusal.household_id,
            "warehouse": refusal.warehouse.name,
            "items": [
                {"item": line.item.code, "quantity": line.quantity} for line in refusal.lines.all()
            ],
            "reasons": refusal.reasons,
            "confirmation_code": refusal.confirmation_code,
            "status": refusal.status,
            "settlement": refusal.settlement,
            "settled_at": refusal.settled_at.isoformat() if refusal.settled_at else None,
            "distribution": str(refusal.distribution) if refusal.distribution else None,
            "note": refusal.note,
        }
        for refusal in refusals
    ]


def subject_export(person_id: int) -> dict[str, list[dict[str, Any]]]:
    """Return the distributions to the person's household or to them, for the export,
    and the distributions to the household refused once sent (`distribution_refusals`).

    The name the recipient gave at the point is theirs to see when the distribution
    names no one or names them; when it names another member, that member appears by
    id only, as everywhere in the export.
    """
    distributions = (
        Distribution.objects.filter(Q(household__members=person_id) | Q(person_id=person_id))
        .select_related("warehouse")
        .prefetch_related("lines__item")
        .order_by("pk")
        .distinct()
    )
    return {
        "distributions": [
            {
                "reference": str(distribution),
                "at": distribution.at.isoformat(),
                "household": distribution.household_id,
                "recipient": distribution.person_id,
                "recipient_name": distribution.recipient_name
                if distribution.person_id in (None, person_id)
                else None,
                "confirmation_code": distribution.confirmation_code,
                "warehouse": distribution.warehouse.name,
                "items": [
                    {"item": line.item.code, "quantity": line.quantity}
                    for line in distribution.lines.all()
                ],
                "overridden_rules": distribution.overridden_rules,
                "override_reason": distribution.override_reason,
            }
            for distribution in distributions
        ],
        "distribution_refusals": _refusals_export(person_id),
    }
