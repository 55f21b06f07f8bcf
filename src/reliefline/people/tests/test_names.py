import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.people.names import (
    GIVEN_NAME_GROUPS,
    family_name_key,
    fix_layout,
    given_name_key,
    given_name_table,
    layout_to_cyrillic,
    layout_to_latin,
    patronymic_key,
)
from reliefline.people.synthetic import (
    FEMALE,
    MALE,
    PATRONYMICS,
    romanise_bgn,
    romanise_icao,
    romanise_kmu,
    romanise_street,
)

RUSSIAN_SYSTEMS = (romanise_icao, romanise_bgn, romanise_street)
GIVEN_PAIRS = FEMALE + MALE


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Александр", "Олександр"),
        ("Oleksandr", "Aleksandr"),
        ("Alexander", "Олександр"),
        ("Наталья", "Наталія"),
        ("Анна", "Ганна"),
        ("Hanna", "Anna"),
        ("Дмитрий", "Dmytro"),
        ("Ирина", "Ірина"),
        ("Елена", "Olena"),
        ("Евгений", "Yevhen"),
        ("Николай", "Mykola"),
        ("Пётр", "Petro"),
        ("Фёдор", "Fedir"),
        ("Любовь", "Liubov"),
        ("Надежда", "Nadiia"),
        ("Екатерина", "Kateryna"),
    ],
)
def test_russian_and_ukrainian_forms_of_a_given_name_share_a_key(one: str, other: str) -> None:
    assert given_name_key(one) == given_name_key(other)


@pytest.mark.parametrize(
    ("one", "other"), [("Ирина", "Марина"), ("Иван", "Яна"), ("Олег", "Ольга")]
)
def test_different_given_names_keep_different_keys(one: str, other: str) -> None:
    assert given_name_key(one) != given_name_key(other)


def test_no_spelling_belongs_to_two_given_name_groups() -> None:
    given_name_table.cache_clear()
    table = given_name_table()
    assert len({key for key in table.values()}) == len(GIVEN_NAME_GROUPS)


@given(st.sampled_from(GIVEN_PAIRS), st.sampled_from(RUSSIAN_SYSTEMS))
def test_given_name_key_is_the_same_in_every_script(pair: tuple[str, str], system: object) -> None:
    russian, ukrainian = pair
    key = given_name_key(russian)
    assert given_name_key(ukrainian) == key
    assert given_name_key(romanise_kmu(ukrainian)) == key
    assert given_name_key(system(russian)) == key  # type: ignore[operator]


@given(st.sampled_from(PATRONYMICS), st.sampled_from(RUSSIAN_SYSTEMS))
def test_patronymic_key_is_the_same_in_every_script(
    forms: tuple[str, str, str, str], system: object
) -> None:
    ru_m, ru_f, uk_m, uk_f = forms
    assert patronymic_key(ru_m) == patronymic_key(uk_m) == patronymic_key(romanise_kmu(uk_m))
    assert patronymic_key(ru_f) == patronymic_key(uk_f) == patronymic_key(system(ru_f))  # type: ignore[operator]
    assert patronymic_key(ru_m) != patronymic_key(ru_f)


def test_patronymic_key_names_the_father_and_the_gender() -> None:
    assert patronymic_key("Миколаївна") == patronymic_key("Николаевна") == "николаи:f"


@given(st.text())
def test_given_name_key_never_crashes_and_is_idempotent(text: str) -> None:
    once = given_name_key(text)
    assert given_name_key(once) == once


@given(st.text())
def test_patronymic_key_never_crashes_and_is_idempotent(text: str) -> None:
    once = patronymic_key(text)
    assert patronymic_key(once) == once


@given(st.text())
def test_family_name_key_never_crashes_and_is_idempotent(text: str) -> None:
    once = family_name_key(text)
    assert family_name_key(once) == once


def test_family_name_key_folds_romanisations() -> None:
    assert (
        family_name_key("Vereshchuk") == family_name_key("Верещук") == family_name_key("Vereschuk")
    )


def test_latin_keys_typed_on_a_cyrillic_layout_give_the_name() -> None:
    assert layout_to_cyrillic("Bhbyf Dthtoer") == "Ирина Верещук"


def test_cyrillic_keys_typed_on_a_latin_layout_give_the_name() -> None:
    assert layout_to_latin("Шкнтф") == "Iryna"


@pytest.mark.parametrize(
    ("typed", "direction"),
    [
        ("Bhbyf", "to_cyrillic"),
        ("Yfnfkzs", "to_cyrillic"),
        ("Шкнтф", "to_latin"),
        ("Iryna", None),
        ("Ирина", None),
        ("Irena", None),
    ],
)
def test_fix_layout_recognises_a_given_name_typed_on_the_wrong_layout(
    typed: str, direction: str | None
) -> None:
    assert fix_layout(typed) == direction


@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"))
def test_layout_conversion_round_trips_russian_letters(text: str) -> None:
    assert layout_to_cyrillic(layout_to_latin(text)) == text


@given(st.text())
def test_fix_layout_never_crashes(text: str) -> None:
    assert fix_layout(text) in (None, "to_cyrillic", "to_latin")
