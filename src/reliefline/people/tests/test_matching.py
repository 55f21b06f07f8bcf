import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from reliefline.people.matching import Decision, Identity, score

IRYNA = Identity(
    given_name="Ирина",
    family_name="Верещук",
    patronymic="Николаевна",
    birth_date=dt.date(1979, 10, 30),
    phone="+79101234567",
)


def _query(**fields: object) -> Identity:
    base: dict[str, object] = {"given_name": "Ирина", "family_name": "Верещук", **fields}
    return Identity(**base)  # type: ignore[arg-type]


def test_latin_name_and_same_phone_is_a_match() -> None:
    result = score(
        _query(given_name="Iryna", family_name="Vereshchuk", phone="+79101234567"), IRYNA
    )
    assert result.decision == Decision.MATCH


def test_ukrainian_name_and_birth_date_is_a_match_with_reasons() -> None:
    result = score(
        _query(given_name="Ірина", patronymic="Миколаївна", birth_date=dt.date(1979, 10, 30)), IRYNA
    )
    assert result.decision == Decision.MATCH
    assert "given name Ірина≈Ирина" in result.reasons
    assert "birth date equal" in result.reasons


def test_latin_family_name_is_reported_equal_after_transliteration() -> None:
    result = score(_query(family_name="Vereshchuk", birth_date=dt.date(1979, 10, 30)), IRYNA)
    assert "family name equal after transliteration" in result.reasons


def test_day_month_swap_is_recognised() -> None:
    record = Identity(given_name="Ирина", family_name="Верещук", birth_date=dt.date(1979, 3, 10))
    result = score(_query(birth_date=dt.date(1979, 10, 3)), record)
    assert "birth date day/month swapped" in result.reasons


def test_one_digit_slip_in_birth_date_is_recognised() -> None:
    result = score(_query(birth_date=dt.date(1978, 10, 30)), IRYNA)
    assert "birth date one digit off" in result.reasons


def test_one_digit_slip_in_phone_is_recognised() -> None:
    result = score(_query(phone="+79101234568"), IRYNA)
    assert "phone one digit off" in result.reasons


def test_names_alone_are_only_a_possible_match() -> None:
    assert score(_query(patronymic="Николаевна"), IRYNA).decision == Decision.POSSIBLE


def test_a_different_birth_date_forbids_an_automatic_link() -> None:
    result = score(
        _query(patronymic="Николаевна", phone="+79101234567", birth_date=dt.date(2001, 5, 17)),
        IRYNA,
    )
    assert result.decision != Decision.MATCH


def test_a_relative_sharing_family_name_and_phone_is_not_linked() -> None:
    daughter = _query(given_name="Ольга", patronymic="Сергеевна", phone="+79101234567")
    assert score(daughter, IRYNA).decision != Decision.MATCH


def test_a_stranger_is_not_shown() -> None:
    stranger = Identity(given_name="Павел", family_name="Коваленко", birth_date=dt.date(1950, 1, 2))
    assert score(stranger, IRYNA).decision == Decision.NONE


def test_keyboard_layout_is_undone_and_reported() -> None:
    result = score(_query(given_name="Bhbyf", family_name="Dthtoer", phone="+79101234567"), IRYNA)
    assert result.decision == Decision.MATCH
    assert result.reasons[0] == "typed on the Latin keyboard layout"


def test_a_more_complete_agreement_scores_higher() -> None:
    partial = score(_query(), IRYNA).probability
    fuller = score(_query(birth_date=dt.date(1979, 10, 30)), IRYNA).probability
    assert fuller > partial


@given(
    st.text(max_size=30),
    st.text(max_size=30),
    st.text(max_size=30),
    st.one_of(st.none(), st.dates()),
    st.text(max_size=16),
)
def test_score_is_a_probability_for_any_input(
    given_name: str, family_name: str, patronymic: str, birth: dt.date | None, phone: str
) -> None:
    query = Identity(given_name, family_name, patronymic, birth, phone)
    result = score(query, IRYNA)
    assert 0.0 <= result.probability <= 1.0
    assert all(isinstance(reason, str) for reason in result.reasons)


def test_a_typo_in_a_given_name_outside_the_table_is_similar() -> None:
    record = Identity(given_name="Тетяна", family_name="Іванова", birth_date=dt.date(1939, 2, 9))
    result = score(Identity("Tetina", "Ivanova", "", dt.date(1939, 2, 9)), record)
    assert ("given", "similar") in {(c.feature, c.level) for c in result.comparisons}
