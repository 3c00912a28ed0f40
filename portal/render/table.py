"""A query result ready for any renderer: metadata plus flat or nested rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """`rows` go under `key` in JSON; CSV flattens nested dicts to dotted column names."""

    key: str
    rows: Iterable[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    filename: str = "ashyq"
    # Known columns let CSV stream rows lazily instead of reading them all first.
    columns: list[str] | None = None


def flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'a': {'b': 1}} -> {'a.b': 1}; lists are joined as ' > ' paths of labels."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            flat[name] = " > ".join(
                str(v.get("label") or v.get("code") or "") if isinstance(v, dict) else str(v)
                for v in value
            )
        else:
            flat[name] = value
    return flat


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Column names in first-seen order across all rows."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)
