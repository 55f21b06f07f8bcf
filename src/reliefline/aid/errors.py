from django.utils.translation import gettext as _

from reliefline.errors import Conflict, InvalidInput


class InsufficientStock(Conflict):
    code = "insufficient_stock"

    def __init__(self, *, item: str, warehouse: str, wanted: int, available: int) -> None:
        super().__init__(
            _("Only %(available)s of %(item)s left at %(warehouse)s; %(wanted)s asked for.")
            % {"available": available, "item": item, "warehouse": warehouse, "wanted": wanted},
            field="quantity",
        )


class DoubleDipping(Conflict):
    """A distribution breaks a double-dipping rule; a coordinator may override it."""

    code = "double_dipping"

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(" ".join(reasons), field="lines")


class AlreadyExists(Conflict):
    code = "already_exists"

    def __init__(self, *, what: str, code: str) -> None:
        super().__init__(
            _("A %(what)s with code %(code)s already exists.") % {"what": what, "code": code[:40]},
            field="code",
        )


class AlreadyReversed(Conflict):
    code = "already_reversed"

    def __init__(self, *, movement_id: int) -> None:
        super().__init__(
            _("Movement %(id)s has already been reversed.") % {"id": movement_id}, field="movement"
        )


class UnknownCode(InvalidInput):
    """A warehouse or item code in a request that names nothing known."""

    code = "unknown"

    def __init__(self, *, what: str, value: str, field: str) -> None:
        super().__init__(
            _("No %(what)s %(value)s.") % {"what": what, "value": str(value)[:64]}, field=field
        )
