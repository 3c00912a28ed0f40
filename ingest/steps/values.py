"""Amount parsing: numbers stored as text, decimal comma or point, thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

# Cells that mean "not applicable", which is not zero.
NOT_APPLICABLE = frozenset({"-", "–", "—", "n/a", "na", "n.a.", "x", "..", "...", "…", "*"})

_SPACES = re.compile(r"[\s\u00a0\u202f']")


class NotANumber(ValueError):
    """A cell where an amount was expected holds text."""


def parse_amount(value: Any, decimal_mark: str | None = None) -> Decimal | None:
    """The cell's exact amount; None when empty or marked not applicable.

    Floats from spreadsheets go through their shortest repr, so 0.1 stays 0.1. Text takes
    either decimal mark: with both, the last one is the decimal mark; with only one, a
    comma followed by exactly three digits (repeated) is a thousands separator, anything
    else is the decimal mark; a recipe that knows the file's mark passes it. Parentheses and a
    trailing minus mean negative.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotANumber(repr(value))
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = _SPACES.sub("", str(value))
    if not text or text.casefold() in NOT_APPLICABLE:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-") and len(text) > 1:
        negative, text = True, text[:-1]
    if decimal_mark:  # declared by the recipe: the other mark groups thousands
        other = "." if decimal_mark == "," else ","
        text = text.replace(other, "").replace(decimal_mark, ".")
    else:
        text = _normalise_marks(text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise NotANumber(str(value)) from None
    if not amount.is_finite():
        raise NotANumber(str(value))
    return -amount if negative else amount


def _normalise_marks(text: str) -> str:
    comma, point = text.rfind(","), text.rfind(".")
    if comma >= 0 and point >= 0:
        decimal_mark = "," if comma > point else "."
        thousands = "." if decimal_mark == "," else ","
        return text.replace(thousands, "").replace(decimal_mark, ".")
    if comma >= 0:
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", text):
            return text.replace(",", "")
        return text.replace(",", ".")
    if text.count(".") > 1:  # 1.234.567: points as thousands separators
        return text.replace(".", "")
    return text
