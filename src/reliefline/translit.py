"""Script-independent name keys: the same name typed in Ukrainian, Russian or Latin.

`skeleton()` folds a name written in Ukrainian or Russian Cyrillic, or in any of the
romanisations people type (KMU-2010 passport style, BGN/PCGN, GOST/ISO 9, ad-hoc),
to one canonical key. Differences that romanisation systems disagree on collapse:
Г/Ґ/Х and Latin g/h/kh, И/І/Ї/Й/Ы and Latin i/y/j, Е/Є/Ё/Э and ye/ie/je, soft and
hard signs and apostrophes vanish, doubled letters count once. Two spellings with the
same skeleton are very likely the same word; the identity matcher adds fuzziness on
top of this.
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
_VOWEL_GLIDES = (("ия", "я"), ("ие", "е"), ("ию", "ю"))
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,/]+")


def _fold_word(word: str) -> str:
    letters = "".join(_CYRILLIC.get(ch, ch) for ch in word)
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
