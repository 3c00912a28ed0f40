"""Classification trees (administrative, functional, economic, ...) and their nodes."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base

# Classification types of the Fiscal Data Package, plus what our sources need.
CLASSIFICATION_KINDS = (
    "administrative",
    "functional",
    "economic",
    "program",
    "fund",
    "location",
    "activity",
    "other",
)


class Classification(Base):
    """One way a dataset classifies its line items; a tree of nodes."""

    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(Text)
    level_names: Mapped[list[str]] = mapped_column(JSON, default=list)


class Node(Base):
    """A member of a classification: code and label as published, its parent and level."""

    __tablename__ = "nodes"
    __table_args__ = (
        UniqueConstraint("classification_id", "key"),
        Index("ix_nodes_classification_parent", "classification_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classification_id: Mapped[int] = mapped_column(
        ForeignKey("classifications.id", ondelete="CASCADE")
    )
    # Unique within the classification: the codes (or labels) of the path from the root.
    key: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    # Official names by language ({"ru": ..., "kk": ..., "en": ...}) from a curated list;
    # `label` stays the name as the file published it.
    labels: Mapped[dict[str, str] | None] = mapped_column(JSON)


class NodeAncestor(Base):
    """Closure table: every (node, ancestor-or-self) pair, so any level can be drilled into."""

    __tablename__ = "node_ancestors"

    node_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("nodes.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    ancestor_level: Mapped[int] = mapped_column(Integer)
