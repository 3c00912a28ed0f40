"""Map a transaction table to payments; multi-line invoices are checked against their header."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ingest.batch import Batch, CheckRecord, PaymentRecord
from ingest.errors import IngestError
from ingest.recipes import Recipe
from ingest.steps.rows import cell
from ingest.steps.table import Column, Table, text
from ingest.steps.values import NotANumber, parse_amount

TEXT_FIELDS = (
    "supplier",
    "supplier_ref",
    "payer",
    "purpose",
    "category",
    "document_number",
    "original_currency",
)
DATE_FIELDS = ("issued_on", "received_on", "due_on", "paid_on")
AMOUNT_FIELDS = ("amount", "original_amount", "invoice_amount")
FIELDS = {*TEXT_FIELDS, *DATE_FIELDS, *AMOUNT_FIELDS, "line_number", "extra"}


def parse_date(value: Any) -> date | None:
    """ISO dates and datetimes, or day.month.year as written in much of Europe."""
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    raw = text(value)
    if not raw:
        return None
    iso = re.match(r"^(\d{4})-(\d{2})-(\d{2})", raw)
    dotted = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})", raw)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dotted:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        pass
    raise ValueError(raw)


def map_payments(recipe: Recipe, table: Table, batch: Batch) -> None:
    spec = recipe.payments or {}
    unknown = set(spec) - FIELDS
    if unknown:
        raise recipe.error(
            f"[payments] has unknown key(s) {sorted(unknown)}; allowed: {sorted(FIELDS)}"
        )
    if "amount" not in spec:
        raise recipe.error("[payments] needs `amount`, the column of the amount paid")
    columns: dict[str, Column] = {}
    for key, ref in spec.items():
        if key != "extra":
            found = table.find(ref)
            assert found is not None
            columns[key] = found
    extra = [c for ref in spec.get("extra", []) if (c := table.find(ref))]
    decimal_mark = recipe.source.get("decimal")
    invoices: dict[str, tuple[Decimal, Decimal, Any]] = {}

    for number, row in table.rows():
        batch.rows_read += 1
        if not any(text(v) for v in row):
            batch.skip("blank row")
            continue
        where = table.sheet.where(number)
        values: dict[str, Any] = {}
        for key, column in columns.items():
            raw = cell(row, column)
            try:
                if key in AMOUNT_FIELDS:
                    values[key] = parse_amount(raw, decimal_mark)
                elif key in DATE_FIELDS:
                    values[key] = parse_date(raw)
                elif key == "line_number":
                    values[key] = int(parse_amount(raw) or 0) or None
                else:
                    values[key] = text(raw)
            except (NotANumber, ValueError):
                expected = "a date" if key in DATE_FIELDS else "a number"
                raise IngestError(
                    f"expected {expected} in column '{column.name}' ({key}), found '{text(raw)}'",
                    table.sheet.where(number, column.index),
                ) from None
        if values["amount"] is None:
            raise IngestError(
                f"no amount in column '{columns['amount'].name}'",
                table.sheet.where(number, columns["amount"].index),
            )
        document = values.get("document_number", "")
        header = values.pop("invoice_amount", None)
        if header is not None and document:
            total, _, first = invoices.get(document, (Decimal(0), header, where))
            invoices[document] = (total + values["amount"], header, first)
        batch.payments.append(
            PaymentRecord(
                where=where,
                amount=values["amount"],
                supplier_name=values.get("supplier", ""),
                supplier_ref=values.get("supplier_ref") or None,
                payer=values.get("payer", ""),
                original_currency=values.get("original_currency") or None,
                original_amount=values.get("original_amount"),
                purpose=values.get("purpose", ""),
                category=values.get("category", ""),
                document_number=document,
                line_number=values.get("line_number"),
                issued_on=values.get("issued_on"),
                received_on=values.get("received_on"),
                due_on=values.get("due_on"),
                paid_on=values.get("paid_on"),
                extra={c.name: text(cell(row, c)) for c in extra},
            )
        )
    for document, (lines, header, first) in invoices.items():
        # The invoice amount is repeated on every line: compare it once with its lines.
        batch.checks.append(
            CheckRecord(
                "invoice lines", f"invoice {document}", first, header, lines, Decimal("0.01")
            )
        )
