"""The report printed after each dataset."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ingest.errors import Problem


@dataclass
class Report:
    dataset: str
    status: str  # "new version", "unchanged"
    version: int
    rows_read: int
    line_items: int
    facts: int
    payments: int
    skipped: dict[str, int]
    checks_passed: int
    checks_failed: int
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "rows_read": self.rows_read,
            "line_items": self.line_items,
            "facts": self.facts,
            "payments": self.payments,
            "skipped": self.skipped,
            "checks_passed": self.checks_passed,
            "checks_failed": self.checks_failed,
            "problems": [str(p) for p in self.problems],
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }

    def summary(self) -> str:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        lines = [
            f"{self.dataset}: {self.status} v{self.version} in {self.seconds:.1f}s; "
            f"{self.rows_read} rows read, {self.facts} facts, {self.payments} payments"
            + (f", skipped: {skipped}" if skipped else ""),
            f"  reconciliation: {self.checks_passed} passed, {self.checks_failed} failed",
        ]
        lines += [f"  problem: {p}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more problems")
        return "\n".join(lines)
