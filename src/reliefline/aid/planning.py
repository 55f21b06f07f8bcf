"""Distribution plans: Sphere minimum standards × population present + open case needs.

For each kit item of each standard, the quantity per day is
population × standard per person per day × the item's share ÷ what one unit gives
(litres or kcal), rounded up for the period. Open case needs in the settlement that
the item fulfils are added; stock on hand in the settlement's warehouses, less any
past its expiry date, is set against the total, and the rest is the shortfall.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.aid.models import Balance, Item, KitLine, Measure, Plan
from reliefline.aid.selectors import needs_matching
from reliefline.aid.services.common import text_clean
from reliefline.errors import InvalidInput
from reliefline.places.models import RETRACTED, Attribute, Place
from reliefline.places.selectors import claims_latest


@dataclass(frozen=True)
class PopulationFigure:
    count: int
    source: str
    stated_at: dt.date | None


@dataclass(frozen=True)
class PlanRow:
    item: Item
    standard: str
    per_day: Decimal
    for_period: int
    case_needs: int
    available: int

    @property
    def needed(self) -> int:
        return self.for_period + self.case_needs

    @property
    def shortfall(self) -> int:
        return max(0, self.needed - self.available)


@dataclass(frozen=True)
class PlanSheet:
    plan: Plan
    population: PopulationFigure | None
    claimed: list[PopulationFigure]
    rows: list[PlanRow] = field(default_factory=list)


def population_claims(place_id: str, *, as_of: dt.date | None = None) -> list[PopulationFigure]:
    """Return each source's latest count of people present in the settlement, if stated."""
    figures = []
    for claim in claims_latest(place_id=place_id, attribute=Attribute.POPULATION, as_of=as_of):
        if claim.value != RETRACTED and claim.stated_count is not None:
            figures.append(PopulationFigure(claim.stated_count, claim.source.name, claim.stated_at))
    return figures


def _per_unit(line: KitLine) -> Decimal:
    item = line.item
    if line.standard.measure == Measure.LITRES:
        return item.litres_per_unit
    if line.standard.measure == Measure.KCAL:
        return Decimal(item.kcal_per_unit)
    return Decimal(1)


def plan_sheet(plan: Plan) -> PlanSheet:
    """Return the plan's quantities, stock and shortfall per item of every standard's kit.

    The hand-entered population is used when given; otherwise the largest count a
    source claims (planning for the most people present), named on the sheet.
    """
    claimed = population_claims(plan.settlement_id, as_of=plan.starts_on)
    population = None
    if plan.population is not None:
        population = PopulationFigure(plan.population, _("entered by hand"), None)
    elif claimed:
        population = max(claimed, key=lambda f: f.count)
    people = population.count if population else 0
    # Expired units are never handed out, so they do not meet any of the need.
    stock = dict(
        Balance.objects.filter(warehouse__settlement_id=plan.settlement_id)
        .exclude(expiry__lt=timezone.localdate())
        .values_list("item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    rows = []
    lines = KitLine.objects.select_related("standard", "item").order_by(
        "standard__code", "item__code"
    )
    for line in lines:
        per_unit = _per_unit(line)
        if per_unit <= 0:
            continue
        per_day = Decimal(people) * line.standard.per_person_per_day * line.share / per_unit
        needs = needs_matching(items=[line.item], settlement_id=plan.settlement_id)
        rows.append(
            PlanRow(
                item=line.item,
                standard=line.standard.display_name(),
                per_day=per_day.quantize(Decimal("0.1")),
                for_period=math.ceil(per_day * plan.days),
                case_needs=sum(need.quantity or 1 for need in needs),
                available=int(stock.get(line.item_id, 0) or 0),
            )
        )
    listed = {row.item.pk for row in rows}
    # Items asked for in cases but in no kit (insulin): planned from the needs alone.
    for item in Item.objects.exclude(pk__in=listed).order_by("code"):
        needs = needs_matching(items=[item], settlement_id=plan.settlement_id)
        if needs:
            rows.append(
                PlanRow(
                    item=item,
                    standard=_("Case needs"),
                    per_day=Decimal(0),
                    for_period=0,
                    case_needs=sum(need.quantity or 1 for need in needs),
                    available=int(stock.get(item.pk, 0) or 0),
                )
            )
    return PlanSheet(plan=plan, population=population, claimed=claimed, rows=rows)


@transaction.atomic
def plan_create(
    *,
    settlement_id: str,
    starts_on: dt.date,
    days: int,
    population: int | None,
    note: str = "",
    by: User | None,
) -> Plan:
    """Return a new distribution plan for the settlement."""
    place = Place.objects.filter(pk=text_clean(settlement_id, limit=64, field="settlement")).first()
    if place is None:
        raise InvalidInput(_("Unknown settlement."), field="settlement")
    if not 1 <= days <= 366:
        raise InvalidInput(_("From 1 to 366 days."), field="days")
    if population is not None and not 0 <= population <= 10_000_000:
        raise InvalidInput(_("From 0 to 10,000,000 people."), field="population")
    return Plan.objects.create(
        settlement=place,
        starts_on=starts_on,
        days=days,
        population=population,
        note=text_clean(note, limit=500, field="note"),
        created_by=by,
    )
