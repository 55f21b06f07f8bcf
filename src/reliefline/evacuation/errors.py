"""The evacuation's domain errors; each maps to one HTTP status (reliefline.api)."""

from django.utils.translation import gettext as _

from reliefline.errors import Conflict


class IllegalCorridorTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, *, name: str, from_label: str, to_label: str) -> None:
        """The statuses by their labels, in the reader's language: the message is read."""
        super().__init__(
            _("Corridor %(name)s cannot go from %(from)s to %(to)s.")
            % {"name": name, "from": from_label, "to": to_label},
            field="status",
        )


class HardConstraint(Conflict):
    """A manual change that would break a rule the allocation engine keeps."""

    code = "hard_constraint"


class PlaceTaken(Conflict):
    code = "place_taken"

    def __init__(self) -> None:
        super().__init__(
            _("Someone else took that place a moment ago; reload and try again."), field="vehicle"
        )


class ConvoyLocked(Conflict):
    code = "convoy_locked"

    def __init__(self, *, name: str) -> None:
        super().__init__(
            _("Convoy %(name)s is locked: its allocation can no longer be rerun.") % {"name": name},
            field="convoy",
        )


class CorridorClosed(Conflict):
    """A planning write on a closed corridor: its closing gave the seats nobody took back
    and told the households told anything not to come, so it takes no more convoys,
    vehicles or places, and tells nobody to come."""

    code = "corridor_closed"

    def __init__(self, *, name: str) -> None:
        super().__init__(
            _(
                "Corridor %(name)s is closed: it takes no more convoys, vehicles or "
                "places, and nobody is told to come."
            )
            % {"name": name},
            field="corridor",
        )


class NotOnConvoy(Conflict):
    """A household removed from a convoy's page while it holds no place on that convoy
    (moved, removed or placed again from another page or tab since)."""

    code = "not_on_convoy"

    def __init__(self, *, convoy: str) -> None:
        super().__init__(
            _(
                "The household holds no place on convoy %(convoy)s any more: the page is "
                "out of date. Reload it."
            )
            % {"convoy": convoy},
            field="request",
        )


class IllegalBoarding(Conflict):
    code = "illegal_boarding"

    def __init__(self, *, status: str, to: str) -> None:
        super().__init__(
            _("A passenger who is %(status)s cannot be marked %(to)s.")
            % {"status": status, "to": to},
            field="status",
        )


class AlreadyMarked(Conflict):
    """The mark asked for is the one the passenger has: a second scan of the same code, or
    a mark another phone made first. Refused, so the mark and its event are written once;
    a resend of the same request after a lost answer is no second mark but a replay of
    the first answer (access.idempotency)."""

    code = "already_marked"

    def __init__(self, *, status: str) -> None:
        """`status` is the placement's status (a value of PlacementStatus): boarded,
        no_show or arrived, the marks of the field page."""
        messages = {
            "boarded": _("This passenger is already on board."),
            "no_show": _("This passenger is already marked as a no-show."),
            "arrived": _("This passenger has already arrived."),
        }
        super().__init__(messages[status], field="status")
