"""Name normalisers for identity matching: one key per name, whatever the script.

Every function here returns a key in the space of reliefline.translit.skeleton
(lower-case canonical Cyrillic letters), so a name typed in Russian, in Ukrainian or
in any romanisation of either folds to the same key:

- given_name_key: Russian and Ukrainian forms of one given name are one name
  (Александр/Олександр/Oleksandr, Анна/Ганна, Дмитрий/Дмитро). The equivalences are
  GIVEN_NAME_GROUPS below, compiled for reliefline from common usage (no external
  source); the first spelling of a group, folded, is the key of the whole group.
- patronymic_key: the father's given name key plus the gender of the patronymic, so
  Николаевна, Миколаївна and Mykolaivna all give "николаи:f".
- family_name_key: the skeleton, plus consonant_key for blocking on vowel typos.
- layout_to_cyrillic / layout_to_latin and fix_layout: names typed with the wrong
  keyboard layout (ЙЦУКЕН vs QWERTY), "Bhbyf" for «Ирина».

Every key function is idempotent: a key given back in returns itself.
"""

import re
from functools import cache, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from reliefline.translit import skeleton

# One group a line: a Russian form first (its skeleton is the key), then Ukrainian
# forms and the Latin spellings that skeleton() does not already fold to one of them.
GIVEN_NAME_GROUPS: tuple[str, ...] = (
    "Александр Олександр Alexander Alexandr",
    "Александра Олександра Alexandra",
    "Алексей Олексій Alexey Alexei Oleksiy",
    "Алина Аліна",
    "Анастасия Анастасія Anastasiya",
    "Анатолий Анатолій",
    "Ангелина Ангеліна",
    "Андрей Андрій Andriy Andrii Andrew",
    "Анна Ганна Hanna Ganna",
    "Антон",
    "Антонина Антоніна",
    "Аркадий Аркадій",
    "Артём Артем Artyom",
    "Богдан",
    "Богдана",
    "Борис",
    "Вадим",
    "Валентин",
    "Валентина",
    "Валерий Валерій",
    "Валерия Валерія",
    "Василий Василь Vasily Vasyl",
    "Вера Віра",
    "Вероника Вероніка",
    "Виктор Віктор Victor",
    "Виктория Вікторія Victoria",
    "Виталий Віталій",
    "Владимир Володимир Wladimir",
    "Владислав",
    "Вячеслав В'ячеслав",
    "Галина Halyna",
    "Геннадий Геннадій",
    "Георгий Георгій",
    "Григорий Григорій Grigory Hryhoriy",
    "Даниил Данило Danylo Daniil",
    "Дарья Дар'я Дарина",
    "Денис",
    "Диана Діана",
    "Дмитрий Дмитро Dmitry Dmytro",
    "Евгений Євген Yevhen Evgeny Yevgeny Evgenii",
    "Евгения Євгенія",
    "Егор Єгор",
    "Екатерина Катерина Yekaterina Kateryna",
    "Елена Олена Yelena Helena",
    "Елизавета Єлизавета",
    "Жанна",
    "Зинаида Зінаїда",
    "Зоя",
    "Иван Іван",
    "Игорь Ігор Ihor",
    "Илья Ілля Illia Ilya",
    "Инна Інна",
    "Иосиф Йосип",
    "Ирина Ірина Irene",
    "Карина",
    "Кирилл Кирило",
    "Константин Костянтин Kostiantyn",
    "Кристина Христина Khrystyna",
    "Ксения Ксенія",
    "Лариса",
    "Лев",
    "Леонид Леонід",
    "Лидия Лідія",
    "Любовь Любов",
    "Людмила Ludmila Ludmilla",
    "Максим",
    "Маргарита",
    "Марина",
    "Мария Марія Maria",
    "Матвей Матвій",
    "Михаил Михайло Mikhail",
    "Надежда Надія Nadiya",
    "Наталья Наталія Наталя Natalie",
    "Никита Микита",
    "Николай Микола Nikolay Nicholas",
    "Нина Ніна",
    "Оксана",
    "Олег",
    "Олеся",
    "Ольга Olha",
    "Павел Павло",
    "Пётр Петро Peter",
    "Полина Поліна",
    "Раиса Раїса",
    "Роман",
    "Ростислав",
    "Руслан",
    "Светлана Світлана",
    "Святослав",
    "Семён Семен",
    "Сергей Сергій Serhiy Serhii",
    "Софья Софія София Sophia",
    "Станислав Станіслав",
    "Степан",
    "Тамара",
    "Тарас",
    "Татьяна Тетяна",
    "Тимофей Тимофій",
    "Фёдор Федір",
    "Эдуард Едуард",
    "Юлия Юлія Julia",
    "Юрий Юрій",
    "Яна",
    "Ярослав",
    "Ярослава",
)


@cache
def given_name_table() -> dict[str, str]:
    """Return skeleton -> key of every spelling in GIVEN_NAME_GROUPS (built once)."""
    table: dict[str, str] = {}
    for group in GIVEN_NAME_GROUPS:
        spellings = group.split()
        key = skeleton(spellings[0])
        for spelling in spellings:
            folded = skeleton(spelling)
            if table.get(folded, key) != key:
                raise ValueError(f"{spelling} folds into two given-name groups")
            table[folded] = key
    return table


@lru_cache(maxsize=65536)
def given_name_key(text: str) -> str:
    """Return the key of a given name: its group's key when known, else its skeleton."""
    table = given_name_table()
    return " ".join(table.get(word, word) for word in skeleton(text).split())


def is_known_given_name(text: str) -> bool:
    """Return whether every word of the name is in GIVEN_NAME_GROUPS."""
    words = skeleton(text).split()
    return bool(words) and all(word in given_name_table() for word in words)


# Patronymic endings in skeleton space, longest first: Ukrainian -йович/-ївна and
# Russian -евич/-евна fold to "иович"/"ивна"/"евич"/"евна" once й/ї/і become и.
_PATRONYMIC_ENDINGS = (
    ("иович", "m"),
    ("иевич", "m"),
    ("ович", "m"),
    ("евич", "m"),
    ("ич", "m"),
    ("иовна", "f"),
    ("ивна", "f"),
    ("овна", "f"),
    ("евна", "f"),
    ("ична", "f"),
    ("инична", "f"),
)
# The father's name is the stem, or the stem plus the letter the ending swallowed
# (Николай -> Никола-евна, Алексей -> Алекс-еевич, Сергій -> Серг-ійович).
_STEM_ENDINGS = ("", "и", "еи", "а", "о", "я")
_PATRONYMIC_KEY = re.compile(r"^[а-я]+:[mf]$")


@lru_cache(maxsize=65536)
def patronymic_key(text: str) -> str:
    """Return "<father's given name key>:<m|f>", or the skeleton when it is no patronymic.

    Миколаївна, Николаевна and Mykolaivna all give "николаи:f".
    """
    if _PATRONYMIC_KEY.match(text):
        return text
    word = family_name_key(text)
    for ending, gender in sorted(_PATRONYMIC_ENDINGS, key=lambda e: -len(e[0])):
        stem = word.removesuffix(ending)
        if stem == word or len(stem) < 2:
            continue
        table = given_name_table()
        for extra in _STEM_ENDINGS:
            if stem + extra in table:
                return f"{table[stem + extra]}:{gender}"
        return f"{stem}:{gender}"
    return word


@lru_cache(maxsize=65536)
def family_name_key(text: str) -> str:
    """Return the script-independent key of a family name (its skeleton, one word)."""
    # Fold again once joined: joining can make a new doubled letter ("Ив Ванов").
    return skeleton(skeleton(text).replace(" ", ""))


_VOWELS = re.compile("[аеиоуюя]")


def consonant_key(key: str) -> str:
    """Return the consonants of a skeleton key: a blocking key that survives vowel typos."""
    return _VOWELS.sub("", key)


# The same key of a ЙЦУКЕН keyboard (Russian; Ukrainian і ї є on ы ъ э) and of QWERTY.
_QWERTY = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_JCUKEN = "йцукенгшщзхъфывапролджэячсмитьбюё"
_UKRAINIAN_KEYS = {"і": "s", "ї": "]", "є": "'", "ґ": "u"}
_TO_CYRILLIC = {
    **dict(zip(_QWERTY, _JCUKEN, strict=True)),
    **{
        lat.upper(): cyr.upper() for lat, cyr in zip(_QWERTY, _JCUKEN, strict=True) if lat.isalpha()
    },
    "{": "Х",
    "}": "Ъ",
    ":": "Ж",
    '"': "Э",
    "<": "Б",
    ">": "Ю",
    "~": "Ё",
}
_TO_LATIN = {
    **{cyr: lat for lat, cyr in _TO_CYRILLIC.items()},
    **_UKRAINIAN_KEYS,
    **{cyr.upper(): lat.upper() for cyr, lat in _UKRAINIAN_KEYS.items()},
}


def layout_to_cyrillic(text: str) -> str:
    """Return what the keys pressed would have typed on a ЙЦУКЕН layout ("Bhbyf" -> "Ирина")."""
    return "".join(_TO_CYRILLIC.get(ch, ch) for ch in text)


def layout_to_latin(text: str) -> str:
    """Return what the keys pressed would have typed on a QWERTY layout ("Шкнтф" -> "Iryna")."""
    return "".join(_TO_LATIN.get(ch, ch) for ch in text)


_LATIN_LETTER = re.compile(r"[A-Za-z]")
_CYRILLIC_LETTER = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")


# How close (Jaro-Winkler) a given name must come to a known one to count as a name.
NAME_LIKE = 0.85


def _name_likeness(text: str) -> float:
    """Return how close the text comes to a known given name (1.0 = it is one)."""
    key = skeleton(text).replace(" ", "")
    if not key:
        return 0.0
    if key in given_name_table():
        return 1.0
    best = process.extractOne(key, given_name_table().keys(), scorer=JaroWinkler.similarity)
    return float(best[1]) if best else 0.0


def fix_layout(given_name: str) -> str | None:
    """Return "to_cyrillic" or "to_latin" when the given name was typed in the wrong layout.

    A given name that is (nearly, a typo allowed) a known name only on the other
    keyboard layout was typed with the wrong layout; the caller converts every name
    field of the same query.
    """
    if not given_name.strip():
        return None
    if _LATIN_LETTER.search(given_name):
        direction, converted = "to_cyrillic", layout_to_cyrillic(given_name)
    elif _CYRILLIC_LETTER.search(given_name):
        direction, converted = "to_latin", layout_to_latin(given_name)
    else:
        return None
    as_typed = _name_likeness(given_name)
    if as_typed >= 1.0:
        return None
    other = _name_likeness(converted)
    return direction if other >= NAME_LIKE and other > as_typed else None


def convert_layout(text: str, direction: str | None) -> str:
    """Return the text converted in the direction fix_layout() found (or unchanged)."""
    if direction == "to_cyrillic":
        return layout_to_cyrillic(text)
    if direction == "to_latin":
        return layout_to_latin(text)
    return text
