"""Line items with their full classification paths and the cell each figure came from."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import (
    Classification,
    Fact,
    LineItem,
    LineItemNode,
    Measure,
    Node,
    NodeAncestor,
    SourceFile,
)
from portal.queries.aggregate import Context, fact_filter
from portal.queries.datasets import Selected
from portal.queries.errors import BadRequest
from portal.queries.params import MAX_PAGESIZE, Cut


def facts(
    session: Session, selected: Selected, cuts: list[Cut], after: int = 0, pagesize: int = 100
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of facts in id order after `after` (keyset: the last page is as fast as the
    first); the id to continue after, or None at the end."""
    if pagesize > MAX_PAGESIZE:
        raise BadRequest(f"pagesize must be at most {MAX_PAGESIZE}")
    ctx = Context.load(session, selected)
    stmt = (
        select(Fact, Measure.key, LineItem, SourceFile.name)
        .join(Measure, Measure.id == Fact.measure_id)
        .join(LineItem, LineItem.id == Fact.line_item_id)
        .join(SourceFile, SourceFile.id == LineItem.source_file_id)
        .where(*fact_filter(ctx, cuts), Fact.id > after)
        .order_by(Fact.id)
        .limit(pagesize + 1)
    )
    rows = session.execute(stmt).all()
    more = len(rows) > pagesize
    rows = rows[:pagesize]
    paths = classification_paths(session, {line.id for _, _, line, _ in rows})
    result = []
    for fact, measure, line, file_name in rows:
        result.append(
            {
                "id": fact.id,
                "year": fact.year,
                "period": fact.period,
                "measure": measure,
                "phase": fact.phase,
                "phase_label": fact.phase_label,
                "is_estimate": fact.is_estimate,
                "direction": fact.direction,
                "role": fact.role,
                "amount": fact.amount,
                "classifications": paths.get(line.id, {}),
                "source": {
                    "file": file_name,
                    "sheet": line.sheet,
                    "row": line.row,
                    "column": fact.col,
                },
            }
        )
    return result, (rows[-1][0].id if more and rows else None)


def classification_paths(
    session: Session, line_ids: set[int]
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """For each line item, each classification's root-to-leaf path of {code, label, level}."""
    if not line_ids:
        return {}
    stmt = (
        select(LineItemNode.line_item_id, Classification.key, Node.code, Node.label, Node.level)
        .join(Classification, Classification.id == LineItemNode.classification_id)
        .join(NodeAncestor, NodeAncestor.node_id == LineItemNode.node_id)
        .join(Node, Node.id == NodeAncestor.ancestor_id)
        .where(LineItemNode.line_item_id.in_(line_ids))
        .order_by(LineItemNode.line_item_id, Classification.id, Node.level)
    )
    paths: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for line_id, key, code, label, level in session.execute(stmt):
        paths[line_id].setdefault(key, []).append({"code": code, "label": label, "level": level})
    return paths
