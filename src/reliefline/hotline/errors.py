from django.utils.translation import gettext as _

from reliefline.errors import Conflict, NotFound


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, *, reference: str, from_label: str, to_label: str) -> None:
        """The statuses by their labels, in the reader's language: the message is read."""
        super().__init__(
            _("Case %(ref)s cannot go from %(from)s to %(to)s.")
            % {"ref": reference, "from": from_label, "to": to_label},
            field="status",
        )


class CaseNotFound(NotFound):
    code = "case_not_found"

    def __init__(self, *, reference: str, field: str = "reference") -> None:
        super().__init__(_("No case %(ref)s.") % {"ref": reference[:20]}, field=field)
