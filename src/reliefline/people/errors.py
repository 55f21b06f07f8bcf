from django.utils.translation import gettext as _

from reliefline.errors import InvalidInput


class InvalidPhone(InvalidInput):
    code = "invalid_phone"

    def __init__(self, *, field: str, value: str) -> None:
        super().__init__(
            _("%(value)s is not a valid phone number.") % {"value": value[:40]}, field=field
        )
