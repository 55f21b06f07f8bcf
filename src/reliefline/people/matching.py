"""Scoring a candidate person against a query: a Fellegi–Sunter model with reasons.

Each feature (family name, given name, patronymic, birth date, phone, settlement) is
compared at one of a few levels. A level has two probabilities, WEIGHTS below:
m = P(level | same person) and u = P(level | two different persons drawn at random
from a registry). The evidence of a pair is the sum of ln(m/u) over the features
present on both sides (a missing field is no evidence either way); adding the prior
log-odds that a random registered person is the one asked about (1 / PRIOR_REGISTRY)
and applying the logistic function gives the probability that the candidate is the
person. The m values are the rates of each corruption in re-typed queries (see
people/synthetic.py); the u values are the chance agreement of real name and date
distributions (a family name is shared by ~0.1% of a registry, a given name by ~3%).

Two thresholds turn the probability into a decision:
- MATCH (safe to link automatically) at 0.99, and never when the given name or the
  birth date disagrees: a household shares its family name, phone and settlement, so
  names and phone alone must not link a mother to her daughter;
- POSSIBLE (an operator decides) at 0.10, so that a full name alone (no date, no
  phone) still shows its namesakes; below it a candidate is not shown.
The trade-off: a false automatic link is far costlier (one person's data handed to
another, a family evacuated twice or not at all) than a possible match an operator
confirms with one click, so MATCH is set where no wrong automatic link was seen on the
synthetic registries (people/tests/test_quality.py, 2,000 persons; bench/identity.py,
100,000: no false link in 2,000 queries, ~86% of registered callers linked
automatically, the rest left to the operator), at the price of fewer automatic links.
"""

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz.distance import JaroWinkler, Levenshtein

from reliefline.people.names import (
    consonant_key,
    convert_layout,
    family_name_key,
    fix_layout,
    given_name_key,
    patronymic_key,
)
from reliefline.translit import yo_variants

MATCH = 0.99
POSSIBLE = 0.10
PRIOR_REGISTRY = 100_000
FUZZY_NAME = 0.88  # Jaro-Winkler similarity of keys above which two names are "similar"


class Decision(StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"
    NONE = "none"


# feature -> level -> (m, u). Levels absent here ("missing") carry no evidence.
WEIGHTS: dict[str, dict[str, tuple[float, float]]] = {
    "family": {"equal": (0.88, 0.001), "similar": (0.11, 0.004), "different": (0.01, 0.995)},
    "given": {"equal": (0.90, 0.03), "similar": (0.08, 0.02), "different": (0.02, 0.95)},
    "patronymic": {"equal": (0.90, 0.04), "similar": (0.08, 0.03), "different": (0.02, 0.93)},
    "birth_date": {
        "equal": (0.92, 0.00005),
        "swapped": (0.03, 0.00005),
        "slip": (0.04, 0.0004),
        "different": (0.01, 0.9995),
    },
    "phone": {"equal": (0.90, 0.00001), "slip": (0.05, 0.0001), "different": (0.05, 0.99989)},
    "settlement": {"equal": (0.85, 0.05), "different": (0.15, 0.95)},
}
# Disagreement on these forbids an automatic link whatever the rest says.
VETO = {("given", "different"), ("birth_date", "different")}


@dataclass(frozen=True)
class Identity:
    """The identifying fields of a person or a query, as typed (phone in E.164)."""

    given_name: str = ""
    family_name: str = ""
    patronymic: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    settlement_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Keys:
    """The normalised keys of an Identity (see prepare)."""

    given: str
    family: str
    given_as_typed: str
    patronymic: str
    birth_date: dt.date | None
    phone: str
    settlement_ids: frozenset[str]
    layout: str | None = None


@dataclass(frozen=True)
class Comparison:
    """One feature compared: its level and the evidence ln(m/u) it gave."""

    feature: str
    level: str
    weight: float


@dataclass(frozen=True)
class Score:
    """The probability that the record is the person queried, the decision, and why."""

    probability: float
    decision: Decision
    comparisons: tuple[Comparison, ...]
    query: Identity
    record: Identity

    @property
    def reasons(self) -> list[str]:
        """Return one readable sentence per compared feature, strongest evidence first."""
        ordered = sorted(self.comparisons, key=lambda c: (c.feature != "layout", -abs(c.weight)))
        return [_reason(c, self.query, self.record) for c in ordered]


def prepare(identity: Identity, *, fix_keyboard: bool = False) -> Keys:
    """Return the keys of an identity; with fix_keyboard, undo a wrong keyboard layout."""
    layout = fix_layout(identity.given_name) if fix_keyboard else None
    return Keys(
        given=given_name_key(convert_layout(identity.given_name, layout)),
        given_as_typed=family_name_key(convert_layout(identity.given_name, layout)),
        family=family_name_key(convert_layout(identity.family_name, layout)),
        patronymic=patronymic_key(convert_layout(identity.patronymic, layout))
        if identity.patronymic.strip()
        else "",
        birth_date=identity.birth_date,
        phone=identity.phone,
        settlement_ids=identity.settlement_ids,
        layout=layout,
    )


def _name_level(one: str, other: str) -> str:
    """Return how two name keys agree; one ё spelled е in one and о in the other is equal.

    Пономарев and the Ukrainian passport's Ponomarov (Пономарьов without its ь) are
    one name: as merely "similar" a full name without a birth date or phone would
    fall below POSSIBLE and the registered person would not be shown.
    """
    if not one or not other:
        return "missing"
    if one == other or yo_variants(one, other):
        return "equal"
    if JaroWinkler.normalized_similarity(one, other) >= FUZZY_NAME:
        return "similar"
    return "different"


def _given_level(query: Keys, record: Keys) -> str:
    """Compare given names by key, then, for a typo outside the table, as typed."""
    level = _name_level(query.given, record.given)
    if level == "different" and (
        JaroWinkler.normalized_similarity(query.given_as_typed, record.given_as_typed) >= FUZZY_NAME
    ):
        return "similar"
    return level


def _one_slip(one: str, other: str) -> bool:
    """Return whether two equal-length digit strings differ by one digit or one adjacent swap."""
    if len(one) != len(other):
        return False
    diffs = [i for i, (a, b) in enumerate(zip(one, other, strict=True)) if a != b]
    if len(diffs) == 1:
        return True
    return (
        len(diffs) == 2
        and diffs[1] == diffs[0] + 1
        and one[diffs[0]] == other[diffs[1]]
        and one[diffs[1]] == other[diffs[0]]
    )


def _date_level(one: dt.date | None, other: dt.date | None) -> str:
    if one is None or other is None:
        return "missing"
    if one == other:
        return "equal"
    if one.year == other.year and one.day == other.month and one.month == other.day:
        return "swapped"
    if _one_slip(one.strftime("%Y%m%d"), other.strftime("%Y%m%d")):
        return "slip"
    return "different"


def _phone_level(one: str, other: str) -> str:
    if not one or not other:
        return "missing"
    if one == other:
        return "equal"
    if Levenshtein.distance(one, other) <= 1 or _one_slip(one, other):
        return "slip"
    return "different"


def _settlement_level(one: frozenset[str], other: frozenset[str]) -> str:
    if not one or not other:
        return "missing"
    return "equal" if one & other else "different"


_LEVEL_REASONS = {
    ("birth_date", "equal"): gettext_lazy("birth date equal"),
    ("birth_date", "swapped"): gettext_lazy("birth date day/month swapped"),
    ("birth_date", "slip"): gettext_lazy("birth date one digit off"),
    ("birth_date", "different"): gettext_lazy("birth date differs"),
    ("phone", "equal"): gettext_lazy("phone equal"),
    ("phone", "slip"): gettext_lazy("phone one digit off"),
    ("phone", "different"): gettext_lazy("phone differs"),
    ("settlement", "equal"): gettext_lazy("same settlement"),
    ("settlement", "different"): gettext_lazy("other settlement"),
    ("layout", "to_cyrillic"): gettext_lazy("typed on the Latin keyboard layout"),
    ("layout", "to_latin"): gettext_lazy("typed on the Cyrillic keyboard layout"),
}
_NAME_ATTRIBUTES = {"given": "given_name", "family": "family_name", "patronymic": "patronymic"}
_NAME_LABELS = {
    "given": gettext_lazy("given name"),
    "family": gettext_lazy("family name"),
    "patronymic": gettext_lazy("patronymic"),
}


def _reason(comparison: "Comparison", query: Identity, record: Identity) -> str:
    """Return the sentence an operator reads for one compared feature."""
    feature, level = comparison.feature, comparison.level
    if feature not in _NAME_LABELS:
        return str(_LEVEL_REASONS[(feature, level)])
    attribute = _NAME_ATTRIBUTES[feature]
    typed, known = getattr(query, attribute), getattr(record, attribute)
    label = str(_NAME_LABELS[feature])
    if level == "equal":
        if typed.strip().casefold() == known.strip().casefold():
            return _("%(label)s equal") % {"label": label}
        if feature == "family":
            return _("family name equal after transliteration")
        return f"{label} {typed.strip()}≈{known}"
    if level == "similar":
        return _("%(label)s similar: %(typed)s ~ %(known)s") % {
            "label": label,
            "typed": typed.strip(),
            "known": known,
        }
    return _("%(label)s differs") % {"label": label}


def score(
    query: Identity,
    record: Identity,
    *,
    query_keys: Keys | None = None,
    record_keys: Keys | None = None,
) -> Score:
    """Return the probability that the record is the person the query describes, with reasons."""
    q = query_keys or prepare(query, fix_keyboard=True)
    r = record_keys or prepare(record)
    levels = {
        "family": _name_level(q.family, r.family),
        "given": _given_level(q, r),
        "patronymic": _name_level(q.patronymic, r.patronymic),
        "birth_date": _date_level(q.birth_date, r.birth_date),
        "phone": _phone_level(q.phone, r.phone),
        "settlement": _settlement_level(q.settlement_ids, r.settlement_ids),
    }
    comparisons = []
    log_odds = -math.log(PRIOR_REGISTRY)
    for feature, level in levels.items():
        if level == "missing":
            continue
        m, u = WEIGHTS[feature][level]
        weight = math.log(m / u)
        log_odds += weight
        comparisons.append(Comparison(feature, level, weight))
    probability = 1.0 / (1.0 + math.exp(-log_odds))
    if probability >= MATCH and not VETO & set(levels.items()):
        decision = Decision.MATCH
    elif probability >= POSSIBLE:
        decision = Decision.POSSIBLE
    else:
        decision = Decision.NONE
    if q.layout:
        comparisons.append(Comparison("layout", q.layout, 0.0))
    return Score(probability, decision, tuple(comparisons), query, record)


class KeyKind:
    """Kinds of blocking keys in the candidate index (people.models.PersonKey).

    Family-name prefixes and consonants are paired with the given name: alone, a
    common prefix ("ковал") would pull a few percent of a registry into every query.
    """

    FAMILY = "fs"
    FAMILY_GIVEN = "fg"
    FAMILY_PREFIX_GIVEN = "pg"
    FAMILY_CONSONANTS_GIVEN = "cg"
    BIRTH_DATE = "bd"
    GIVEN_YEAR = "gy"
    GIVEN_PATRONYMIC = "gp"
    PHONE = "ph"


KEY_MAX = 64


def blocking_keys(keys: Keys, *, query: bool = False) -> set[tuple[str, str]]:
    """Return the (kind, value) blocking keys of prepared keys, phone excluded.

    A query also gets the day/month-swapped birth date, so a swap still meets its record.
    """
    found: set[tuple[str, str]] = set()
    if keys.family:
        found.add((KeyKind.FAMILY, keys.family[:KEY_MAX]))
        if keys.given:
            consonants = consonant_key(keys.family)
            found.add((KeyKind.FAMILY_GIVEN, f"{keys.given}|{keys.family}"[:KEY_MAX]))
            found.add((KeyKind.FAMILY_PREFIX_GIVEN, f"{keys.given}|{keys.family[:4]}"[:KEY_MAX]))
            if len(consonants) >= 2:
                found.add((KeyKind.FAMILY_CONSONANTS_GIVEN, f"{keys.given}|{consonants}"[:KEY_MAX]))
    if keys.birth_date is not None:
        dates = {keys.birth_date}
        if query and keys.birth_date.day <= 12:
            swapped = keys.birth_date.replace(month=keys.birth_date.day, day=keys.birth_date.month)
            dates.add(swapped)
        found.update((KeyKind.BIRTH_DATE, d.isoformat()) for d in dates)
        if keys.given:
            found.add((KeyKind.GIVEN_YEAR, f"{keys.given}|{keys.birth_date.year}"[:KEY_MAX]))
    if keys.given and keys.patronymic:
        found.add((KeyKind.GIVEN_PATRONYMIC, f"{keys.given}|{keys.patronymic}"[:KEY_MAX]))
    return found
