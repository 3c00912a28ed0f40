"""The fiscal data model keeps money exact on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from portal.models import Dataset, DatasetVersion, Fact, LineItem, Measure, SourceFile
from portal.models.base import to_minor


def _version(session: Session) -> tuple[int, int, int]:
    dataset = Dataset(
        id="t",
        title="t",
        publisher="p",
        country="KZ",
        level="national",
        kind="budget",
        currency="KZT",
    )
    session.add(dataset)
    session.flush()
    version = DatasetVersion(
        dataset_id="t", number=1, ingested_at=datetime.now(UTC), fingerprint="0" * 64
    )
    session.add(version)
    session.flush()
    source = SourceFile(version_id=version.id, name="f.csv", sha256="0" * 64, size=1)
    measure = Measure(version_id=version.id, key="amount", label="Amount", currency="KZT")
    session.add_all([source, measure])
    session.flush()
    line = LineItem(version_id=version.id, source_file_id=source.id, row=2, col=1)
    session.add(line)
    session.flush()
    return version.id, measure.id, line.id


def _fact(version_id: int, measure_id: int, line_id: int, amount: Decimal) -> Fact:
    return Fact(
        version_id=version_id,
        measure_id=measure_id,
        line_item_id=line_id,
        year=2024,
        phase="executed",
        direction="expenditure",
        amount=amount,
        col=2,
    )


def test_largest_amount_round_trips_exactly(engine: Engine) -> None:
    amount = Decimal("9999999999999.99")
    with Session(engine) as session:
        ids = _version(session)
        session.add(_fact(*ids, amount))
        session.commit()
    with Session(engine) as session:
        assert session.scalar(select(Fact.amount)) == amount
        assert session.scalar(select(func.sum(Fact.amount))) == amount


def test_database_sum_of_a_million_facts_is_exact_to_the_cent(engine: Engine) -> None:
    with Session(engine) as session:
        version_id, measure_id, line_id = _version(session)
        session.add(_fact(version_id, measure_id, line_id, Decimal("123456789.01")))
        session.flush()
        # Copy the stored row server-side: a million ORM objects would test Python, not SQL.
        series = (
            "generate_series(2, 1000000)"
            if engine.dialect.name == "postgresql"
            else "(WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 1000000) SELECT i FROM n)"
        )
        session.execute(
            text(
                "INSERT INTO facts (version_id, measure_id, line_item_id, year, period, phase, "
                "phase_label, is_estimate, direction, role, amount, col) "
                "SELECT version_id, measure_id, line_item_id, year, period, phase, phase_label, "
                f"is_estimate, direction, role, amount, col FROM facts, {series} AS s"
            )
        )
        session.commit()
    with Session(engine) as session:
        assert session.scalar(select(func.count(Fact.id))) == 1_000_000
        total = session.scalar(select(func.sum(Fact.amount)))
    assert total == Decimal("123456789010000.00")


@given(
    st.decimals(
        min_value=Decimal("-1e15"),
        max_value=Decimal("1e15"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_minor_units_are_exact_for_any_cent_amount(amount: Decimal) -> None:
    assert Decimal(to_minor(amount)).scaleb(-2) == amount
