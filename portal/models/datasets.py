"""Datasets, their stored versions, source files, measures and reconciliation results."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, BigId, Money

LEVELS = ("national", "state", "municipal")
KINDS = ("budget", "payments", "statistic")


class Dataset(Base):
    """A published report, identified by a stable slug that is its permalink."""

    __tablename__ = "datasets"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2), index=True)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    license: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset_versions.id", use_alter=True, ondelete="SET NULL")
    )

    versions: Mapped[list[DatasetVersion]] = relationship(
        back_populates="dataset",
        foreign_keys="DatasetVersion.dataset_id",
        order_by="DatasetVersion.number",
    )
    current_version: Mapped[DatasetVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class DatasetVersion(Base):
    """One ingest of a dataset's files; older versions stay stored and queryable."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # SHA-256 over the recipe and every source file: the same inputs make the same version.
    fingerprint: Mapped[str] = mapped_column(String(64))
    fiscal_years: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Rows read, facts stored, rows skipped by reason, problems, seconds taken.
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    dataset: Mapped[Dataset] = relationship(back_populates="versions", foreign_keys=[dataset_id])
    source_files: Mapped[list[SourceFile]] = relationship(back_populates="version")
    measures: Mapped[list[Measure]] = relationship(back_populates="version")
    reconciliations: Mapped[list[Reconciliation]] = relationship(back_populates="version")


class SourceFile(Base):
    """An official file a version was read from, with its hash for anyone to check."""

    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigId)
    url: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[DatasetVersion] = relationship(back_populates="source_files")


class Measure(Base):
    """What an amount counts: money in a currency, or a non-money quantity such as headcount."""

    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(Text)
    # "money" amounts are in `currency`; any other unit ("positions", "percent") is never money.
    unit: Mapped[str] = mapped_column(String(32), default="money")
    currency: Mapped[str | None] = mapped_column(String(3))
    # The factor the publisher wrote amounts in (1000 for "in thousands"); stored amounts
    # are already multiplied by it.
    factor: Mapped[int] = mapped_column(BigId, default=1)

    version: Mapped[DatasetVersion] = relationship(back_populates="measures")


class Reconciliation(Base):
    """A check of stored line items against a total the publisher printed in the file."""

    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="CASCADE"), index=True
    )
    check: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[Decimal] = mapped_column(Money)
    computed: Mapped[Decimal] = mapped_column(Money)
    tolerance: Mapped[Decimal] = mapped_column(Money)
    passed: Mapped[bool]

    version: Mapped[DatasetVersion] = relationship(back_populates="reconciliations")
