"""The Russian ё in every spelling an operator types: е, ьо, йо, yo, jo, io, and the о of KMU-2010."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from reliefline.people.matching import Decision, Identity, KeyKind, score
from reliefline.people.models import Person, PersonKey
from reliefline.people.names import family_name_key, given_name_key
from reliefline.people.selectors import MatchQuery, person_match
from reliefline.people.synthetic import (
    romanise_bgn,
    romanise_icao,
    romanise_kmu,
    romanise_street,
    ukrainian_spelling,
)
from reliefline.people.tests.factories import PersonFactory
from reliefline.translit import skeleton, yo_variants

# Spellings of one word that share a skeleton: Russian with and without the dots,
# Ukrainian ьо/йо, and the romanisations yo, jo, io, e.
SAME_SKELETON = [
    ("Пономарёв", "Пономарев"),
    ("Пономарёв", "Пономарьов"),
    ("Пономарёв", "Ponomarev"),
    ("Пономарёв", "Ponomaryov"),
    ("Пономарёв", "Ponomariov"),
    ("Пономарёв", "Ponomarjow"),
    ("Ковалёв", "Ковальов"),
    ("Ковалёв", "Kovalyov"),
    ("Ковалёв", "Kovaliov"),
    ("Семёнов", "Семенов"),
    ("Семёнов", "Семьонов"),
    ("Соловьёв", "Соловйов"),
    ("Соловьёв", "Soloviov"),
    ("Фёдор", "Fyodor"),
    ("Фёдор", "Fedor"),
    ("Артём", "Артем"),
    ("Артём", "Artiom"),
    ("Артём", "Artyom"),
    ("Йосип", "Yosyp"),
]
# Where the ё became a plain о (KMU-2010 drops the ь of ьо; Ukrainian о after ч).
YO_AS_O = [
    ("Пономарёв", "Ponomarov"),
    ("Пономарев", "Ponomarov"),
    ("Пономарьов", "Ponomarov"),
    ("Ковалёв", "Kovalov"),
    ("Ковальов", "Kovalov"),
    ("Семёнов", "Semonov"),
    ("Горбачёв", "Горбачов"),
    ("Горбачев", "Horbachov"),
]
# Different names, and names differing by more than how a ё was spelled.
DIFFERENT = [
    ("Попов", "Попова"),
    ("Ковалёв", "Ковалёва"),
    ("Пономаренко", "Пономарев"),
    ("Пономаренко", "Ponomarov"),
    ("Коваленко", "Kovalov"),
    ("Осипов", "Есипов"),
    ("Белова", "Болева"),
    ("Ковалёв", "Коваль"),
    ("Семенов", "Симонов"),
]


@pytest.mark.parametrize(("one", "other"), SAME_SKELETON)
def test_spellings_of_yo_share_a_skeleton(one: str, other: str) -> None:
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), YO_AS_O)
def test_yo_written_o_is_a_variant_of_yo_written_e(one: str, other: str) -> None:
    assert yo_variants(skeleton(one), skeleton(other))


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_names_neither_share_a_skeleton_nor_are_yo_variants(one: str, other: str) -> None:
    assert family_name_key(one) != family_name_key(other)
    assert not yo_variants(family_name_key(one), family_name_key(other))


@pytest.mark.parametrize("spelling", ["Федір", "Fedir", "Fyodor", "Fedor", "Федор"])
def test_spellings_of_fyodor_share_a_given_name_key(spelling: str) -> None:
    assert given_name_key(spelling) == given_name_key("Фёдор")


@pytest.mark.parametrize("spelling", ["Артем", "Artem", "Artiom", "Artyom"])
def test_spellings_of_artyom_share_a_given_name_key(spelling: str) -> None:
    assert given_name_key(spelling) == given_name_key("Артём")


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        (("Геннадий", "Пономарёв"), ("Hennadii", "Ponomarov")),
        (("Геннадий", "Пономарёв"), ("Геннадій", "Пономарьов")),
        (("Геннадий", "Пономарёв"), ("Hennadii", "Ponomariov")),
        (("Валерий", "Ковалёв"), ("Valerii", "Kovalov")),
        (("Валерий", "Ковалёв"), ("Валерій", "Ковальов")),
        (("Валерий", "Ковальов"), ("Valerii", "Kovalyov")),
        (("Артём", "Семёнов"), ("Artiom", "Semonov")),
    ],
)
def test_a_full_name_alone_in_any_yo_spelling_is_a_possible_match(
    registered: tuple[str, str], typed: tuple[str, str]
) -> None:
    record = Identity(given_name=registered[0], family_name=registered[1])
    result = score(Identity(given_name=typed[0], family_name=typed[1]), record)
    assert result.decision == Decision.POSSIBLE
    assert ("family", "equal") in {(c.feature, c.level) for c in result.comparisons}


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        (("Иван", "Попов"), ("Иван", "Попова")),
        (("Иван", "Пономаренко"), ("Иван", "Пономарев")),
        (("Иван", "Пономаренко"), ("Ivan", "Ponomarov")),
    ],
)
def test_a_full_name_alone_does_not_find_another_family_name(
    registered: tuple[str, str], typed: tuple[str, str]
) -> None:
    record = Identity(given_name=registered[0], family_name=registered[1])
    result = score(Identity(given_name=typed[0], family_name=typed[1]), record)
    assert result.decision == Decision.NONE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        (("Геннадий", "Пономарёв"), ("Hennadii", "Ponomarov")),
        (("Геннадий", "Пономарёв"), ("Геннадій", "Пономарьов")),
        (("Валерий", "Ковалёв"), ("Valerii", "Kovalov")),
        (("Валерий", "Ковалёв"), ("Валерій", "Ковальов")),
        (("Геннадій", "Пономарьов"), ("Геннадий", "Пономарев")),
    ],
)
def test_intake_finds_a_yo_name_typed_the_ukrainian_way_without_a_birth_date(
    registered: tuple[str, str], typed: tuple[str, str]
) -> None:
    person = PersonFactory(given_name=registered[0], family_name=registered[1], patronymic="")
    PersonFactory(given_name=registered[0], family_name="Пономаренко", patronymic="")
    found = person_match(MatchQuery(given_name=typed[0], family_name=typed[1]))
    assert [c.person for c in found] == [person]
    assert found[0].decision == Decision.POSSIBLE


@pytest.mark.django_db
def test_migration_rekeys_a_person_indexed_with_the_old_skeleton() -> None:
    person = PersonFactory(given_name="Геннадій", family_name="Пономарьов")
    other = PersonFactory(given_name="Ірина", family_name="Верещук")
    # As the code before 0008 indexed them: ьо read as a plain о.
    Person.objects.filter(pk=person.pk).update(name_key="пономаров генади")
    PersonKey.objects.filter(person=person, kind=KeyKind.FAMILY).update(value="пономаров")
    untouched = set(PersonKey.objects.filter(person=other).values_list("pk", flat=True))

    migration = importlib.import_module("reliefline.people.migrations.0008_rekey_yo_spellings")
    migration.rekey(apps, None)

    person.refresh_from_db()
    assert person.name_key == "пономарев генади"
    assert PersonKey.objects.get(person=person, kind=KeyKind.FAMILY).value == "пономарев"
    assert set(PersonKey.objects.filter(person=other).values_list("pk", flat=True)) == untouched


# Russian words with one ё after a consonant (or first), made of letters every
# romanisation here spells one way: consonant-vowel syllables around the ё.
_CONSONANT = st.sampled_from("бвгдзклмнпрт")
_SYLLABLE = st.tuples(_CONSONANT, st.sampled_from("аоуие")).map("".join)
YO_WORDS = st.builds(
    lambda head, before, tail, last: head + before + "ё" + tail + last,
    st.lists(_SYLLABLE, max_size=3).map("".join),
    st.one_of(st.just(""), _CONSONANT),
    st.lists(_SYLLABLE, max_size=2).map("".join),
    _CONSONANT,
).map(str.capitalize)


@given(YO_WORDS, st.sampled_from((romanise_icao, romanise_bgn, romanise_street)))
def test_russian_yo_word_has_one_skeleton_in_every_script(word: str, romanise: object) -> None:
    key = skeleton(word)
    assert skeleton(word.replace("ё", "е")) == key
    assert skeleton(ukrainian_spelling(word)) == key
    assert skeleton(romanise(word)) == key  # type: ignore[operator]


@given(YO_WORDS)
def test_kmu_romanisation_of_a_yo_word_is_the_same_or_a_yo_variant(word: str) -> None:
    key, kmu = skeleton(word), skeleton(romanise_kmu(ukrainian_spelling(word)))
    assert kmu == key or yo_variants(kmu, key)


@given(st.text(alphabet="ёЁьЬйЙоОoOiIyYjJеЕпрвлкаю -'", max_size=30))
def test_skeleton_of_yo_spellings_is_idempotent(text: str) -> None:
    once = skeleton(text)
    assert skeleton(once) == once


@given(st.text(max_size=30), st.text(max_size=30))
def test_yo_variants_is_symmetric_and_never_holds_for_equal_keys(one: str, other: str) -> None:
    one, other = skeleton(one), skeleton(other)
    assert yo_variants(one, other) == yo_variants(other, one)
    assert not yo_variants(one, one)


def test_a_yo_variant_is_equal_for_the_scorer_and_keeps_the_veto() -> None:
    record = Identity(
        given_name="Геннадий", family_name="Пономарёв", birth_date=dt.date(1961, 4, 2)
    )
    other_date = Identity(
        given_name="Hennadii", family_name="Ponomarov", birth_date=dt.date(1975, 9, 14)
    )
    assert score(other_date, record).decision != Decision.MATCH
