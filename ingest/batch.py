"""What a pipeline run produces before it is loaded: plain records, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ingest.errors import Location, Problem


@dataclass
class NodeRecord:
    """A classification member; `key` is unique within its classification."""

    key: str
    code: str | None
    label: str
    parent_key: str | None
    level: int
    # Official names by language code ("ru", "kk", "en") when a curated list gives them.
    labels: dict[str, str] | None = None


@dataclass
class ClassificationRecord:
    key: str
    kind: str
    label: str
    level_names: list[str]
    nodes: dict[str, NodeRecord] = field(default_factory=dict)

    def add_path(self, path: Sequence[tuple[str | None, str]]) -> str | None:
        """Add the nodes of a root-to-leaf path of (code, label); the leaf's key."""
        parent: str | None = None
        for level, (code, label) in enumerate(path, start=1):
            part = code if code not in (None, "") else f"~{label}"
            key = part if parent is None else f"{parent}\x1f{part}"
            node = self.nodes.get(key)
            if node is None:
                self.nodes[key] = NodeRecord(key, code, label, parent, level)
            elif not node.label and label:
                node.label = label
            parent = key
        return parent


@dataclass
class MeasureRecord:
    key: str
    label: str
    unit: str = "money"
    currency: str | None = None
    factor: int = 1


@dataclass
class FactRecord:
    measure: str
    year: int
    phase: str
    direction: str
    amount: Decimal
    col: int
    period: str = ""
    phase_label: str = ""
    is_estimate: bool = False
    role: str = "flow"


@dataclass
class LineRecord:
    """A source row: where it came from, its node in each classification, its amounts."""

    where: Location
    nodes: dict[str, str]
    facts: list[FactRecord] = field(default_factory=list)


@dataclass
class PaymentRecord:
    where: Location
    amount: Decimal
    supplier_name: str = ""
    supplier_ref: str | None = None
    payer: str = ""
    original_currency: str | None = None
    original_amount: Decimal | None = None
    purpose: str = ""
    category: str = ""
    document_number: str = ""
    line_number: int | None = None
    issued_on: date | None = None
    received_on: date | None = None
    due_on: date | None = None
    paid_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckRecord:
    """A published total compared with the sum of the stored line items."""

    check: str
    subject: str
    where: Location | None
    published: Decimal
    computed: Decimal
    tolerance: Decimal = Decimal(0)

    @property
    def passed(self) -> bool:
        return abs(self.published - self.computed) <= self.tolerance


@dataclass
class Batch:
    """Everything one dataset version holds."""

    classifications: dict[str, ClassificationRecord] = field(default_factory=dict)
    measures: dict[str, MeasureRecord] = field(default_factory=dict)
    lines: list[LineRecord] = field(default_factory=list)
    payments: list[PaymentRecord] = field(default_factory=list)
    checks: list[CheckRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    # Facts about the version the query layer needs (e.g. periods published, plans not
    # published); stored in the version's report.
    notes: dict[str, Any] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + count

    @property
    def fact_count(self) -> int:
        return sum(len(line.facts) for line in self.lines)

    def years(self) -> list[int]:
        return sorted({f.year for line in self.lines for f in line.facts})
