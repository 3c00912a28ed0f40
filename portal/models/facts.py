"""Long-form fiscal facts and payments, each traceable to its source cell."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigId, Money

# Fiscal Data Package phases.
PHASES = ("proposed", "approved", "adjusted", "executed")
DIRECTIONS = ("expenditure", "revenue")
# What a line is inside a report: an ordinary flow, or one of the report sections that
# must never be added to spending (computed balances, financing, memo lines).
ROLES = ("flow", "lending", "financial_assets", "balance", "financing", "memo")


class Provenance:
    """Where a figure came from: file, sheet, 1-based row and column."""

    source_file_id: Mapped[int] = mapped_column(ForeignKey("source_files.id", ondelete="CASCADE"))
    sheet: Mapped[str | None] = mapped_column(Text)
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)


class LineItem(Provenance, Base):
    """A row of the source table: its place in each classification and the row it came from."""

    __tablename__ = "line_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="CASCADE"), index=True
    )


class LineItemNode(Base):
    """The one node a line item has in each of its dataset's classifications."""

    __tablename__ = "line_item_nodes"
    __table_args__ = (Index("ix_line_item_nodes_node", "node_id", "line_item_id"),)

    line_item_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("line_items.id", ondelete="CASCADE"), primary_key=True
    )
    classification_id: Mapped[int] = mapped_column(
        ForeignKey("classifications.id", ondelete="CASCADE"), primary_key=True
    )
    node_id: Mapped[int] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))


class Fact(Base):
    """One amount: line item x year (or period) x phase x direction x measure."""

    __tablename__ = "facts"
    # Covering index: an aggregate reads the index alone, in order, never the table rows.
    __table_args__ = (
        Index(
            "ix_facts_aggregate",
            "version_id",
            "year",
            "period",
            "phase",
            "direction",
            "role",
            "measure_id",
            "line_item_id",
            "amount",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    line_item_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("line_items.id", ondelete="CASCADE"), index=True
    )
    # The source column of the amount; the row is the line item's.
    col: Mapped[int] = mapped_column(Integer)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    # A period inside the year when the file has one: "2023-12" (a year-to-date month
    # snapshot), "Q1", "TQ" (the US transition quarter of 1976).
    period: Mapped[str] = mapped_column(String(16), default="")
    phase: Mapped[str] = mapped_column(String(16))
    phase_label: Mapped[str] = mapped_column(Text, default="")
    is_estimate: Mapped[bool] = mapped_column(default=False)
    direction: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(20), default="flow")
    amount: Mapped[Decimal] = mapped_column(Money)


class Supplier(Base):
    """Who got paid, across payment datasets; name as published plus the publisher's id."""

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Normalised name and identifier: the same supplier in two datasets is one row.
    key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(Text)


class Payment(Provenance, Base):
    """One payment (or one line of a multi-line invoice) from transaction-level data."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_version_supplier", "version_id", "supplier_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    payer: Mapped[str] = mapped_column(Text, default="")
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    supplier_name: Mapped[str] = mapped_column(Text, default="")
    supplier_ref: Mapped[str | None] = mapped_column(Text)
    # In the dataset's currency; the original currency and amount when paid in another.
    amount: Mapped[Decimal] = mapped_column(Money)
    original_currency: Mapped[str | None] = mapped_column(String(3))
    original_amount: Mapped[Decimal | None] = mapped_column(Money)
    purpose: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(Text, default="")
    document_number: Mapped[str] = mapped_column(Text, default="")
    line_number: Mapped[int | None] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date, index=True)
    # Other published fields, kept as they were (treasury branch, variable symbol, ...).
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
