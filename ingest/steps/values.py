"""Amount parsing: numbers stored as text, decimal comma or point, thousands separators."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ingest.readers import Uncalculated

# Cells that mean "not applicable" (or "not reported", `N/R` in Spanish-language reports),
# which is not zero.
NOT_APPLICABLE = frozenset({"-", "–", "—", "n/a", "na", "n.a.", "n/r", "x", "..", "...", "…", "*"})

_SPACES = re.compile(r"[\s\u00a0\u202f']")
# What is left once the marks are normalised: digits, one point, an optional exponent. Decimal
# itself would also take "1_000", "Infinity" and "NaN", which no publisher means as an amount.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PLAIN = re.compile(r"-?\d{1,18}(?:\.\d{1,12})?")
# The database keeps amounts as a signed 64-bit count of hundredths.
MAX_AMOUNT = Decimal(2**63 - 1).scaleb(-2)


class NotANumber(ValueError):
    """A cell where an amount was expected holds text; `reason` says more when it can."""

    def __init__(self, found: str, reason: str = "") -> None:
        super().__init__(found)
        self.found = found
        self.reason = reason

    @property
    def note(self) -> str:
        """The reason as a parenthesised suffix for a message, or nothing."""
        return f" ({self.reason})" if self.reason else ""


def too_large(amount: Decimal) -> bool:
    """True when the amount (in base units) is beyond what can be stored exactly."""
    return abs(amount) > MAX_AMOUNT


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
    if isinstance(value, Uncalculated):
        raise NotANumber(
            str(value),
            "a formula whose result the file does not hold: open the file in a spreadsheet "
            "program, let it calculate, and save it",
        )
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise NotANumber(repr(value), "not a finite number")
        return _checked(Decimal(repr(value)), repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotANumber(str(value), "not a finite number")
        return _checked(value, str(value))
    if isinstance(value, str) and _PLAIN.fullmatch(value):  # the common case: plain text number
        return _checked(Decimal(value), value)
    text = _SPACES.sub("", str(value))
    if not text or text.casefold() in NOT_APPLICABLE:
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-") and len(text) > 1:
        negative, text = True, text[:-1]
    plain = _normalise_marks(text, decimal_mark or _infer_mark(text))
    if plain is None or not _NUMBER.fullmatch(plain):
        raise NotANumber(str(value))
    text = plain
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise NotANumber(str(value)) from None
    return _checked(-amount if negative else amount, str(value))


def _checked(amount: Decimal, found: str) -> Decimal:
    if too_large(amount):
        raise NotANumber(found, f"too large to be an amount: more than {MAX_AMOUNT:,.0f}")
    return amount


def _infer_mark(text: str) -> str:
    """The decimal mark of a number written without a declared one."""
    comma, point = text.rfind(","), text.rfind(".")
    if comma >= 0 and point >= 0:
        return "," if comma > point else "."
    if comma >= 0:
        # "1,234" and "12,345,678" group thousands; "12,5" and "1234,567" have a decimal comma.
        return "." if _GROUPED.fullmatch(text) else ","
    if text.count(".") > 1:  # 1.234.567: points as thousands separators
        return ","
    return "."


def _normalise_marks(text: str, decimal_mark: str) -> str | None:
    """The number with a decimal point and no thousands marks; None when the thousands marks
    do not group the whole part by three digits ("1.2.3", "12,3,4") or follow the decimal mark.
    """
    thousands = "." if decimal_mark == "," else ","
    whole, mark, fraction = text.rpartition(decimal_mark)
    if not mark:
        whole, fraction = text, ""
    if decimal_mark in whole or thousands in fraction:
        return None
    if thousands in whole and not _GROUPED.fullmatch(whole.replace(thousands, ",")):
        return None
    return whole.replace(thousands, "") + ("." + fraction if mark else "")
