"""Text a person sent that no database can store, refused with the field it came in."""

from django.utils.translation import gettext as _

from reliefline.errors import InvalidInput


def text_unstorable(value: str) -> bool:
    """Return whether the text holds a NUL or a lone surrogate.

    PostgreSQL refuses NUL in text, and a lone surrogate (a JSON "\\ud800") has no
    UTF-8 form, so either would turn a bad request into a database error.
    """
    if "\x00" in value:
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return True
    return False


def text_check(value: str, *, field: str) -> str:
    """Return the text unchanged, or raise InvalidInput naming the field."""
    if text_unstorable(value):
        raise InvalidInput(_("Contains a character that cannot be stored."), field=field)
    return value
