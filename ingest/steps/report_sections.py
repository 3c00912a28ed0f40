"""Report sections: what a line means, told by the label of the line it hangs under.

An execution report is not all spending: revenue, spending, net lending, balances and memo
lines share one table. `[[section]]` rules match the label of a line's ancestor at `depth`
(0: the top-level line) and say the direction and role every line under it inherits; a
deeper match overrides a shallower one (repayments inside net lending are inflows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ingest.errors import IngestError
from portal.models.facts import DIRECTIONS, ROLES

KEYS = {"name", "match", "depth", "direction", "role", "unchecked", "adds"}


@dataclass
class Section:
    """One rule; `unchecked` and `adds` concern the matched line's own check only."""

    name: str
    pattern: re.Pattern[str]
    depth: int
    direction: str | None
    role: str | None
    unchecked: frozenset[str] = frozenset()
    adds: re.Pattern[str] | None = None


@dataclass
class Meaning:
    """What a line is: its direction and role, and how its own figure is checked."""

    direction: str = "expenditure"
    role: str = "flow"
    unchecked: frozenset[str] = frozenset()
    adds: list[re.Pattern[str]] = field(default_factory=list)


def compile_sections(specs: list[dict[str, Any]]) -> list[Section]:
    """The recipe's [[section]] rules, checked."""
    result = []
    for spec in specs:
        unknown = set(spec) - KEYS
        if unknown or "match" not in spec:
            raise IngestError(
                f"a [[section]] needs `match` and may have {sorted(KEYS)}; got {sorted(spec)}"
            )
        direction, role = spec.get("direction"), spec.get("role")
        if direction is not None and direction not in DIRECTIONS:
            raise IngestError(f"[[section]] direction must be one of {DIRECTIONS}")
        if role is not None and role not in ROLES:
            raise IngestError(f"[[section]] role must be one of {ROLES}")
        result.append(
            Section(
                name=str(spec.get("name", spec["match"])),
                pattern=re.compile(spec["match"]),
                depth=int(spec.get("depth", 0)),
                direction=direction,
                role=role,
                unchecked=frozenset(spec.get("unchecked", [])),
                adds=re.compile(spec["adds"]) if spec.get("adds") else None,
            )
        )
    return result


def meaning(sections: list[Section], labels: list[str]) -> Meaning:
    """The meaning of a line whose ancestors' labels (top first, itself last) are `labels`."""
    found = Meaning()
    for depth, label in enumerate(labels):
        rule = next((s for s in sections if s.depth == depth and s.pattern.search(label)), None)
        if rule is None:
            continue
        found.direction = rule.direction or found.direction
        found.role = rule.role or found.role
        if depth == len(labels) - 1:  # the rule names this very line
            found.unchecked = rule.unchecked
            found.adds = [rule.adds] if rule.adds else []
    return found
