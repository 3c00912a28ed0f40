"""Parsing of the babbage-style parameters: drilldown, cut, order, page, pagesize."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.queries.errors import BadRequest

FACT_FIELDS = ("year", "period", "phase", "direction", "role", "measure")
MAX_PAGESIZE = 1000
_FIELD = re.compile(r"^(?P<name>[a-z_][a-z0-9_]*)(?:\.(?P<level>\d{1,2}))?$")


@dataclass(frozen=True)
class Ref:
    """A fact field or a classification, with an optional level (`administrative.2`)."""

    name: str
    level: int | None = None

    @property
    def is_fact_field(self) -> bool:
        return self.name in FACT_FIELDS


@dataclass(frozen=True)
class Cut:
    ref: Ref
    values: tuple[str, ...]


def parse_ref(text: str, parameter: str) -> Ref:
    match = _FIELD.match(text.strip())
    if not match:
        raise BadRequest(
            f"{parameter}: '{text}' is not a field name such as 'year' or 'administrative.2'"
        )
    level = int(match["level"]) if match["level"] else None
    if level is not None and (level < 1 or match["name"] in FACT_FIELDS):
        raise BadRequest(f"{parameter}: only classifications have levels (1 and up), not '{text}'")
    return Ref(match["name"], level)


def parse_drilldown(text: str | None) -> list[Ref]:
    """`administrative.2|year` -> refs; empty -> no drilldown."""
    if not text:
        return []
    refs = [parse_ref(part, "drilldown") for part in text.split("|") if part.strip()]
    if len({r.name for r in refs}) != len(refs):
        raise BadRequest("drilldown: each field may appear once")
    return refs


def parse_cuts(text: str | None) -> list[Cut]:
    """`year:2020|phase:executed|functional:05;06` -> cuts (`;` separates allowed values)."""
    if not text:
        return []
    cuts = []
    for part in text.split("|"):
        if not part.strip():
            continue
        name, sep, values = part.partition(":")
        if not sep or not values.strip():
            raise BadRequest(f"cut: '{part}' must be field:value, e.g. 'year:2020'")
        cuts.append(Cut(parse_ref(name, "cut"), tuple(v.strip() for v in values.split(";"))))
    return cuts


def parse_order(text: str | None, allowed: list[str]) -> list[tuple[str, bool]]:
    """`amount:desc|year:asc` -> [(field, descending)]."""
    if not text:
        return [("amount", True)]
    result = []
    for part in text.split("|"):
        name, _, direction = part.partition(":")
        name, direction = name.strip(), (direction.strip() or "asc").lower()
        if name not in allowed:
            raise BadRequest(f"order: cannot sort by '{name}'; allowed: {', '.join(allowed)}")
        if direction not in ("asc", "desc"):
            raise BadRequest(f"order: direction must be asc or desc, not '{direction}'")
        result.append((name, direction == "desc"))
    return result


def parse_int(text: str | None, parameter: str, default: int, lo: int, hi: int) -> int:
    if text in (None, ""):
        return default
    try:
        value = int(str(text))
    except ValueError:
        raise BadRequest(
            f"{parameter} must be a whole number from {lo} to {hi}, not '{text}'"
        ) from None
    if not lo <= value <= hi:
        raise BadRequest(f"{parameter} must be from {lo} to {hi}, not {value}")
    return value
