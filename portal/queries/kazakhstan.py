"""The Kazakhstan overview: the republican budget's year in figures, from the stored reports.

Every figure is one month's year-to-date snapshot (`period` = `YYYY-MM`), read through the
aggregate query with a period cut: months are never added together. The latest December is
the latest complete year; the latest month of a later year is the current year to date. A plan
column the version report notes as not published for a period is `None` ("not available"),
never 0. Each block carries the `Spec` it was computed from, so that the page can link the
same query in the API.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Node, NodeAncestor
from portal.queries import datasets
from portal.queries.aggregate import Aggregate, aggregate
from portal.queries.errors import NotFound
from portal.queries.memo import memo
from portal.queries.params import parse_cuts, parse_drilldown, parse_order

REPUBLICAN = "kz-minfin-republican-execution"
ADMINISTRATORS = "kz-minfin-republican-by-administrator"
INVESTMENTS = "kz-minfin-republican-investments"
LOCAL = "kz-minfin-almaty-local-execution"
# What the page compares: approved (утвержденный), amended (уточненный), the corrected annual
# plan (скорректированный план, the base of the execution rate) and cash execution.
MEASURES = ("approved", "amended", "plan_annual", "executed")
PLAN = "plan_annual"
# The report's numbered sections (Unified Budget Classification report form): V is the
# overall deficit (surplus), VI the non-oil deficit; both computed balances.
DEFICIT_CODE = "5"
NON_OIL_DEFICIT_CODE = "6"
# The unnumbered line the report adds to financing (budget balances used in the period).
BALANCES_USED = "ИСПОЛЬЗУЕМЫЕ ОСТАТКИ"
SPENDING = "role:flow|direction:expenditure"
REVENUE = "role:flow|direction:revenue"


@dataclass(frozen=True)
class Spec:
    """One aggregate query, as the API names it (`drilldown`, `cut`, `pagesize`)."""

    dataset: str
    drilldown: str
    cut: str
    pagesize: int = 1000
    order: str = ""

    def run(self, session: Session, selected: datasets.Selected) -> Aggregate:
        drilldowns = parse_drilldown(self.drilldown)
        allowed = ["amount", "count", "year", "period", "measure", "direction", "role"]
        allowed += [d.name for d in drilldowns] + [f"{d.name}.label" for d in drilldowns]
        return aggregate(
            session,
            selected,
            drilldowns,
            parse_cuts(self.cut),
            parse_order(self.order or None, allowed),
            1,
            self.pagesize,
        )

    def params(self) -> dict[str, str]:
        """The API's parameters for exactly this query."""
        found = {"drilldown": self.drilldown, "cut": self.cut, "pagesize": str(self.pagesize)}
        if self.order:
            found["order"] = self.order
        return found


@dataclass(frozen=True)
class Span:
    """A year as far as it is published: its last month's snapshot is the year's figure."""

    year: int
    months: tuple[int, ...]
    complete: bool

    @property
    def period(self) -> str:
        return f"{self.year:04d}-{self.last:02d}"

    @property
    def first(self) -> int:
        return self.months[0]

    @property
    def last(self) -> int:
        return self.months[-1]

    def period_of(self, month: int) -> str:
        return f"{self.year:04d}-{month:02d}"


def current(session: Session, dataset_id: str) -> datasets.Selected | None:
    """The dataset's current version, or None when it is not loaded."""
    try:
        return datasets.select_version(session, dataset_id)
    except NotFound:
        return None


def spans(selected: datasets.Selected) -> dict[str, Any]:
    """The latest complete year and, after it, the current year to date (from the report)."""
    years = ((selected.version.report or {}).get("notes") or {}).get("periods", {}).get("years")
    found = [
        Span(int(year), tuple(sorted(entry["months"])), bool(entry.get("complete")))
        for year, entry in (years or {}).items()
        if entry.get("months")
    ]
    complete = max((s for s in found if s.complete), key=lambda s: s.year, default=None)
    later = [s for s in found if not s.complete and (complete is None or s.year > complete.year)]
    return {
        "complete": complete,
        "to_date": max(later, key=lambda s: s.year, default=None),
        "all": sorted(found, key=lambda s: s.year),
    }


def not_published(selected: datasets.Selected, period: str) -> set[str]:
    """The plan measures the version report notes as not published for a period."""
    notes = (selected.version.report or {}).get("notes") or {}
    return set((notes.get("not_published") or {}).get(period, []))


def _values(
    cells: list[dict[str, Any]], missing: set[str], measures: tuple[str, ...] = MEASURES
) -> dict[str, Decimal | None]:
    """Amounts by measure (None: not published or not in the report)."""
    found: dict[str, Decimal] = {}
    for cell in cells:
        found[cell["measure"]] = found.get(cell["measure"], Decimal(0)) + cell["amount"]
    return {m: None if m in missing else found.get(m) for m in measures}


def rate(executed: Decimal | None, plan: Decimal | None) -> Decimal | None:
    """Execution as a share of the plan, recomputed (never the published percentage)."""
    if executed is None or not plan:
        return None
    return executed / plan


def _with_rate(values: dict[str, Decimal | None]) -> dict[str, Any]:
    return {**values, "rate": rate(values.get("executed"), values.get(PLAN))}


def headline(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    """Revenue, spending, net lending, financial assets, deficit and financing of a report."""
    return memo(
        session, selected, ("kz-headline", span.period), lambda: _headline(session, selected, span)
    )


def _headline(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    spec = Spec(
        selected.dataset.id,
        "report.1|measure|direction|role",
        f"period:{span.period}|measure:{';'.join(MEASURES)}",
    )
    cells = spec.run(session, selected).cells
    missing = not_published(selected, span.period)

    def pick(**where: Any) -> list[dict[str, Any]]:
        return [c for c in cells if all(_field(c, k) == v for k, v in where.items())]

    revenue = _with_rate(_values(pick(role="flow", direction="revenue"), missing))
    spending = _with_rate(_values(pick(role="flow", direction="expenditure"), missing))

    def net(role: str) -> dict[str, Decimal | None]:
        # Outflows minus inflows of one section (credits less repayments; purchases less sales).
        out = _values(pick(role=role, direction="expenditure"), missing)
        back = _values(pick(role=role, direction="revenue"), missing)
        return {
            m: None
            if out[m] is None and back[m] is None
            else (out[m] or Decimal(0)) - (back[m] or Decimal(0))
            for m in MEASURES
        }

    used = [c for c in pick(role="memo") if c["report"]["label"].startswith(BALANCES_USED)]
    return {
        "period": span.period,
        "revenue": revenue,
        "spending": spending,
        "lending": net("lending"),
        "financial_assets": net("financial_assets"),
        "deficit": _values(pick(role="balance", code=DEFICIT_CODE), missing),
        "non_oil_deficit": _values(pick(role="balance", code=NON_OIL_DEFICIT_CODE), missing),
        "borrowing": _values(pick(role="financing", direction="revenue"), missing),
        "repayment": _values(pick(role="financing", direction="expenditure"), missing),
        "balances_used": _values(used, missing) if used else None,
        "missing": sorted(missing),
        "spec": spec,
    }


def _field(cell: dict[str, Any], name: str) -> Any:
    return cell["report"]["code"] if name == "code" else cell[name]


def _labels(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    """Each node's names per language (`Node.labels`), where the ingest gave them."""
    if not ids:
        return {}
    rows = session.execute(select(Node.id, Node.labels).where(Node.id.in_(ids))).all()
    return {node_id: {k: v for k, v in (labels or {}).items() if v} for node_id, labels in rows}


def _code_key(code: str | None) -> tuple[int, str]:
    text = code or ""
    return (int(text), "") if text.isdigit() else (10**9, text)


def groups(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    """Spending by functional group (level 2 of section II): plans, execution and rate."""
    return memo(
        session, selected, ("kz-groups", span.period), lambda: _groups(session, selected, span)
    )


def _groups(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    spec = Spec(
        selected.dataset.id,
        "report.2|measure",
        f"period:{span.period}|{SPENDING}|measure:{';'.join(MEASURES)}",
    )
    missing = not_published(selected, span.period)
    by_node: dict[int, list[dict[str, Any]]] = defaultdict(list)
    nodes: dict[int, dict[str, Any]] = {}
    for cell in spec.run(session, selected).cells:
        node = cell["report"]
        if node["id"] is None or node["level"] != 2:
            continue
        by_node[node["id"]].append(cell)
        nodes[node["id"]] = node
    names = _labels(session, list(nodes))
    paths = ancestors(session, list(nodes))
    rows = [
        {
            "id": node_id,
            "code": node["code"],
            "label": node["label"],
            "labels": names.get(node_id, {}),
            "path": paths.get(node_id, []),
            **_with_rate(_values(by_node[node_id], missing)),
        }
        for node_id, node in nodes.items()
    ]
    rows.sort(key=lambda r: _code_key(r["code"]))
    return {"rows": rows, "spec": spec, "missing": sorted(missing)}


def through_year(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    """Month by month, cash execution to date as a share of that month's annual plan, per
    functional group and in total; and the share of the year's execution paid in December."""
    return memo(
        session, selected, ("kz-through", span.period), lambda: _through(session, selected, span)
    )


def _through(session: Session, selected: datasets.Selected, span: Span) -> dict[str, Any]:
    measures = f"measure:executed;{PLAN}"
    total_spec = Spec(selected.dataset.id, "period|measure", f"{SPENDING}|{measures}")
    group_spec = Spec(
        selected.dataset.id, "report.2|period|measure", f"year:{span.year}|{SPENDING}|{measures}"
    )
    totals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for cell in total_spec.run(session, selected).cells:
        totals[cell["period"]][cell["measure"]] = cell["amount"]
    per_group: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    nodes: dict[int, dict[str, Any]] = {}
    for cell in group_spec.run(session, selected).cells:
        node = cell["report"]
        if node["id"] is None or node["level"] != 2:
            continue
        nodes[node["id"]] = node
        per_group[node["id"]][cell["period"]][cell["measure"]] = cell["amount"]

    def line(by_period: dict[str, dict[str, Decimal]], year: int) -> dict[str, Any]:
        points = []
        for period in sorted(p for p in by_period if p.startswith(f"{year:04d}-")):
            values = by_period[period]
            missing = not_published(selected, period)
            plan = None if PLAN in missing else values.get(PLAN)
            points.append(
                {
                    "period": period,
                    "month": int(period[5:7]),
                    "executed": values.get("executed"),
                    "plan": plan,
                    "rate": rate(values.get("executed"), plan),
                }
            )
        return {"points": points, "december_share": december_share(points)}

    years = sorted({int(p[:4]) for p in totals})
    names = _labels(session, list(nodes))
    groups_ = [
        {
            "id": node_id,
            "code": node["code"],
            "label": node["label"],
            "labels": names.get(node_id, {}),
            **line(per_group[node_id], span.year),
        }
        for node_id, node in nodes.items()
    ]
    groups_.sort(key=lambda r: _code_key(r["code"]))
    return {
        "year": span.year,
        "years": {year: line(totals, year) for year in years},
        "total": line(totals, span.year),
        "groups": groups_,
        "specs": {"total": total_spec, "groups": group_spec},
    }


def december_share(points: list[dict[str, Any]]) -> Decimal | None:
    """The part of the year's cash execution paid in December: the December snapshot less the
    November one (two snapshots of one year, never a sum of months), over the December one."""
    by_month = {p["month"]: p["executed"] for p in points}
    december, november = by_month.get(12), by_month.get(11)
    if december is None or november is None or not december:
        return None
    return (december - november) / december


def administrators(
    session: Session, selected: datasets.Selected, span: Span, top: int = 10
) -> dict[str, Any]:
    """The administrators (ministries, agencies) that spent most, and those that left the
    most of their annual plan unspent, with execution recomputed as executed / plan."""
    return memo(
        session,
        selected,
        ("kz-administrators", span.period, top),
        lambda: _administrators(session, selected, span, top),
    )


def _administrators(
    session: Session, selected: datasets.Selected, span: Span, top: int
) -> dict[str, Any]:
    spec = Spec(
        selected.dataset.id,
        "administrator.1|measure",
        f"period:{span.period}|role:flow|measure:{';'.join(MEASURES)}",
    )
    missing = not_published(selected, span.period)
    by_node: dict[int, list[dict[str, Any]]] = defaultdict(list)
    nodes: dict[int, dict[str, Any]] = {}
    for cell in spec.run(session, selected).cells:
        node = cell["administrator"]
        if node["id"] is None:
            continue
        nodes[node["id"]] = node
        by_node[node["id"]].append(cell)
    rows = []
    for node_id, node in nodes.items():
        values = _with_rate(_values(by_node[node_id], missing))
        plan, executed = values[PLAN], values["executed"]
        unspent = plan - executed if plan is not None and executed is not None else None
        rows.append({**node, **values, "unspent": unspent})
    spent = sorted((r for r in rows if r["executed"] is not None), key=lambda r: -r["executed"])[
        :top
    ]
    below = sorted(
        (r for r in rows if r["unspent"] is not None and r["unspent"] > 0),
        key=lambda r: -r["unspent"],
    )[:top]
    return {
        "spent": spent,
        "below": below,
        "count": len(rows),
        "spec": spec,
        "missing": sorted(missing),
    }


def investments(
    session: Session, selected: datasets.Selected, span: Span, top: int = 15
) -> dict[str, Any]:
    """Priority investment projects: the total, by functional group, and the largest budget
    programs (with their administrator and group)."""
    return memo(
        session,
        selected,
        ("kz-investments", span.period, top),
        lambda: _investments(session, selected, span, top),
    )


def _investments(
    session: Session, selected: datasets.Selected, span: Span, top: int
) -> dict[str, Any]:
    key = "investments"
    missing = not_published(selected, span.period)
    base = f"period:{span.period}|measure:{';'.join(MEASURES)}"
    specs = {
        "groups": Spec(selected.dataset.id, f"{key}.2|measure", base),
        "programs": Spec(selected.dataset.id, f"{key}.4|measure", base),
    }

    def rows_of(spec: Spec, level: int) -> list[dict[str, Any]]:
        by_node: dict[int, list[dict[str, Any]]] = defaultdict(list)
        nodes: dict[int, dict[str, Any]] = {}
        for cell in spec.run(session, selected).cells:
            node = cell[key]
            if node["id"] is None or node["level"] != level:
                continue
            nodes[node["id"]] = node
            by_node[node["id"]].append(cell)
        return [{**n, **_with_rate(_values(by_node[i], missing))} for i, n in nodes.items()]

    group_rows = rows_of(specs["groups"], 2)
    names = _labels(session, [r["id"] for r in group_rows])
    for row in group_rows:
        row["labels"] = names.get(row["id"], {})
    group_rows.sort(key=lambda r: -(r[PLAN] or r["executed"] or 0))
    every_program = rows_of(specs["programs"], 4)
    every_program.sort(key=lambda r: -(r[PLAN] or r["executed"] or 0))
    programs = every_program[:top]
    paths = ancestors(session, [p["id"] for p in programs])
    for program in programs:
        program["path"] = paths.get(program["id"], [])
    program_names = _labels(session, [n["id"] for p in programs for n in p["path"]])
    for program in programs:
        for node in program["path"]:
            node["labels"] = program_names.get(node["id"], {})
    totals: dict[str, Decimal | None] = {m: None for m in MEASURES}
    for row in group_rows:
        for m in MEASURES:
            if row[m] is not None:
                totals[m] = (totals[m] or Decimal(0)) + row[m]
    return {
        "total": _with_rate(totals),
        "groups": group_rows,
        "programs": programs,
        "program_count": len(every_program),
        "specs": specs,
        "missing": sorted(missing),
    }


def ancestors(session: Session, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each node's path from the top (the node itself last)."""
    if not ids:
        return {}
    rows = session.execute(
        select(NodeAncestor.node_id, Node.id, Node.code, Node.label, Node.level)
        .join(Node, Node.id == NodeAncestor.ancestor_id)
        .where(NodeAncestor.node_id.in_(ids))
        .order_by(NodeAncestor.node_id, Node.level)
    ).all()
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for node_id, anc_id, code, label, level in rows:
        found[node_id].append({"id": anc_id, "code": code, "label": label, "level": level})
    return found
