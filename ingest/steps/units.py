"""The unit factor, read from where the publisher wrote it (or declared by the recipe)."""

from __future__ import annotations

import re

# Order matters: "тыс." must not be read inside a longer word, so each pattern is anchored.
PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1_000_000_000, re.compile(r"\b(млрд|billions? of|in billions|miles de millones)", re.I)),
    (
        1_000_000,
        re.compile(
            r"(\bмлн\.?|\bmillions? of\b|\bin millions\b|\bmillones de\b|"
            r"במיליוני|מיליוני ש)",
            re.I,
        ),
    ),
    (
        1_000,
        re.compile(
            r"(\bтыс\.?\s|\bтыс\.?$|\bтысяч|\bмың\b|\bthousands? of\b|"
            r"\bin thousands\b|\(\$?000s?\)|\bmiles de\b|\btis\.|\bтис\.|"
            r"באלפי|אלפי ש)",
            re.I,
        ),
    ),
]


def detect_factor(texts: list[str]) -> tuple[int, str] | None:
    """The factor and the text that states it, from the first text naming a unit."""
    for value in texts:
        for factor, pattern in PATTERNS:
            if pattern.search(value):
                return factor, value
    return None
