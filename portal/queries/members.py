"""The members (nodes) of a classification tree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from portal.models import Classification, Node
from portal.queries.datasets import Selected
from portal.queries.errors import BadRequest, NotFound


def members(
    session: Session, selected: Selected, classification: str, parent: str | None = None
) -> dict[str, Any]:
    """The top nodes of a classification, or the children of `parent` (a node id)."""
    found = session.scalar(
        select(Classification).where(
            Classification.version_id == selected.version.id, Classification.key == classification
        )
    )
    if found is None:
        keys = session.scalars(
            select(Classification.key).where(Classification.version_id == selected.version.id)
        ).all()
        raise NotFound(
            f"no classification '{classification}'; this dataset has: {', '.join(keys) or 'none'}"
        )
    child = aliased(Node)
    stmt = select(Node, exists().where(child.parent_id == Node.id).label("has_children")).where(
        Node.classification_id == found.id
    )
    parent_node = None
    if parent:
        if not parent.isdigit() or int(parent) >= 2**31:  # node ids are 32-bit integers
            raise BadRequest(f"parent must be a node id (a number), not '{parent}'")
        parent_node = session.get(Node, int(parent))
        if parent_node is None or parent_node.classification_id != found.id:
            raise NotFound(f"no node {parent} in classification '{classification}'")
        stmt = stmt.where(Node.parent_id == parent_node.id)
    else:
        stmt = stmt.where(Node.parent_id.is_(None))
    nodes = session.execute(stmt.order_by(Node.code, Node.label)).all()
    return {
        "classification": {
            "key": found.key,
            "kind": found.kind,
            "label": found.label,
            "levels": list(found.level_names),
        },
        "parent": _node(parent_node) if parent_node else None,
        "members": [{**_node(node), "has_children": bool(has)} for node, has in nodes],
    }


def _node(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "code": node.code,
        "label": node.label,
        "level": node.level,
        "parent_id": node.parent_id,
    }
