"""Row rules from the recipe: match cells by pattern, then skip the row or set its meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ingest.errors import IngestError
from ingest.steps.table import Table, text

ACTIONS = {"skip", "direction", "role", "total"}


@dataclass
class Rule:
    """`when` maps a column to a regular expression its cell must match (all must)."""

    when: list[tuple[int, re.Pattern[str]]]
    actions: dict[str, Any]

    def applies(self, row: list[Any]) -> bool:
        return all(
            pattern.search(text(row[i - 1]) if i - 1 < len(row) else "") for i, pattern in self.when
        )


def compile_rules(specs: list[dict[str, Any]], table: Table) -> list[Rule]:
    rules = []
    for spec in specs:
        when = spec.get("when") or {}
        actions = {k: v for k, v in spec.items() if k != "when"}
        if not when or not actions or set(actions) - ACTIONS:
            raise IngestError(
                f"a [[rule]] needs `when` and one of {sorted(ACTIONS)}; got {sorted(spec)}"
            )
        compiled = []
        for ref, pattern in when.items():
            column = table.find(ref)
            assert column is not None
            compiled.append((column.index, re.compile(pattern, re.IGNORECASE)))
        rules.append(Rule(compiled, actions))
    return rules


def actions_for(rules: list[Rule], row: list[Any]) -> dict[str, Any]:
    """The merged actions of every rule that applies; later rules win."""
    merged: dict[str, Any] = {}
    for rule in rules:
        if rule.applies(row):
            merged.update(rule.actions)
    return merged
