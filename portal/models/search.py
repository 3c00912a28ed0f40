"""The search index: derived from the current versions, rebuilt at each ingest."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, BigId


class SearchEntry(Base):
    """A searchable label: a dataset title, a classification node, a supplier, a payment."""

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_dataset", "dataset_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # None for suppliers, who are shared across datasets.
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # dataset, node, supplier, payment
    ref_id: Mapped[int | None] = mapped_column(BigId)
    label: Mapped[str] = mapped_column(Text)
    # What the label is: the classification and level of a node, a payment's supplier...
    context: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    native_key: Mapped[str] = mapped_column(Text)
    latin_key: Mapped[str] = mapped_column(Text)
