"""Free text understood well enough to pre-fill a case; an operator confirms it.

Language is told by a documented heuristic rather than a model, so the result is
explainable and the same on every machine:

- letters only Ukrainian has (і ї є ґ) count for Ukrainian, letters only Russian has
  (ы э ъ ё) count for Russian, two points each;
- frequent short words of each language count one point each (Ukrainian «що», «мені»,
  «потрібно», Russian «что», «мне», «нужно», ...);
- text with more Latin than Cyrillic letters is English;
- Cyrillic with a tie (no distinctive letter or word) is Russian, the language most
  residents of Kursk oblast write in; no letters at all gives None.

Needs and vulnerabilities are found from keyword stems compared on the script-free
skeletons of reliefline.translit, so «інсулін», «инсулин» and "insulin" are one word,
and a stem of six letters or more also matches with one letter wrong («инсулн»,
«эвакуацыя»).
"""

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from reliefline.hotline.models import NeedType, Vulnerability
from reliefline.people.models import Language
from reliefline.translit import skeleton

UK_LETTERS = frozenset("іїєґ")
RU_LETTERS = frozenset("ыэъё")
UK_WORDS = frozenset(
    [
        "що",
        "як",
        "та",
        "мені",
        "потрібно",
        "потрібна",
        "потрібні",
        "будь",
        "ласка",
        "допоможіть",
        "ми",
        "хочемо",
        "виїхати",
        "її",
        "його",
        "є",
        "немає",
        "вже",
        "дуже",
        "щоб",
        "також",
        "років",
        "донька",
    ]
)
RU_WORDS = frozenset(
    [
        "что",
        "как",
        "мне",
        "нужно",
        "нужна",
        "нужен",
        "нужны",
        "пожалуйста",
        "помогите",
        "мы",
        "хотим",
        "уехать",
        "выехать",
        "ее",
        "её",
        "его",
        "есть",
        "нет",
        "уже",
        "очень",
        "чтобы",
        "также",
        "лет",
        "дочь",
        "она",
        "они",
    ]
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
FUZZY_STEM = 6
TEXT_MAX = 10_000  # longer texts are understood from their first 10,000 characters

# Stems in any of the three languages (and Latin transliteration); `=` marks a word
# that must match whole, because its stem would catch unrelated words.
NEED_WORDS: dict[str, tuple[str, ...]] = {
    NeedType.WATER: ("=вода", "=воды", "=води", "=воду", "=водой", "=водою", "водичк", "water"),
    NeedType.FOOD: ("продукт", "продовольств", "харч", "=їжа", "=їжі", "=їжу", "=еда", "=еды",
                    "food", "хлеб", "хліб", "консерв", "голод", "печенье", "печиво"),
    NeedType.MEDICINE: ("инсулин", "інсулін", "insulin", "лекарств", "ликарств", "=ліки",
                        "=ліків", "медикамент", "медикаменн", "таблетк", "medicine", "medication",
                        "pills", "кислород", "кисень", "oxygen", "диализ", "діаліз", "dialysis"),
    NeedType.MEDICAL_CARE: ("врач", "лікар", "doctor", "скорая", "швидка", "больниц", "лікарн",
                            "hospital", "ранен", "поранен", "wounded", "injured"),
    NeedType.EVACUATION: ("эвакуац", "евакуац", "evacuat", "evakuac", "уехать", "выехать",
                          "виїхати", "поїхати", "вывез", "вивез", "=leave"),
    NeedType.SHELTER: ("укрыти", "укритт", "=жилье", "=жилья", "житл", "shelter", "ночлег"),
    NeedType.TRACING: ("пропал", "зник", "missing", "розшук", "розыск", "=ищу", "=шукаю"),
    NeedType.PROTECTION: ("угрож", "погроз", "насили", "violence", "threat"),
}  # fmt: skip
VULNERABILITY_WORDS: dict[str, tuple[str, ...]] = {
    Vulnerability.WHEELCHAIR: ("коляск", "візок", "візку", "wheelchair"),
    Vulnerability.BEDRIDDEN: ("лежач", "bedridden"),
    Vulnerability.PREGNANT: ("беремен", "вагітн", "pregnan"),
    Vulnerability.INFANT_UNDER_2: ("младен", "немовл", "грудничк", "=baby", "infant"),
    Vulnerability.CHRONIC_ILLNESS: ("диабет", "діабет", "diabet", "инсулин", "інсулін", "insulin",
                                    "астм", "asthma", "онколог", "cancer"),
    Vulnerability.DISABILITY: ("инвалид", "інвалід", "disab", "ограниченн", "обмежен",
                               "mobility", "неходяч"),
}  # fmt: skip
# Medicines whose interruption kills within days, as each language writes them: the
# stems a message is searched for, and the item a case stores in its own language, so
# an operator never reads "Ліки: insulin". hotline.priority knows each of these words.
CRITICAL_ITEMS: dict[str, dict[str, str]] = {
    "insulin": {Language.UK: "інсулін", Language.RU: "инсулин", Language.EN: "insulin"},
    "oxygen": {Language.UK: "кисень", Language.RU: "кислород", Language.EN: "oxygen"},
    "dialysis": {Language.UK: "діаліз", Language.RU: "диализ", Language.EN: "dialysis"},
}
# "82-летняя", "82 роки", "aged 82", "82 years": the age that makes someone 75+.
AGE = re.compile(
    r"(?<!\d)(\d{2,3})\s*-?\s*(?:х\s*)?(?:лет|летн|год|рок|річ|years?|y\.?o)", re.IGNORECASE
)
AGE_WORDED = re.compile(r"(?:aged|age|возраст\w*|вік\w*)\s*:?\s*(\d{2,3})(?!\d)", re.IGNORECASE)
ELDERLY_AGE = 75
OLDEST_AGE = 120


@dataclass(frozen=True)
class Understanding:
    """What a message seems to say; every field may be empty."""

    language: str | None
    needs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # critical medicines named, as CRITICAL_ITEMS keys
    vulnerabilities: tuple[str, ...] = ()


def language_detect(text: str) -> str | None:
    """Return uk, ru or en by the heuristic above, or None for text without letters."""
    text = text[:TEXT_MAX].lower()
    words = WORD.findall(text)
    cyrillic = sum(1 for word in words for ch in word if "\u0400" <= ch <= "\u04ff")
    latin = sum(1 for word in words for ch in word if "a" <= ch <= "z")
    if not cyrillic and not latin:
        return None
    if latin > cyrillic:
        return Language.EN
    uk = 2 * sum(ch in UK_LETTERS for ch in text) + sum(w in UK_WORDS for w in words)
    ru = 2 * sum(ch in RU_LETTERS for ch in text) + sum(w in RU_WORDS for w in words)
    return Language.UK if uk > ru else Language.RU


def _stems(words: tuple[str, ...]) -> list[tuple[str, bool]]:
    return [(skeleton(word.lstrip("=")), word.startswith("=")) for word in words]


_NEEDS = {need: _stems(words) for need, words in NEED_WORDS.items()}
_VULNERABILITIES = {v: _stems(words) for v, words in VULNERABILITY_WORDS.items()}
_ITEMS = {item: _stems(tuple(words.values())) for item, words in CRITICAL_ITEMS.items()}


def _matches(token: str, stem: str, whole: bool) -> bool:
    if whole:
        return token == stem
    if token.startswith(stem):
        return True
    # One slip of the finger in a long stem: «инсулн», «эвакуацыя». Shorter stems would
    # catch ordinary words («ранее» for «ранен»).
    return (
        len(stem) >= FUZZY_STEM
        and len(token) >= len(stem) - 1
        and (
            Levenshtein.distance(token[: len(stem)], stem, score_cutoff=1) <= 1
            or Levenshtein.distance(token[: len(stem) - 1], stem, score_cutoff=1) <= 1
        )
    )


def _found(tokens: list[str], table: dict[str, list[tuple[str, bool]]]) -> tuple[str, ...]:
    return tuple(
        sorted(
            name
            for name, stems in table.items()
            if any(_matches(token, stem, whole) for token in tokens for stem, whole in stems)
        )
    )


def _elderly(text: str) -> bool:
    ages = [int(m.group(1)) for m in AGE.finditer(text)] + [
        int(m.group(1)) for m in AGE_WORDED.finditer(text)
    ]
    return any(ELDERLY_AGE <= age <= OLDEST_AGE for age in ages)


def text_understand(text: str) -> Understanding:
    """Return the language, needs, critical items and vulnerabilities the text names."""
    text = text[:TEXT_MAX]
    tokens = skeleton(text).split()
    vulnerabilities = set(_found(tokens, _VULNERABILITIES))
    if _elderly(text):
        vulnerabilities.add(Vulnerability.ELDERLY_75_PLUS)
    return Understanding(
        language=language_detect(text),
        needs=_found(tokens, _NEEDS),
        items=_found(tokens, _ITEMS),
        vulnerabilities=tuple(sorted(vulnerabilities)),
    )


def item_word(item: str, language: str) -> str:
    """Return a critical item (a CRITICAL_ITEMS key) as a reader of `language` writes it."""
    words = CRITICAL_ITEMS[item]
    return words.get(language, words[Language.RU])
