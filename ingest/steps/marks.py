"""Decimal marks per column: one file may write `11289,3` in one column, `11289.30` in another."""

from __future__ import annotations

from typing import Any

from ingest.steps.table import Column


def mark_for(setting: Any, column: Column | None) -> str | None:
    """The decimal mark for a column: `decimal = ","`, or a table of column -> mark.

    In a table, `"*"` is the mark of every column not named; a column named nowhere is
    left to detection.
    """
    if setting is None or isinstance(setting, str):
        return setting
    if isinstance(setting, dict):
        if column is not None:
            for ref, mark in setting.items():
                if ref != "*" and column.matches(ref):
                    return str(mark)
        default = setting.get("*")
        return str(default) if default else None
    raise ValueError(f"`decimal` must be a mark or a table of column -> mark, not {setting!r}")
