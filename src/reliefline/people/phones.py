"""Phone numbers as residents and operators type them, normalised to E.164."""

import re

import phonenumbers

_DIGITS = re.compile(r"\d")
MAX_PHONE_INPUT = 40
# A Russian (+7) or Ukrainian (+380) number of the usual length whose national number
# starts with neither a national prefix (8, 0) nor a zero: phonenumbers.parse would
# take it as it stands, so only the validity check is left to do. ASCII digits only.
_PLAIN_E164 = re.compile(r"\+(7)([1-79][0-9]{9})|\+(380)([1-9][0-9]{8})")


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
    plain = _PLAIN_E164.fullmatch(candidate) if region is None else None
    if plain is not None:
        # A bulk import normalises a million of these: skipping parse() and
        # format_number() halves the time, and the answer is the same
        # (people/tests/test_phones.py checks it against the full path).
        code, national = (plain[1], plain[2]) if plain[1] else (plain[3], plain[4])
        number = phonenumbers.PhoneNumber(country_code=int(code), national_number=int(national))
        return candidate if phonenumbers.is_valid_number(number) else None
    return _phone_parse(candidate, region)


def _phone_parse(candidate: str, region: str | None) -> str | None:
    """Return the candidate in E.164 through phonenumbers' full parser, or None."""
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
