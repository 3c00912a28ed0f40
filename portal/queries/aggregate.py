"""Aggregate: sums of facts by classification levels and fact fields, never mixing series.

A series is what may never be added together behind the user's back: measure (which also
separates money from headcount), phase, direction, role, and year and period whenever the
selection holds more than one of them (year-to-date months must never be added up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from portal.models import Classification, Fact, LineItemNode, Measure, Node, NodeAncestor
from portal.models.facts import DIRECTIONS, PHASES, ROLES
from portal.queries.datasets import Selected
from portal.queries.errors import BadRequest
from portal.queries.params import MAX_PAGESIZE, Cut, Ref

ALWAYS_SPLIT = ("measure", "phase", "direction", "role")
SPLIT_WHEN_VARIED = ("year", "period")


@dataclass
class Context:
    """What a query needs to know of a version: its classifications and measures."""

    version_id: int
    classifications: dict[str, Classification]
    measures: dict[str, Measure]

    @classmethod
    def load(cls, session: Session, selected: Selected) -> Context:
        vid = selected.version.id
        classes = session.scalars(select(Classification).where(Classification.version_id == vid))
        measures = session.scalars(select(Measure).where(Measure.version_id == vid))
        return cls(vid, {c.key: c for c in classes}, {m.key: m for m in measures})

    def measure_key(self, measure_id: int) -> str:
        return next(key for key, m in self.measures.items() if m.id == measure_id)

    def classification(self, ref: Ref, parameter: str) -> Classification:
        found = self.classifications.get(ref.name)
        if found is None:
            allowed = ", ".join(
                ["year", "period", "phase", "direction", "role", "measure", *self.classifications]
            )
            raise BadRequest(
                f"{parameter}: no field '{ref.name}' in this dataset; allowed: {allowed}"
            )
        return found


def fact_filter(ctx: Context, cuts: list[Cut]) -> list[ColumnElement[bool]]:
    """WHERE clauses for the cuts; every value is checked before it reaches SQL."""
    clauses: list[ColumnElement[bool]] = [Fact.version_id == ctx.version_id]
    for cut in cuts:
        name, values = cut.ref.name, cut.values
        if name == "year":
            try:
                years = [int(v) for v in values]
            except ValueError:
                raise BadRequest(f"cut: year must be a number, not '{';'.join(values)}'") from None
            clauses.append(Fact.year.in_(years))
        elif name in ("phase", "direction", "role"):
            allowed = {"phase": PHASES, "direction": DIRECTIONS, "role": ROLES}[name]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise BadRequest(f"cut: {name} must be one of {', '.join(allowed)}, not {bad[0]}")
            clauses.append(getattr(Fact, name).in_(values))
        elif name == "period":
            clauses.append(Fact.period.in_(values))
        elif name == "measure":
            bad = [v for v in values if v not in ctx.measures]
            if bad:
                raise BadRequest(f"cut: no measure '{bad[0]}'; measures: {', '.join(ctx.measures)}")
            clauses.append(Fact.measure_id.in_([ctx.measures[v].id for v in values]))
        else:
            clauses.append(Fact.line_item_id.in_(node_cut(ctx, cut)))
    return clauses


def node_cut(ctx: Context, cut: Cut) -> Select[Any]:
    """Line items under any node with one of the codes (or, for code-less nodes, labels)."""
    classification = ctx.classification(cut.ref, "cut")
    ancestor = aliased(Node)
    stmt = (
        select(LineItemNode.line_item_id)
        .join(NodeAncestor, NodeAncestor.node_id == LineItemNode.node_id)
        .join(ancestor, ancestor.id == NodeAncestor.ancestor_id)
        .where(
            LineItemNode.classification_id == classification.id,
            (ancestor.code.in_(cut.values))
            | (ancestor.code.is_(None) & ancestor.label.in_(cut.values)),
        )
    )
    if cut.ref.level is not None:
        stmt = stmt.where(ancestor.level == cut.ref.level)
    return stmt


def cut_level(session: Session, ctx: Context, cuts: list[Cut], name: str) -> int:
    """The deepest level among the nodes a cut on this classification names (0 if none)."""
    levels = [0]
    for cut in cuts:
        if cut.ref.name != name:
            continue
        if cut.ref.level is not None:
            levels.append(cut.ref.level)
            continue
        classification = ctx.classifications[name]
        found = session.scalar(
            select(func.max(Node.level)).where(
                Node.classification_id == classification.id,
                (Node.code.in_(cut.values)) | (Node.code.is_(None) & Node.label.in_(cut.values)),
            )
        )
        levels.append(found or 0)
    return max(levels)


@dataclass
class Aggregate:
    cells: list[dict[str, Any]]
    summary: list[dict[str, Any]]
    total_cell_count: int
    page: int
    pagesize: int
    drilldown: list[str]
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> Decimal | None:
        """The single total, when the selection is one series."""
        return self.summary[0]["amount"] if len(self.summary) == 1 else None


def aggregate(
    session: Session,
    selected: Selected,
    drilldowns: list[Ref],
    cuts: list[Cut],
    order: list[tuple[str, bool]] | None = None,
    page: int = 1,
    pagesize: int = 100,
) -> Aggregate:
    """Sum facts by the drilldowns; series that may not be added stay separate cells."""
    if pagesize > MAX_PAGESIZE:
        raise BadRequest(f"pagesize must be at most {MAX_PAGESIZE}")
    ctx = Context.load(session, selected)
    where = fact_filter(ctx, cuts)
    varied = _varied(session, where)
    drilled = {d.name for d in drilldowns}
    fields = [f for f in ALWAYS_SPLIT if f not in drilled]
    fields += [f for f in SPLIT_WHEN_VARIED if f not in drilled and varied[f]]
    fields = [d.name for d in drilldowns if d.is_fact_field] + fields

    columns: list[Any] = []
    labels: list[tuple[str, list[str]]] = []  # output field -> its columns
    joins: list[tuple[Any, Any]] = []
    for ref in drilldowns:
        if ref.is_fact_field:
            continue
        classification = ctx.classification(ref, "drilldown")
        level = ref.level or cut_level(session, ctx, cuts, ref.name) + 1
        placed = placement(classification.id, level, ref.name)
        joins.append((placed, placed.c.line_item_id == Fact.line_item_id))
        names = [f"{ref.name}.id", f"{ref.name}.code", f"{ref.name}.label", f"{ref.name}.level"]
        columns += [
            placed.c.node_id.label(names[0]),
            placed.c.code.label(names[1]),
            placed.c.label.label(names[2]),
            placed.c.level.label(names[3]),
        ]
        labels.append((ref.name, names))
    columns += [_fact_column(f).label(f) for f in fields]
    amount = func.sum(Fact.amount).label("amount")
    count = func.count().label("count")

    grouped = select(*columns, amount, count).select_from(Fact)
    for target, onclause in joins:
        grouped = grouped.outerjoin(target, onclause)
    grouped = grouped.where(*where).group_by(*columns)

    total_column = func.count().over().label("total_cells")
    sortable = {"amount": amount, "count": count, **{f: _fact_column(f) for f in fields}}
    for name, names in labels:
        sortable[name] = columns[[c.name for c in columns].index(names[1])]
        sortable[f"{name}.label"] = columns[[c.name for c in columns].index(names[2])]
    order_by = []
    for name, descending in order or [("amount", True)]:
        if name not in sortable:
            raise BadRequest(f"order: cannot sort by '{name}'; allowed: {', '.join(sortable)}")
        order_by.append(sortable[name].desc() if descending else sortable[name].asc())
    order_by += [c.asc() for c in columns]  # a stable order for paging
    rows = (
        session.execute(
            grouped.add_columns(total_column)
            .order_by(*order_by)
            .limit(pagesize)
            .offset((page - 1) * pagesize)
        )
        .mappings()
        .all()
    )
    # The window count rides along with each row; only a page past the end needs its own.
    total_cells = (
        rows[0]["total_cells"]
        if rows
        else (session.scalar(select(func.count()).select_from(grouped.subquery())) or 0)
    )

    cells = []
    for row in rows:
        cell: dict[str, Any] = {}
        for name, names in labels:
            cell[name] = {
                "id": row[names[0]],
                "code": row[names[1]],
                "label": row[names[2]] if row[names[0]] is not None else "(not classified)",
                "level": row[names[3]],
            }
        cell.update({f: ctx.measure_key(row[f]) if f == "measure" else row[f] for f in fields})
        cell["amount"] = row["amount"]
        cell["count"] = row["count"]
        cells.append(cell)

    return Aggregate(
        cells=cells,
        summary=_summary(
            session, ctx, where, [f for f in fields if f in (*ALWAYS_SPLIT, *SPLIT_WHEN_VARIED)]
        ),
        total_cell_count=total_cells,
        page=page,
        pagesize=pagesize,
        drilldown=[d.name if d.level is None else f"{d.name}.{d.level}" for d in drilldowns],
        measures={
            key: {"label": m.label, "unit": m.unit, "currency": m.currency, "factor": m.factor}
            for key, m in ctx.measures.items()
        },
    )


def placement(classification_id: int, level: int, name: str) -> Any:
    """Each line item's node at `level` of a classification (its leaf when the path is
    shorter: ragged trees). Placed once per line item, not once per fact, and materialised so
    the database does not redo the tree walk for every fact."""
    lin, leaf, anc, link = (
        aliased(LineItemNode),
        aliased(Node),
        aliased(Node),
        aliased(NodeAncestor),
    )
    wanted_level = case((leaf.level < level, leaf.level), else_=literal(level))
    return (
        select(lin.line_item_id, anc.id.label("node_id"), anc.code, anc.label, anc.level)
        .join(leaf, leaf.id == lin.node_id)
        .join(link, and_(link.node_id == lin.node_id, link.ancestor_level == wanted_level))
        .join(anc, anc.id == link.ancestor_id)
        .where(lin.classification_id == classification_id)
        .cte(f"placed_{name}")
        .prefix_with("MATERIALIZED")
    )


def _fact_column(name: str) -> Any:
    # Grouping by the measure id (not its key) keeps every aggregate inside the covering index.
    return Fact.measure_id if name == "measure" else getattr(Fact, name)


def _varied(session: Session, where: list[ColumnElement[bool]]) -> dict[str, bool]:
    row = session.execute(
        select(func.count(distinct(Fact.year)), func.count(distinct(Fact.period))).where(*where)
    ).one()
    return {"year": row[0] > 1, "period": row[1] > 1}


def _summary(
    session: Session, ctx: Context, where: list[ColumnElement[bool]], fields: list[str]
) -> list[dict[str, Any]]:
    """The total of each series in the selection (not only of the page shown)."""
    columns = [_fact_column(f).label(f) for f in fields]
    stmt = (
        select(*columns, func.sum(Fact.amount).label("amount"), func.count().label("count"))
        .where(*where)
        .group_by(*columns)
        .order_by(*columns)
    )
    rows = [dict(row) for row in session.execute(stmt).mappings()]
    for row in rows:
        if "measure" in row:
            row["measure"] = ctx.measure_key(row["measure"])
    return rows
