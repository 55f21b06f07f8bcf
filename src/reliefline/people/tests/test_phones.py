import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.people.phones import phone_normalise


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+7 910 123-45-67", "+79101234567"),
        ("8 (910) 123 45 67", "+79101234567"),
        ("79101234567", "+79101234567"),
        ("+380 50 123 4567", "+380501234567"),
        ("050 123 4567", "+380501234567"),
        ("380501234567", "+380501234567"),
        ("0049 30 901820", "+4930901820"),
    ],
)
def test_numbers_as_people_type_them_become_e164(raw: str, e164: str) -> None:
    assert phone_normalise(raw) == e164


@pytest.mark.parametrize("raw", ["", "12345", "+7 000", "not a phone", "+" + "9" * 50])
def test_invalid_numbers_are_rejected(raw: str) -> None:
    assert phone_normalise(raw) is None


@given(st.text(max_size=60))
def test_normalise_never_crashes_and_is_idempotent(raw: str) -> None:
    once = phone_normalise(raw)
    assert phone_normalise(once or "") == once


@given(st.from_regex(r"910[0-9]{7}", fullmatch=True))
def test_russian_mobile_numbers_round_trip_through_the_domestic_8_prefix(digits: str) -> None:
    assert phone_normalise(f"8 {digits}") == phone_normalise(f"+7{digits}") == f"+7{digits}"


_RU_OR_UA = st.one_of(
    st.from_regex(r"7[0-9]{10}", fullmatch=True),
    st.from_regex(r"380[0-9]{9}", fullmatch=True),
    st.from_regex(r"(7|380)[0-9]{0,12}", fullmatch=True),
)


@given(_RU_OR_UA)
def test_fast_path_for_plain_numbers_agrees_with_the_full_parser(digits: str) -> None:
    from reliefline.people.phones import _phone_parse

    assert phone_normalise("+" + digits) == _phone_parse("+" + digits, None)


@given(st.from_regex(r"9[0-9]{9}", fullmatch=True))
def test_fast_path_agrees_with_the_full_parser_on_the_domestic_8_prefix(digits: str) -> None:
    from reliefline.people.phones import _phone_parse

    assert phone_normalise(f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:]}") == _phone_parse(
        "+7" + digits, None
    )
