"""How people write a settlement's name, folded to the keys that place search compares.

Operators and residents type a name as they would address a letter: with the kind of
settlement in front (с. Гуєво, г. Суджа, смт Хотінь, village Guyevo), the district or
oblast after a comma (Суджа, Курська обл.), in the scientific romanisation (Sudža), or,
for a Russian village the gazetteer names only in Russian, as Ukrainian spells it
(Кореневе for Коренево, Мартинівка for Мартыновка). Every key is a skeleton
(reliefline.translit), so the script typed never matters.
"""

import re

from reliefline.translit import hacek_spell, skeleton

QUERY_MAX = 100


def name_key(name: str) -> str:
    """Return the skeleton a settlement's name is searched by, háček letters spelled out."""
    return skeleton(hacek_spell(name))


# Only the first clause names the settlement: "Суджа, Курська обл." or "Суджа (Курская
# область)" add where it is.
_CLAUSES = re.compile(r"[,;()\[\]]")

# The kinds of settlement typed in front of a name, abbreviated or not, in Russian,
# Ukrainian, English and their romanisations. Not слобода, станица or село after a
# name: Нова Слобода, Станица Луганская and Старе Село are names.
_KINDS = (
    "с", "село", "сел", "селище", "с-ще", "селище міського типу", "смт", "м", "місто",
    "хутір", "п", "пос", "посёлок", "поселок", "посёлок городского типа", "пгт", "р.п.",
    "рп", "рабочий посёлок", "д", "дер", "деревня", "г", "гор", "город", "х", "хут", "хутор",
    "village", "vil", "town", "city", "hamlet", "settlement", "urban-type settlement",
    "urban settlement", "selo", "selyshche", "posyolok", "poselok", "derevnya", "gorod",
    "misto", "khutor", "khutir",
)  # fmt: skip
# A word is what lies between spaces and dots: "с.Гуєво" is two, a hyphenated name
# (Хутір-Михайлівський) one, so a kind is never taken from the front of a name.
_WORD_TEXT = re.compile(r"[^\s.]+")


def _words(text: str) -> list[re.Match[str]]:
    return [word for word in _WORD_TEXT.finditer(text) if name_key(word.group(0))]


def _word_keys(words: list[re.Match[str]]) -> tuple[str, ...]:
    return tuple(name_key(word.group(0)) for word in words)


_KIND_KEYS = frozenset(_word_keys(_words(kind)) for kind in _KINDS)
_KIND_WORDS_MAX = max(len(key) for key in _KIND_KEYS)
# English puts the kind after the name (Guyevo village); no settlement's name ends in
# an English word, so there it is safe to drop too.
_KINDS_AFTER = frozenset(name_key(kind) for kind in ("village", "town", "city", "settlement"))

# Ukrainian spells the endings of Russian place names its own way (Коренево Кореневе,
# Мартыновка Мартинівка, Кучеров Кучерів, Благодатное Благодатне, Замостье Замостя).
# Longest first: one ending is replaced per word. A change inside the word (Белая Біла,
# Песчаное Піщане) cannot be told from the spelling, and is not guessed.
_UKRAINIAN_ENDINGS = (
    ("полье", "пілля"),
    ("овка", "івка"), ("евка", "івка"), ("ёвка", "івка"),
    ("ово", "ове"), ("ево", "еве"), ("ёво", "ьове"), ("ино", "іне"), ("ыно", "ине"),
    ("ье", "я"), ("ое", "е"), ("ая", "а"), ("ие", "і"), ("ые", "і"),
    ("ов", "ів"), ("ев", "ів"), ("ёв", "ів"),
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")


def _ukrainian_word(match: re.Match[str]) -> str:
    word = match.group(0)
    for ending, ukrainian in _UKRAINIAN_ENDINGS:
        # The stem keeps at least two letters: Ов, Ая or Ое are not endings.
        if word.endswith(ending) and len(word) >= len(ending) + 2:
            return word[: -len(ending)] + ukrainian
    return word


def ukrainian_spelling(name_ru: str) -> str:
    """Return a Russian place name with its endings as Ukrainian writes them.

    Коренево gives кореневе, Мартыновка мартинівка (its ы folds with и in the
    skeleton), Черкасское Поречное черкасске поречне. Only a guess for search: the
    gazetteer's own Ukrainian name, where it has one, is what is shown.
    """
    return _WORD.sub(_ukrainian_word, name_ru.lower())


def _without_kind(words: list[re.Match[str]]) -> list[re.Match[str]]:
    keys = _word_keys(words)
    cut = 0
    while True:
        for size in range(_KIND_WORDS_MAX, 0, -1):
            if len(keys) - cut > size and keys[cut : cut + size] in _KIND_KEYS:
                cut += size
                break
        else:
            break
    end = len(keys)
    while end - cut > 1 and keys[end - 1] in _KINDS_AFTER:
        end -= 1
    return words[cut:end]


def place_query_name(query: str) -> str:
    """Return the name in what was typed to find a settlement, or "" for none.

    The first clause counts, without the kind of settlement in front of the name:
    "с. Гуєво", "село Гуєво" and "Гуєво, Суджанський р-н" all give "Гуєво". A kind
    typed alone stays (Село, Город), as a name is still being typed.
    """
    for clause in _CLAUSES.split(query[:QUERY_MAX]):
        words = _without_kind(_words(clause))
        if words:
            return clause[words[0].start() : words[-1].end()]
    return ""


def place_query_key(query: str) -> str:
    """Return the key to search settlements by for what was typed (place_query_name)."""
    return name_key(place_query_name(query))
