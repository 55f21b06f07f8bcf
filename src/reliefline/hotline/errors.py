from django.utils.translation import gettext as _

from reliefline.errors import Conflict, NotFound


class IllegalTransition(Conflict):
    code = "illegal_transition"

    def __init__(self, *, reference: str, from_status: str, to_status: str) -> None:
        super().__init__(
            _("Case %(ref)s cannot go from %(from)s to %(to)s.")
            % {"ref": reference, "from": from_status, "to": to_status},
            field="status",
        )


class CaseNotFound(NotFound):
    code = "case_not_found"

    def __init__(self, *, reference: str) -> None:
        super().__init__(_("No case %(ref)s.") % {"ref": reference[:20]}, field="reference")
