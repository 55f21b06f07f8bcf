import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.translit import hacek_spell, skeleton


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Суджа", "Sudzha"),
        ("Суджа", "Sudja"),
        ("Ірина Верещук", "Ирина Верещук"),
        ("Iryna Vereshchuk", "Irina Vereshchuk"),
        ("Ирина Верещук", "Irina Vereshchuk"),
        ("Глухів", "Hlukhiv"),
        ("Наталья", "Наталія"),
        ("Наталья", "Natalia"),
        ("Nataliya", "Natalia"),
        ("Свеса", "Свесса"),
        ("Льгов", "L’gov"),
        ("Рыльск", "Ryl'sk"),
        ("Юлія", "Yuliia"),
        ("Щербак", "Shcherbak"),
    ],
)
def test_spellings_of_one_name_share_a_skeleton(one: str, other: str) -> None:
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(
    ("one", "other"), [("Суджа", "Сумы"), ("Ирина", "Марина"), ("Kursk", "Rylsk")]
)
def test_different_names_keep_different_skeletons(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)


@given(st.text())
def test_skeleton_never_crashes_and_is_idempotent(text: str) -> None:
    once = skeleton(text)
    assert skeleton(once) == once


@given(st.text(alphabet="абвгґдеєжзиіїйклмнопрстуфхцчшщьюяёыэъ -'", max_size=40))
def test_skeleton_of_cyrillic_uses_only_canonical_letters(text: str) -> None:
    assert set(skeleton(text)) <= set("абвгдежзиклмнопрстуфцчшщюя ")


@pytest.mark.parametrize(
    ("hacek", "plain"),
    [("Sudža", "Sudzha"), ("Šostka", "Shostka"), ("Čuikivka", "Chuikivka"), ("Ščors", "Щорс")],
)
def test_hacek_letters_fold_as_their_spelled_out_romanisation(hacek: str, plain: str) -> None:
    assert skeleton(hacek_spell(hacek)) == skeleton(plain)


@given(st.text())
def test_hacek_spell_never_crashes_and_is_idempotent(text: str) -> None:
    once = hacek_spell(text)
    assert hacek_spell(once) == once
