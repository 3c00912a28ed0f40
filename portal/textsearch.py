"""Text folding for search: any case, accent, pointing or script finds the published label.

Labels are stored exactly as published; these keys exist only to match them. Each label gets
a native key (case, accents and Hebrew pointing removed) and a Latin key (Cyrillic, including
Kazakh and Macedonian letters, transliterated, then spellings folded so that the Russian, Kazakh
Latin and English forms of a name meet: Akmolinskaya, Aqmola -> akmol...).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^\w]+|_")

CYRILLIC = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Kazakh
    "ә": "a",
    "ғ": "g",
    "қ": "q",
    "ң": "ng",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    # Macedonian and Serbian (ѓ and ќ decompose to г and к with an accent)
    "ј": "j",
    "љ": "lj",
    "њ": "nj",
    "ѕ": "dz",
    "џ": "dzh",
    "ћ": "c",
    "ђ": "dj",
    # Ukrainian and Belarusian
    "є": "e",
    "ї": "i",
    "ў": "u",
}
# Spelling variants of one sound in the transliterations people actually type.
_LATIN_FOLDS = [
    ("shch", "s"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "j"),
    ("kh", "h"),
    ("ts", "c"),
    ("yu", "u"),
    ("ya", "a"),
    ("ye", "e"),
    ("q", "k"),
    ("w", "u"),
    ("x", "h"),
    ("y", "i"),
]
_DOUBLE = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Case-folded, accents and Hebrew points removed, punctuation to spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", stripped).split())


@lru_cache(maxsize=65536)
def _latin_word(word: str) -> str:
    word = "".join(CYRILLIC.get(c, c) for c in word)
    for variant, common in _LATIN_FOLDS:
        word = word.replace(variant, common)
    return _DOUBLE.sub(r"\1", word)


def latin(text: str) -> str:
    """The folded Latin key of a text (Cyrillic transliterated, spellings folded)."""
    return " ".join(_latin_word(w) for w in fold(text).split())


def query_tokens(query: str) -> list[tuple[str, str]]:
    """(native, latin) prefix for each query word; a Latin prefix drops trailing vowels so
    that Aqmola finds Akmolinskaya and Almaty finds Алматы."""
    tokens = []
    for word in fold(query).split():
        lat = _latin_word(word)
        if len(lat) > 3:
            lat = lat.rstrip("aeiou") or lat
        tokens.append((word, lat))
    return tokens
