"""Czech Ministry of Finance paid invoices, 2014: one payment per invoice line.

Expected figures come from a plain reading of the raw CSV with the csv module and simple
loops; the stored database is compared with them on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ingest import pipeline, recipes
from portal.config import DATASETS_DIR
from portal.models import Payment, Reconciliation
from tests.conftest import loaded
from tests.helpers import current_version_id, payment_total

DATASET = "cz-mof-invoices-2014"
RAW = DATASETS_DIR / "raw" / "czech_mof" / "spending-mfcr-data-2014.csv"

db = loaded(DATASET)


def _read(path: Path = RAW) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def comma(value: str) -> Decimal:
    """`11289,3`: the invoice columns' decimal comma."""
    return Decimal(value.replace(",", "."))


HEADER, ROWS = _read()
LINES_SUM = sum((Decimal(r["Castka - radek"]) for r in ROWS), Decimal(0))
INVOICES: dict[str, list[dict[str, str]]] = defaultdict(list)
for _row in ROWS:
    INVOICES[_row["Cislo faktury"]].append(_row)


def _stored(engine: Engine) -> list[Payment]:
    version = current_version_id(engine, DATASET)
    with Session(engine) as session:
        return list(session.scalars(select(Payment).where(Payment.version_id == version)))


def test_one_payment_per_line_with_the_line_amount(db: Engine) -> None:
    count, total = payment_total(db, DATASET)
    assert count == len(ROWS) == 7950
    assert total == LINES_SUM


def test_the_invoice_amount_is_never_double_counted(db: Engine) -> None:
    _, total = payment_total(db, DATASET)
    once = sum((comma(lines[0]["Castka"]) for lines in INVOICES.values()), Decimal(0))
    every_line = sum((comma(r["Castka"]) for r in ROWS), Decimal(0))
    # Where an invoice's lines do not add up to its amount, the lines are what was stored.
    gaps = sum(
        (
            sum((Decimal(r["Castka - radek"]) for r in lines), Decimal(0))
            - comma(lines[0]["Castka"])
            for lines in INVOICES.values()
        ),
        Decimal(0),
    )
    assert total == once + gaps
    assert abs(gaps) < 1000 < every_line - once


def test_totals_per_supplier_and_per_currency(db: Engine) -> None:
    stored = _stored(db)
    by_supplier: dict[str | None, Decimal] = defaultdict(Decimal)
    by_currency: dict[str | None, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for p in stored:
        by_supplier[p.supplier_ref] += p.amount
        n, s = by_currency[p.original_currency]
        by_currency[p.original_currency] = (n + 1, s + p.amount)
    expected_supplier: dict[str, Decimal] = defaultdict(Decimal)
    expected_currency: dict[str | None, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for r in ROWS:
        expected_supplier[r["Kod partnera"]] += Decimal(r["Castka - radek"])
        currency = None if r["Mena"] == "CZK" else r["Mena"]
        n, s = expected_currency[currency]
        expected_currency[currency] = (n + 1, s + Decimal(r["Castka - radek"]))
    for ref in ("07133-01", "00986-02", "06657-01", "04212-01", "07158-01"):
        assert by_supplier[ref] == expected_supplier[ref], ref
    assert dict(by_currency) == dict(expected_currency)
    assert set(by_currency) == {None, "EUR", "USD", "GBP", "CHF", "JPY", "CAD"}


def test_foreign_currency_amounts_once_per_invoice(db: Engine) -> None:
    stored = _stored(db)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for lines in INVOICES.values():
        if lines[0]["Mena"] != "CZK":
            expected[lines[0]["Mena"]] += comma(lines[0]["Castka cizi mena"])
    got: dict[str, Decimal] = defaultdict(Decimal)
    for p in stored:
        if p.original_currency and p.original_amount is not None:
            got[p.original_currency] += p.original_amount
        elif p.original_currency:
            # A multi-line invoice: its amount in the original currency is the invoice's.
            if p.line_number == 1:
                got[p.original_currency] += comma(p.extra["invoice original amount"])
    assert got == expected
    moody = [p for p in stored if p.document_number == "1407200022"]
    assert [p.original_amount for p in moody] == [None, None]
    assert {p.extra["invoice original amount"] for p in moody} == {"95750"}


def test_fields_and_labels_as_published(db: Engine) -> None:
    stored = {(p.document_number, p.line_number): p for p in _stored(db)}
    first = stored[("1350000495", 1)]
    assert first.supplier_name == "Martin Korbař JUDr."
    assert first.supplier_ref == "04212-01"
    assert first.amount == Decimal("11289.30")
    assert str(first.issued_on) == "2013-12-30" and str(first.paid_on) == "2014-01-13"
    assert str(first.received_on) == "2014-01-03" and str(first.due_on) == "2014-01-13"
    assert first.original_currency is None and first.original_amount is None
    assert first.extra["Typ dokladu"] == "F"
    assert first.extra["Variabilni symbol"] == "980130012"
    assert first.extra["Cislo faktury dodavatele"] == "130389"
    # Quotes were escaped twice in the file: one pair of quotes as the publisher wrote it.
    assert stored[("1400000006", 1)].purpose == 'Deník "MF Dnes" (každé vydání 9 ks)'
    assert stored[("1400000119", 1)].supplier_name == 'SATTER CLEAN 2000, s.r.o."'
    ibrd = stored[("1406200008", 1)]
    assert (ibrd.original_currency, ibrd.original_amount) == ("USD", Decimal("1997715.6"))
    assert ibrd.amount == Decimal("40385818.57")
    # Inner spacing kept as published.
    alta = stored[("1350000526", 1)]
    assert alta.purpose.startswith("ČKA   poplatky")


def test_document_types_are_kept_and_credit_notes_are_negative(db: Engine) -> None:
    stored = _stored(db)
    kinds: dict[str, int] = defaultdict(int)
    for p in stored:
        kinds[p.extra["Typ dokladu"]] += 1
    assert kinds == {"F": 7414, "Z": 412, "D": 124}
    expected = sum(
        (Decimal(r["Castka - radek"]) for r in ROWS if r["Typ dokladu"] == "D"), Decimal(0)
    )
    credit = [p.amount for p in stored if p.extra["Typ dokladu"] == "D"]
    assert all(a < 0 for a in credit) and sum(credit, Decimal(0)) == expected


def test_every_invoice_is_checked_against_its_lines(db: Engine) -> None:
    version = current_version_id(db, DATASET)
    with Session(db) as session:
        checks = session.scalars(
            select(Reconciliation).where(Reconciliation.version_id == version)
        ).all()
        passed = session.scalar(
            select(func.count())
            .select_from(Reconciliation)
            .where(Reconciliation.version_id == version, Reconciliation.passed)
        )
    assert len(checks) == len(INVOICES) == 7584
    failing = set()
    for number, lines in INVOICES.items():
        lines_sum = sum((Decimal(r["Castka - radek"]) for r in lines), Decimal(0))
        # Lines converted from a foreign currency may each be a cent off.
        if abs(lines_sum - comma(lines[0]["Castka"])) > Decimal("0.01") * len(lines):
            failing.add(f"invoice {number}")
    assert {c.subject for c in checks if not c.passed} == failing
    assert passed == len(INVOICES) - len(failing)
    # Credit notes whose rounding line kept the wrong sign, and one mistyped invoice amount.
    assert "invoice 1410000270" in failing and "invoice 1400000194" in failing


# --- another edition through the same recipe -----------------------------------------------


def test_the_recipe_reads_another_edition(tmp_path: Path) -> None:
    """Columns in another order, rows shuffled, a multi-line invoice paid in dollars."""
    order = list(reversed(HEADER))
    sample = [r for r in ROWS if r["Cislo faktury"] in ("1400000006", "1400000194")]
    dollars = dict(sample[0])
    dollars.update(
        {
            "Cislo faktury": "1500000001",
            "Dodavatel": 'Firma ""Nová"" s.r.o.',
            "Castka": "1000,5",
            "Mena": "USD",
            "Castka cizi mena": "40,25",
            "Uhrada cizi mena": "40,25",
        }
    )
    lines = [dict(dollars, **{"Cislo radku": "1", "Castka - radek": "600.20"})]
    lines.append(dict(dollars, **{"Cislo radku": "2", "Castka - radek": "400.31"}))
    rows = sample + lines
    random.Random(3).shuffle(rows)
    path = tmp_path / "invoices.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(order)
        writer.writerows([[r[name] for name in order] for r in rows])
    batch = pipeline.build(recipes.load(DATASET), [path])
    assert sum((p.amount for p in batch.payments), Decimal(0)) == sum(
        (Decimal(r["Castka - radek"]) for r in rows), Decimal(0)
    )
    usd = sorted(
        (p for p in batch.payments if p.document_number == "1500000001"),
        key=lambda p: p.line_number or 0,
    )
    assert [p.amount for p in usd] == [Decimal("600.20"), Decimal("400.31")]
    assert {p.original_currency for p in usd} == {"USD"}
    assert {p.supplier_name for p in usd} == {'Firma "Nová" s.r.o.'}
    results = {c.subject: c.passed for c in batch.checks}
    # 600.20 + 400.31 = 1000.51 against 1000,5: a cent a converted line is allowed.
    assert results == {
        "invoice 1500000001": True,
        "invoice 1400000006": True,
        "invoice 1400000194": False,
    }
