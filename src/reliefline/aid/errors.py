import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.errors import Conflict, InvalidInput
from reliefline.people.models import Household


class InsufficientStock(Conflict):
    """Too little on hand; with `expired`, enough on hand but not within its expiry date.

    Both are `insufficient_stock`: the client's answer is the same, and the message
    says how many units are expired and why they are not taken.
    """

    code = "insufficient_stock"

    def __init__(
        self,
        *,
        item: str,
        warehouse: str,
        wanted: int,
        available: int,
        expired: int = 0,
        moving: bool = False,
        field: str = "quantity",
    ) -> None:
        values = {
            "available": available,
            "item": item,
            "warehouse": warehouse,
            "wanted": wanted,
            "expired": expired,
        }
        if not expired:
            message = _(
                "Only %(available)s of %(item)s left at %(warehouse)s; %(wanted)s asked for."
            )
        elif moving:
            message = _(
                "Only %(available)s of %(item)s at %(warehouse)s are within their expiry "
                "date; %(expired)s more are expired and are moved only when their lot is "
                "named. %(wanted)s asked for."
            )
        else:
            message = _(
                "Only %(available)s of %(item)s at %(warehouse)s are within their expiry "
                "date; %(expired)s more are expired and are not handed out. "
                "%(wanted)s asked for."
            )
        super().__init__(message % values, field=field)


class ExpiryDiffers(Conflict):
    """Units with one expiry date (or none) about to join a lot held with another.

    A date is never put on units in stock nor taken off them, so the units are not
    received (or moved, or put back) there.
    """

    code = "expiry_differs"

    def __init__(
        self,
        *,
        lot: str,
        item: str,
        warehouse: str,
        held: dt.date | None,
        units: int,
        expiry: dt.date | None,
        receiving: bool,
        field: str,
    ) -> None:
        values = {
            "lot": lot,
            "item": item,
            "warehouse": warehouse,
            "held": held,
            "units": units,
            "expiry": expiry,
        }
        if held is None:
            message = _(
                "Lot %(lot)s of %(item)s at %(warehouse)s has no expiry date (%(units)s on "
                "hand); these expire on %(expiry)s."
            )
        elif expiry is None:
            message = _(
                "Lot %(lot)s of %(item)s at %(warehouse)s expires on %(held)s (%(units)s on "
                "hand); these have no expiry date."
            )
        else:
            message = _(
                "Lot %(lot)s of %(item)s at %(warehouse)s expires on %(held)s (%(units)s on "
                "hand); these expire on %(expiry)s."
            )
        if receiving:
            rule = _(
                "Stock with different expiry dates is never kept in one lot: receive these "
                "under another lot number."
            )
        else:
            rule = _("Stock with different expiry dates is never kept in one lot.")
        super().__init__(f"{message % values} {rule}", field=field)


class DoubleDipping(Conflict):
    """A distribution breaks a double-dipping rule; a coordinator may override it."""

    code = "double_dipping"

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons), field="lines")


class HouseholdMerged(Conflict):
    """A household a merge folded into another (people.merge): it holds only the merged
    record now, and its family is served as the kept household."""

    code = "household_merged"

    def __init__(self, *, kept: Household) -> None:
        # The hotline's sentence for the same refusal (hotline.services._household_joined).
        super().__init__(
            _("This household was merged into %(household)s; use that one.")
            % {"household": str(kept)},
            field="household_id",
        )


# Whole sentences for each kind of record, so that every language can say them.
_EXISTS = {
    "item": gettext_noop("An item with code %(code)s already exists."),
    "warehouse": gettext_noop("A warehouse with code %(code)s already exists."),
}
_UNKNOWN = {
    "item": gettext_noop("No item has the code %(code)s."),
    "warehouse": gettext_noop("No warehouse has the code %(code)s."),
}
Kind = Literal["item", "warehouse"]


class AlreadyExists(Conflict):
    code = "already_exists"

    def __init__(self, *, kind: Kind, code: str) -> None:
        super().__init__(_(_EXISTS[kind]) % {"code": code[:40]}, field="code")


class AlreadyReversed(Conflict):
    code = "already_reversed"

    def __init__(self, *, movement_id: int) -> None:
        super().__init__(
            _("Movement %(id)s has already been reversed.") % {"id": movement_id}, field="movement"
        )


class SettlesRefusal(Conflict):
    """A LOSS movement that books a refused distribution's write-off (services.refusals)."""

    code = "settles_refusal"

    def __init__(self, *, movement_id: int, reference: str) -> None:
        super().__init__(
            _(
                "Movement %(id)s settles refusal %(ref)s as written off: reversing it would "
                "put the goods back in stock with the refusal still settled. It is not "
                "reversed."
            )
            % {"id": movement_id, "ref": reference},
            field="movement",
        )


class UnknownCode(InvalidInput):
    """A warehouse or item code in a request that names nothing known."""

    code = "unknown"

    def __init__(self, *, kind: Kind, value: str, field: str) -> None:
        super().__init__(_(_UNKNOWN[kind]) % {"code": str(value)[:64]}, field=field)


class AlreadySettled(Conflict):
    code = "already_settled"

    def __init__(self, *, reference: str) -> None:
        super().__init__(
            _("%(ref)s has already been settled.") % {"ref": reference}, field="settlement"
        )


class WriteOffShort(Conflict):
    """The warehouse holds too little to book a refused distribution as a loss."""

    code = "write_off_short"

    def __init__(self, *, reference: str, detail: str) -> None:
        super().__init__(
            _(
                "%(ref)s cannot be written off: %(detail)s Put the stock right first (a "
                "receipt or a count), or settle it another way."
            )
            % {"ref": reference, "detail": detail},
            field="settlement",
        )
