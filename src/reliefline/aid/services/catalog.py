"""Items and warehouses: created by coordinators, never deleted once stock moved."""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reliefline.aid.errors import AlreadyExists
from reliefline.aid.models import Item, ItemKind, Unit, Warehouse
from reliefline.aid.services.common import text_clean
from reliefline.errors import InvalidInput
from reliefline.places.models import Place

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")


def _code(value: str) -> str:
    value = text_clean(value, limit=40, field="code", required=True)
    if not CODE.match(value):
        raise InvalidInput(_("Letters, digits, - and _ only, at most 40."), field="code")
    return value


@dataclass(frozen=True)
class ItemInput:
    code: str
    name_en: str
    name_uk: str = ""
    name_ru: str = ""
    unit: str = Unit.PIECE
    pack_size: int = 1
    kind: str = ItemKind.OTHER
    litres_per_unit: Decimal = Decimal(0)
    kcal_per_unit: int = 0


@transaction.atomic
def item_create(data: ItemInput, *, by: User | None) -> Item:
    """Return the new item, or raise InvalidInput / AlreadyExists (409)."""
    code = _code(data.code)
    names = {
        f"name_{lang}": text_clean(
            getattr(data, f"name_{lang}"), limit=120, field=f"name.{lang}", required=lang == "en"
        )
        for lang in ("en", "uk", "ru")
    }
    if data.unit not in Unit.values:
        raise InvalidInput(_("Unknown unit %(u)s.") % {"u": str(data.unit)[:20]}, field="unit")
    if data.kind not in ItemKind.values:
        raise InvalidInput(_("Unknown kind %(k)s.") % {"k": str(data.kind)[:20]}, field="kind")
    if not 1 <= data.pack_size <= 100_000:
        raise InvalidInput(_("A pack holds 1 to 100,000 units."), field="pack_size")
    if not Decimal(0) <= data.litres_per_unit <= Decimal(10_000):
        raise InvalidInput(_("From 0 to 10,000 litres."), field="litres_per_unit")
    if not 0 <= data.kcal_per_unit <= 1_000_000:
        raise InvalidInput(_("From 0 to 1,000,000 kcal."), field="kcal_per_unit")
    if Item.objects.filter(code=code).exists():
        raise AlreadyExists(kind="item", code=code)
    try:
        with transaction.atomic():
            return Item.objects.create(
                code=code,
                unit=data.unit,
                pack_size=data.pack_size,
                kind=data.kind,
                litres_per_unit=data.litres_per_unit,
                kcal_per_unit=data.kcal_per_unit,
                **names,
            )
    except IntegrityError:  # created meanwhile by someone else
        raise AlreadyExists(kind="item", code=code) from None


@transaction.atomic
def warehouse_create(
    *, code: str, name: str, settlement_id: str, mobile: bool = False, by: User | None
) -> Warehouse:
    """Return the new warehouse or distribution point at a gazetteer settlement."""
    code = _code(code)
    name = text_clean(name, limit=120, field="name", required=True)
    settlement_id = text_clean(settlement_id, limit=64, field="settlement", required=True)
    settlement = Place.objects.filter(pk=settlement_id).first()
    if settlement is None:
        raise InvalidInput(
            _("Unknown settlement %(id)s.") % {"id": settlement_id}, field="settlement"
        )
    if Warehouse.objects.filter(code=code).exists():
        raise AlreadyExists(kind="warehouse", code=code)
    try:
        with transaction.atomic():
            return Warehouse.objects.create(
                code=code, name=name, settlement=settlement, mobile=mobile
            )
    except IntegrityError:
        raise AlreadyExists(kind="warehouse", code=code) from None
