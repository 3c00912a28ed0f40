"""What an explorer view may select in a dataset version, its defaults, and drill-down paths.

A selection fixes one series (year, period, phase, direction, role, measure) so that nothing
shown on a page is ever a sum across things that may not be added.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Classification, Fact, Measure, Node, NodeAncestor
from portal.models.facts import PHASES, ROLES
from portal.queries.datasets import Selected
from portal.queries.errors import BadRequest, NotFound
from portal.queries.memo import memo
from portal.queries.params import Cut, Ref

FIELDS = ("year", "period", "phase", "direction", "role", "measure")
# The characters that separate parts of a cut: a value holding them cannot be cut on.
CUT_SYNTAX = set("|;:")


@dataclass(frozen=True)
class Series:
    """One combination present in a version, with whether any of its facts is an estimate."""

    year: int
    period: str
    phase: str
    direction: str
    role: str
    measure: str
    is_estimate: bool
    count: int


@dataclass(frozen=True)
class Selection:
    year: int
    period: str
    phase: str
    direction: str
    role: str
    measure: str

    def cuts(self, without: tuple[str, ...] = ()) -> list[Cut]:
        """The selection as cuts of the query layer, leaving out the named fields."""
        # The whole-year period ("") is cut on too: a year may also hold a part-year period.
        return [
            Cut(Ref(name), (str(getattr(self, name)),)) for name in FIELDS if name not in without
        ]

    def cut_text(self, without: tuple[str, ...] = ()) -> str:
        """The selection in the API's cut syntax (`year:2020|phase:executed|...`); the API
        cannot cut on the empty (whole-year) period."""
        return "|".join(
            f"{c.ref.name}:{c.values[0]}" for c in self.cuts(without) if c.values[0] != ""
        )

    def but(self, **changes: Any) -> Selection:
        return replace(self, **changes)


def series(session: Session, selected: Selected) -> list[Series]:
    """Every (year, period, phase, direction, role, measure) present in the version."""
    return memo(session, selected, "series", lambda: _series(session, selected))


def _series(session: Session, selected: Selected) -> list[Series]:
    stmt = (
        select(
            Fact.year,
            Fact.period,
            Fact.phase,
            Fact.direction,
            Fact.role,
            Measure.key,
            func.max(Fact.is_estimate.cast(Measure.id.type)),
            func.count(Fact.id),
        )
        .join(Measure, Measure.id == Fact.measure_id)
        .where(Fact.version_id == selected.version.id)
        .group_by(Fact.year, Fact.period, Fact.phase, Fact.direction, Fact.role, Measure.key)
    )
    return sorted(
        (
            Series(y, p or "", ph, d, r, m, bool(e), n)
            for y, p, ph, d, r, m, e, n in session.execute(stmt)
        ),
        key=lambda s: (
            s.year,
            s.period,
            PHASES.index(s.phase),
            s.direction,
            ROLES.index(s.role),
            s.measure,
        ),
    )


def _preferred(values: list[Any], *wanted: Any) -> Any:
    for value in wanted:
        if value in values:
            return value
    return values[0]


def choose(
    all_series: list[Series], measures: dict[str, dict[str, Any]], args: dict[str, str]
) -> tuple[Selection, dict[str, list[Any]]]:
    """The selection asked for in `args`, defaults for the rest, and the options of each field.

    Defaults: expenditure, ordinary flows, a money measure, the latest year with executed
    figures (else approved, else any), executed before adjusted before approved.
    Each field's options are those present given the fields chosen before it.
    """
    if not all_series:
        raise NotFound("this dataset has no figures to explore")
    chosen: dict[str, Any] = {}
    options: dict[str, list[Any]] = {}
    rest = all_series
    for name in ("direction", "role", "measure", "year", "phase", "period"):
        values = sorted({getattr(s, name) for s in rest}, key=_sort_key(name, measures))
        options[name] = values
        asked = args.get(name)
        if asked not in (None, ""):
            value: Any = asked
            if name == "year":
                value = int(asked) if asked.isdigit() else asked
            if value not in values:
                anywhere = {str(getattr(s, name)) for s in all_series}
                if asked not in anywhere:
                    raise BadRequest(
                        f"{name} must be one of {', '.join(sorted(anywhere))}, not '{asked}'"
                    )
                # Valid, but not with the fields chosen before it (a measure without that
                # year): the default instead; the page states what it shows.
                value = _default(name, values, rest, measures)
        else:
            value = _default(name, values, rest, measures)
        chosen[name] = value
        rest = [s for s in rest if getattr(s, name) == value]
    return Selection(**chosen), options


def _sort_key(name: str, measures: dict[str, dict[str, Any]]) -> Any:
    if name == "measure":  # the order the recipe lists them in
        order = list(measures)
        return lambda v: (order.index(v) if v in order else len(order), v)
    if name == "phase":
        return PHASES.index
    if name == "role":
        return ROLES.index
    return lambda v: v


def _default(
    name: str, values: list[Any], rest: list[Series], measures: dict[str, dict[str, Any]]
) -> Any:
    if name == "direction":
        return _preferred(values, "expenditure")
    if name == "role":
        return _preferred(values, "flow")
    if name == "measure":
        money = [v for v in values if measures.get(v, {}).get("unit") == "money"]
        executed = [v for v in money if any(s.measure == v and s.phase == "executed" for s in rest)]
        return (executed or money or values)[0]
    if name == "year":
        for phase in ("executed", "adjusted", "approved"):
            years = [s.year for s in rest if s.phase == phase and not s.is_estimate]
            if years:
                return max(years)
        return max(values)
    if name == "phase":
        return _preferred(values, "executed", "adjusted", "approved")
    # Period: the whole year when it is there, else the latest snapshot (year-to-date months
    # are cumulative, so the last one published is the year's figure so far).
    return "" if "" in values else max(values)


@dataclass(frozen=True)
class Crumb:
    """One step of a drill-down path: a node and the cut that selects it."""

    level: int
    code: str | None
    label: str
    node_id: int
    level_name: str

    @property
    def cut(self) -> str:
        return f"{self.level}:{self.code if self.code is not None else self.label}"


def classification(session: Session, selected: Selected, key: str) -> Classification:
    found = session.scalar(
        select(Classification).where(
            Classification.version_id == selected.version.id, Classification.key == key
        )
    )
    if found is None:
        raise NotFound(f"no classification '{key}' in this dataset")
    return found


def parse_path(session: Session, found: Classification, text: str | None) -> list[Crumb]:
    """`administrative.1:009|administrative.2:00` -> the nodes of that path, root first.

    Each step names the node by code (or label when it has none) at its level, under the
    previous step; a step that names no such node is a 404.
    """
    crumbs: list[Crumb] = []
    if not text:
        return crumbs
    name, _, value = text.partition(":")
    if name.strip() == found.key and value and "|" not in value:
        return _one_node(session, found, value)
    parent: int | None = None
    for number, part in enumerate(p for p in text.split("|") if p.strip()):
        name, _, value = part.partition(":")
        expected = f"{found.key}.{number + 1}"
        if name.strip() != expected or not value:
            raise BadRequest(f"cut: step {number + 1} must be '{expected}:<code>', not '{part}'")
        stmt = select(Node).where(
            Node.classification_id == found.id,
            Node.level == number + 1,
            (Node.code == value) | (Node.code.is_(None) & (Node.label == value)),
        )
        stmt = stmt.where(Node.parent_id == parent if parent else Node.parent_id.is_(None))
        node = session.scalars(stmt.limit(1)).first()
        if node is None:
            raise NotFound(f"no {expected} '{value}' here")
        names = list(found.level_names)
        crumbs.append(
            Crumb(
                node.level,
                node.code,
                node.label,
                node.id,
                names[node.level - 1] if node.level <= len(names) else "",
            )
        )
        parent = node.id
    return crumbs


def _one_node(session: Session, found: Classification, value: str) -> list[Crumb]:
    """`administrative:009` (the API's short form): the one node with that code, any level."""
    ids = session.scalars(
        select(Node.id)
        .where(
            Node.classification_id == found.id,
            (Node.code == value) | (Node.code.is_(None) & (Node.label == value)),
        )
        .limit(2)
    ).all()
    if not ids:
        raise NotFound(f"no {found.key} '{value}' here")
    if len(ids) > 1:
        raise BadRequest(
            f"cut: several {found.key} nodes are '{value}'; name the path, "
            f"e.g. '{found.key}.1:<code>|{found.key}.2:<code>'"
        )
    return node_path(session, ids[0])[1]


def path_text(key: str, crumbs: list[Crumb]) -> str:
    return "|".join(f"{key}.{c.cut}" for c in crumbs)


def can_cut(code: str | None, label: str) -> bool:
    """Whether a node can be named in a cut (a code-less label holding `|;:` cannot)."""
    value = code if code is not None else label
    # The API strips cut values, so a value with outer spaces could not be found again.
    return bool(value) and value == value.strip() and not CUT_SYNTAX & set(value)


def node_path(session: Session, node_id: int) -> tuple[str, list[Crumb]]:
    """A node's classification key and its root-first path (for links from search)."""
    node = session.get(Node, node_id)
    if node is None:
        raise NotFound(f"no node {node_id}")
    found = session.get(Classification, node.classification_id)
    assert found is not None
    rows = session.scalars(
        select(Node)
        .join(NodeAncestor, NodeAncestor.ancestor_id == Node.id)
        .where(NodeAncestor.node_id == node_id)
        .order_by(Node.level)
    ).all()
    names = list(found.level_names)
    return found.key, [
        Crumb(n.level, n.code, n.label, n.id, names[n.level - 1] if n.level <= len(names) else "")
        for n in rows
    ]


def with_children(session: Session, node_ids: list[int]) -> set[int]:
    """Which of these nodes have children (can be drilled into)."""
    if not node_ids:
        return set()
    return set(
        session.scalars(select(Node.parent_id).where(Node.parent_id.in_(node_ids)).distinct())
    )
