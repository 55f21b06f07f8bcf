"""Phone numbers as residents and operators type them, normalised to E.164."""

import re

import phonenumbers

_DIGITS = re.compile(r"\d")
MAX_PHONE_INPUT = 40


def phone_normalise(raw: str) -> str | None:
    """Return the number in E.164, or None when it is not a valid phone number.

    Residents of Kursk oblast write Russian numbers with the domestic 8 prefix
    ("8 910 …"), Ukrainians write 0XX without a country code; both are understood.
    """
    raw = raw.strip()
    if not raw or len(raw) > MAX_PHONE_INPUT:
        return None
    digits = "".join(_DIGITS.findall(raw))
    if raw.startswith("+") or raw.startswith("00"):
        candidate, region = "+" + digits.removeprefix("00"), None
    elif len(digits) == 11 and digits[0] in "78":
        candidate, region = "+7" + digits[1:], None
    elif len(digits) == 12 and digits.startswith("380"):
        candidate, region = "+" + digits, None
    else:
        candidate, region = digits, "UA"
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
