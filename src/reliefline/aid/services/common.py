"""Input checks shared by the aid services: each raises InvalidInput naming the field."""

from django.utils.translation import gettext as _

from reliefline.aid.errors import UnknownCode
from reliefline.aid.models import Item, Warehouse
from reliefline.errors import InvalidInput
from reliefline.text import text_check

QUANTITY_MAX = 10_000_000


def quantity_check(value: int, *, field: str = "quantity") -> int:
    """Return a positive whole quantity, or raise InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= QUANTITY_MAX:
        raise InvalidInput(
            _("A whole number from 1 to %(n)s.") % {"n": f"{QUANTITY_MAX:,}"}, field=field
        )
    return value


def text_clean(value: str, *, limit: int, field: str, required: bool = False) -> str:
    """Return the text trimmed, or raise InvalidInput when too long, empty or unstorable."""
    value = text_check(value or "", field=field).strip()
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": limit}, field=field)
    if required and not value:
        raise InvalidInput(_("This field is required."), field=field)
    return value


def warehouse_by_code(code: str, *, field: str = "warehouse") -> Warehouse:
    """Return the warehouse with this code, or raise UnknownCode."""
    found = (
        Warehouse.objects.select_related("settlement")
        .filter(code=text_check(code, field=field))
        .first()
    )
    if found is None:
        raise UnknownCode(kind="warehouse", value=code, field=field)
    return found


def item_by_code(code: str, *, field: str = "item") -> Item:
    """Return the item with this code, or raise UnknownCode."""
    found = Item.objects.filter(code=text_check(code, field=field)).first()
    if found is None:
        raise UnknownCode(kind="item", value=code, field=field)
    return found
