"""Script-independent name keys: the same name typed in Ukrainian, Russian or Latin.

`skeleton()` folds a name written in Ukrainian or Russian Cyrillic, or in any of the
romanisations people type (KMU-2010 passport style, BGN/PCGN, GOST/ISO 9, ad-hoc),
to one canonical key. Differences that romanisation systems disagree on collapse:
Г/Ґ/Х and Latin g/h/kh, И/І/Ї/Й/Ы and Latin i/y/j, Е/Є/Ё/Э and ye/ie/je, soft and
hard signs and apostrophes vanish, doubled letters count once. Two spellings with the
same skeleton are very likely the same word; the identity matcher adds fuzziness on
top of this.

The Russian ё has the most spellings: е in most Russian documents (Пономарев), ьо
after a consonant and йо elsewhere in Ukrainian (Пономарьов, Соловйов), yo, jo or io
in romanisations (Ponomaryov, Ponomarjow, Ponomariov). All of them fold to е, as ё
itself does. One spelling cannot fold: Ukrainian writes ё as plain о after ж ч ш щ
(Горбачов), and KMU-2010 drops the ь of ьо (Ponomarov, Kovalov), so there an о
stands for ё and nothing in the word says so. `yo_variants()` tells such a pair
apart from two different names; a skeleton alone cannot, since е and о are
different letters everywhere else.
"""

import re
import unicodedata

_CYRILLIC = {
    "а": "а", "б": "б", "в": "в", "г": "г", "ґ": "г", "д": "д", "е": "е", "є": "е",
    "ё": "е", "ж": "ж", "з": "з", "и": "и", "і": "и", "ї": "и", "й": "и", "к": "к",
    "л": "л", "м": "м", "н": "н", "о": "о", "п": "п", "р": "р", "с": "с", "т": "т",
    "у": "у", "ф": "ф", "х": "г", "ц": "ц", "ч": "ч", "ш": "ш", "щ": "щ", "ъ": "",
    "ы": "и", "ь": "", "э": "е", "ю": "ю", "я": "я",
}  # fmt: skip

# Longest sequences first: the regex alternation tries them in this order.
_LATIN = {
    "shch": "щ", "sch": "щ", "dzh": "дж", "dj": "дж", "ou": "у", "zh": "ж", "kh": "г", "ch": "ч", "sh": "ш", "ts": "ц",
    "tz": "ц", "ph": "ф", "ya": "я", "ja": "я", "ia": "я", "yu": "ю", "ju": "ю",
    "iu": "ю", "yo": "е", "jo": "е", "ye": "е", "je": "е", "ie": "е", "yi": "и",
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "г",
    "i": "и", "j": "и", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п",
    "q": "к", "r": "р", "s": "с", "t": "т", "u": "у", "v": "в", "w": "в", "x": "кс",
    "y": "и", "z": "з",
}  # fmt: skip
_LATIN_RE = re.compile("|".join(sorted(_LATIN, key=len, reverse=True)))
_APOSTROPHES = str.maketrans("", "", "'’ʼ`´‘\"")
# и before a vowel is the glide й: ия, ие, ию, ио are я, е (є), ю and ё (ia, ie, iu, io;
# Ukrainian Соловйов and its KMU-2010 Soloviov are Соловьёв).
_VOWEL_GLIDES = (("ия", "я"), ("ие", "е"), ("ию", "ю"), ("ио", "е"))
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,/]+")


def _fold_word(word: str) -> str:
    # Ukrainian writes the Russian ё as ьо after a consonant (Пономарьов for Пономарёв):
    # read it as ё before the soft sign vanishes and leaves a plain о.
    letters = "".join(_CYRILLIC.get(ch, ch) for ch in word.replace("ьо", "ё"))
    letters = _LATIN_RE.sub(lambda m: _LATIN[m.group(0)], letters)
    letters = "".join(ch for ch in letters if "а" <= ch <= "я" or ch.isdigit())
    # Repeat to a fixed point so that skeleton(skeleton(x)) == skeleton(x).
    previous = None
    while letters != previous:
        previous = letters
        letters = re.sub(r"(.)\1+", r"\1", letters)
        for glide, vowel in _VOWEL_GLIDES:
            letters = letters.replace(glide, vowel)
    return letters


def skeleton(text: str) -> str:
    """Return the script-independent key of a name: words folded, joined by one space."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_APOSTROPHES)
    text = unicodedata.normalize("NFD", text)
    # Strip combining accents (stress marks, é) but keep й and ї, which NFD splits.
    text = re.sub(r"и\u0306", "й", text)
    text = re.sub(r"і\u0308", "ї", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = (_fold_word(word) for word in _SEPARATORS.split(text))
    return " ".join(word for word in words if word)


# Scientific and ISO 9 romanisation write with a háček one letter the others spell with
# two (Sudža, Sudzha); skeleton() strips the mark and would read z, з.
_HACEK_LETTERS = str.maketrans({"č": "ch", "š": "sh", "ž": "zh", "ŝ": "shch"})


def hacek_spell(text: str) -> str:
    """Return the text lowercased, its háček letters spelled as skeleton() reads them.

    Sudža gives sudzha and Ščors shchors, which fold as Суджа and Щорс do. skeleton()
    does not call it yet: the person keys stored with skeleton() (people's name_key
    and PersonKey) would need rekeying first, as people/migrations/0008 did for ё.
    """
    return unicodedata.normalize("NFC", text).lower().translate(_HACEK_LETTERS)


_CONSONANTS = frozenset("бвгджзклмнпрстфцчшщ")


def yo_variants(one: str, other: str) -> bool:
    """Return whether two skeletons differ only by one ё, written е in one and о in the other.

    Where Ukrainian writes ё as о after ж ч ш щ (Горбачов) and KMU-2010 drops the ь of
    ьо (Ponomarov, Kovalov), the о follows a consonant, and Russian writes the same
    letter е (Горбачев, Пономарев). A Russian word has at most one ё, the stressed
    vowel, so exactly one such difference counts: Пономарев/Ponomarov are variants,
    Белова/Болева, Осипов/Есипов (no consonant before) and Попов/Попова are not.
    """
    if len(one) != len(other) or one == other:
        return False
    differences = [i for i, (a, b) in enumerate(zip(one, other, strict=True)) if a != b]
    if len(differences) != 1:
        return False
    at = differences[0]
    return {one[at], other[at]} == {"е", "о"} and at > 0 and one[at - 1] in _CONSONANTS
