"""Codes and labels: split when they share a cell, kept as text (zero padding matters)."""

from __future__ import annotations

import re
from typing import Any

from ingest.steps.table import text

# "0000010201 - מס הכנסה שכירים", "010 GENERAL OPERATING FD", "SALARY CONTROL      0100"
_CODE_FIRST = re.compile(r"^(?P<code>\d[\d.]*)\s*(?:[-–—:]\s*|\s+)(?P<label>\S.*)$")
_CODE_LAST = re.compile(r"^(?P<label>\S.*?)\s{2,}(?P<code>\d[\d.]*)$")
# A code, a spaced dash, a label is unambiguous even when the label ends in a number
# ("0080140604 - כביש מס'  3"), so it is tried before the code-last form.
_CODE_DASH = re.compile(r"^(?P<code>\d[\d.]*)\s+[-–—]\s+(?P<label>\S.*)$")
# When the recipe says the code is at the end (`split = "end"`), one space is enough: fixed-
# width titles leave a single space when the label fills its field ("...ENTERTAIN 0230").
_CODE_AT_END = re.compile(r"^(?P<label>\S.*?)\s+(?P<code>\d[\d.]*)$")


def split_code_label(
    value: Any, exact: bool = False, code_at: str | None = None
) -> tuple[str | None, str]:
    """(code, label) from a cell holding both; (None, text) when there is no code.

    With `exact`, the label keeps its inner spacing as published (only the ends are trimmed).
    """
    raw = "" if value is None else str(value).strip()
    match = _CODE_DASH.match(raw) or _CODE_LAST.match(raw) or _CODE_FIRST.match(raw)
    if code_at == "end":
        match = _CODE_AT_END.match(raw) or match
    if match:
        label = match["label"].strip() if exact else " ".join(match["label"].split())
        return match["code"], label
    if re.fullmatch(r"\d[\d.]*", raw):
        return raw, ""
    return None, " ".join(raw.split())


def code_text(value: Any) -> str | None:
    """A code as text: 4.0 -> '4', '007' stays '007', empty -> None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    result = text(value)
    if re.fullmatch(r"\d+\.0", result):
        result = result[:-2]
    return result or None
