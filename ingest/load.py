"""Store a batch as a new dataset version in one transaction.

Either the whole version is stored and made current, or nothing changes: a failed or killed
ingest leaves the previous version served. The same inputs again change nothing.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from ingest.batch import Batch, ClassificationRecord
from ingest.recipes import Recipe
from portal import search_index
from portal.db import session_scope
from portal.models import (
    Classification,
    Dataset,
    DatasetVersion,
    LineItem,
    Measure,
    Node,
    Payment,
    SourceFile,
    Supplier,
)
from portal.models.base import to_minor
from portal.queries.datasets import compute_summary

CHUNK = 5000
T = TypeVar("T")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(recipe: Recipe, hashes: list[str], meta: dict[str, str]) -> str:
    """Same recipe, same metadata and same file contents: same fingerprint."""
    digest = hashlib.sha256(recipe.text)
    for item in [*hashes, *sorted(f"{k}={v}" for k, v in meta.items())]:
        digest.update(item.encode())
    return digest.hexdigest()


def current_version(engine: Engine, dataset_id: str) -> tuple[str, int] | None:
    """The fingerprint and number of the dataset's current version, if it has one."""
    with Session(engine) as session:
        row = session.execute(
            select(DatasetVersion.fingerprint, DatasetVersion.number)
            .join(Dataset, Dataset.current_version_id == DatasetVersion.id)
            .where(Dataset.id == dataset_id)
        ).first()
    return (row[0], row[1]) if row else None


def store(
    engine: Engine,
    meta: dict[str, str],
    files: list[Path],
    hashes: list[str],
    print_: str,
    batch: Batch,
    report: dict[str, Any],
) -> int:
    """Write the batch as the dataset's new current version; its version number."""
    with session_scope(engine) as session:
        dataset = session.get(Dataset, meta["id"], with_for_update=True)
        if dataset is None:
            dataset = Dataset(id=meta["id"])
            session.add(dataset)
        for key, value in meta.items():
            if key != "id":
                setattr(dataset, key, value)
        session.flush()
        number = (
            session.scalar(
                select(func.max(DatasetVersion.number)).where(
                    DatasetVersion.dataset_id == dataset.id
                )
            )
            or 0
        ) + 1
        version = DatasetVersion(
            dataset_id=dataset.id,
            number=number,
            ingested_at=datetime.now(UTC),
            fingerprint=print_,
            fiscal_years=batch.years(),
            report=report,
        )
        session.add(version)
        session.flush()
        file_ids = _store_files(session, version.id, files, hashes, meta.get("source_url", ""))
        measure_ids = _store_measures(session, version.id, batch)
        node_ids, class_ids = _store_classifications(session, version.id, batch)
        _store_lines(session, version.id, batch, file_ids, measure_ids, node_ids, class_ids)
        _store_payments(session, version.id, batch, file_ids)
        _store_checks(session, version.id, batch)
        dataset.current_version_id = version.id
        session.flush()
        version.report = {**report, "summary": compute_summary(session, version.id)}
        search_index.reindex(session, dataset.id, version.id)
    if engine.dialect.name == "postgresql":
        # Fresh statistics: without them the planner picks nested loops over the new rows
        # and the first aggregates take seconds instead of milliseconds.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("facts", "line_items", "line_item_nodes", "nodes", "node_ancestors"):
                connection.exec_driver_sql(f"ANALYZE {table}")
    return number


def _chunks(items: list[T], size: int = CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        result = session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars())
    return ids


def _insert(session: Session, model: Any, rows: Iterable[dict[str, Any]]) -> None:
    for chunk in _chunks(list(rows)):
        session.execute(insert(model), chunk)


def _bulk(
    session: Session, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Plain tuples straight to the driver: COPY on PostgreSQL, executemany on SQLite.

    The big tables (facts, their node links, the closure) are most of an ingest's time; going
    through the ORM's per-row processing made storing six times slower than reading the files.
    Values must already be in their stored form (amounts as integer cents).
    """
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        if connection.dialect.name == "postgresql":
            copy_sql = f"COPY {table} ({names}) FROM STDIN"
            with cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
            cursor.executemany(sql, rows)  # type: ignore[arg-type]  # sqlite3 takes iterables
    finally:
        cursor.close()


def _store_files(
    session: Session, version_id: int, files: list[Path], hashes: list[str], url: str
) -> dict[str, int]:
    rows = [
        {
            "version_id": version_id,
            "name": path.name,
            "path": unicodedata.normalize("NFC", str(path.parent.name + "/" + path.name)),
            "sha256": sha,
            "size": path.stat().st_size,
            "url": url,
        }
        for path, sha in zip(files, hashes, strict=True)
    ]
    ids = _insert_returning_ids(session, SourceFile, rows)
    return {path.name: id_ for path, id_ in zip(files, ids, strict=True)}


def _store_measures(session: Session, version_id: int, batch: Batch) -> dict[str, int]:
    rows = [
        {
            "version_id": version_id,
            "key": m.key,
            "label": m.label,
            "unit": m.unit,
            "currency": m.currency,
            "factor": m.factor,
        }
        for m in batch.measures.values()
    ]
    ids = _insert_returning_ids(session, Measure, rows)
    return {key: id_ for key, id_ in zip(batch.measures, ids, strict=True)}


def _store_classifications(
    session: Session, version_id: int, batch: Batch
) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    node_ids: dict[tuple[str, str], int] = {}
    class_ids: dict[str, int] = {}
    for record in batch.classifications.values():
        class_id = _insert_returning_ids(
            session,
            Classification,
            [
                {
                    "version_id": version_id,
                    "key": record.key,
                    "kind": record.kind,
                    "label": record.label,
                    "level_names": record.level_names,
                }
            ],
        )[0]
        class_ids[record.key] = class_id
        ids = _store_nodes(session, class_id, record)
        node_ids.update({(record.key, key): id_ for key, id_ in ids.items()})
    return node_ids, class_ids


def _store_nodes(session: Session, class_id: int, record: ClassificationRecord) -> dict[str, int]:
    """Nodes level by level, so each parent has its id before its children."""
    ids: dict[str, int] = {}
    by_level = sorted(record.nodes.values(), key=lambda n: n.level)
    for level in sorted({n.level for n in by_level}):
        nodes = [n for n in by_level if n.level == level]
        rows = [
            {
                "classification_id": class_id,
                "key": n.key,
                "code": n.code,
                "label": n.label,
                "parent_id": ids[n.parent_key] if n.parent_key else None,
                "level": n.level,
                "labels": n.labels,
            }
            for n in nodes
        ]
        for node, id_ in zip(nodes, _insert_returning_ids(session, Node, rows), strict=True):
            ids[node.key] = id_
    closure = []
    for node in record.nodes.values():
        key: str | None = node.key
        while key is not None:
            ancestor = record.nodes[key]
            closure.append((ids[node.key], ids[key], ancestor.level))
            key = ancestor.parent_key
    _bulk(session, "node_ancestors", ["node_id", "ancestor_id", "ancestor_level"], closure)
    return ids


def _store_lines(
    session: Session,
    version_id: int,
    batch: Batch,
    file_ids: dict[str, int],
    measure_ids: dict[str, int],
    node_ids: dict[tuple[str, str], int],
    class_ids: dict[str, int],
) -> None:
    lines = [line for line in batch.lines if line.facts]
    line_ids = _insert_returning_ids(
        session,
        LineItem,
        [
            {
                "version_id": version_id,
                "source_file_id": file_ids[line.where.file],
                "sheet": line.where.sheet,
                "row": line.where.row or 0,
                "col": line.where.col or 0,
            }
            for line in lines
        ],
    )
    _bulk(
        session,
        "line_item_nodes",
        ["line_item_id", "classification_id", "node_id"],
        (
            (line_id, class_ids[class_key], node_ids[(class_key, node_key)])
            for line, line_id in zip(lines, line_ids, strict=True)
            for class_key, node_key in line.nodes.items()
        ),
    )
    _bulk(
        session,
        "facts",
        [
            "version_id",
            "line_item_id",
            "measure_id",
            "year",
            "period",
            "phase",
            "phase_label",
            "is_estimate",
            "direction",
            "role",
            "amount",
            "col",
        ],
        # In the order of the covering index: appending to a B-tree is far cheaper than
        # inserting all over it.
        sorted(
            (
                (
                    version_id,
                    line_id,
                    measure_ids[f.measure],
                    f.year,
                    f.period,
                    f.phase,
                    f.phase_label,
                    f.is_estimate,
                    f.direction,
                    f.role,
                    to_minor(f.amount),
                    f.col,
                )
                for line, line_id in zip(lines, line_ids, strict=True)
                for f in line.facts
            ),
            key=lambda r: (r[3], r[4], r[5], r[8], r[9], r[2], r[1]),
        ),
    )


def supplier_key(name: str, ref: str | None) -> str:
    """Case, accents and spacing do not make two suppliers; a publisher's id does."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(folded.split()) + (f"#{ref}" if ref else "")


def _store_payments(
    session: Session, version_id: int, batch: Batch, file_ids: dict[str, int]
) -> None:
    if not batch.payments:
        return
    wanted: dict[str, tuple[str, str | None]] = {}
    for p in batch.payments:
        if p.supplier_name:
            wanted.setdefault(
                supplier_key(p.supplier_name, p.supplier_ref), (p.supplier_name, p.supplier_ref)
            )
    known: dict[str, int] = {}
    for chunk in _chunks(list(wanted)):
        known.update(
            (key, id_)
            for key, id_ in session.execute(
                select(Supplier.key, Supplier.id).where(Supplier.key.in_(chunk))
            )
        )
    missing = [k for k in wanted if k not in known]
    new_ids = _insert_returning_ids(
        session,
        Supplier,
        [{"key": k, "name": wanted[k][0], "ref": wanted[k][1]} for k in missing],
    )
    known.update(zip(missing, new_ids, strict=True))
    _insert(
        session,
        Payment,
        (
            {
                "version_id": version_id,
                "source_file_id": file_ids[p.where.file],
                "sheet": p.where.sheet,
                "row": p.where.row or 0,
                "col": p.where.col or 0,
                "supplier_id": known.get(supplier_key(p.supplier_name, p.supplier_ref))
                if p.supplier_name
                else None,
                "supplier_name": p.supplier_name,
                "supplier_ref": p.supplier_ref,
                "payer": p.payer,
                "amount": p.amount,
                "original_currency": p.original_currency,
                "original_amount": p.original_amount,
                "purpose": p.purpose,
                "category": p.category,
                "document_number": p.document_number,
                "line_number": p.line_number,
                "issued_on": p.issued_on,
                "received_on": p.received_on,
                "due_on": p.due_on,
                "paid_on": p.paid_on,
                "extra": p.extra,
            }
            for p in batch.payments
        ),
    )


def _store_checks(session: Session, version_id: int, batch: Batch) -> None:
    _bulk(
        session,
        "reconciliations",
        [
            "version_id",
            '"check"',
            "subject",
            "location",
            "published",
            "computed",
            "tolerance",
            "passed",
        ],
        (
            (
                version_id,
                c.check,
                c.subject,
                str(c.where) if c.where else "",
                to_minor(c.published),
                to_minor(c.computed),
                to_minor(c.tolerance),
                c.passed,
            )
            for c in batch.checks
        ),
    )
