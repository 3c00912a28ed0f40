"""Map a transaction table to payments; multi-line invoices are checked against their header."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ingest import progress
from ingest.batch import Batch, CheckRecord, PaymentRecord
from ingest.errors import IngestError, Problem
from ingest.recipes import Recipe
from ingest.steps import marks
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


def published(value: Any) -> str:
    """Text as published: ends trimmed, inner spacing kept (names and purposes are quoted)."""
    return value.strip() if isinstance(value, str) else text(value)


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
    currency = recipe.dataset["currency"].upper()
    start = len(batch.payments)

    for number, row in progress.over(table.rows(), table.sheet.file):
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
                    values[key] = parse_amount(raw, marks.mark_for(decimal_mark, column))
                elif key in DATE_FIELDS:
                    values[key] = parse_date(raw)
                elif key == "line_number":
                    values[key] = int(parse_amount(raw) or 0) or None
                else:
                    values[key] = published(raw)
            except (NotANumber, ValueError) as error:
                expected = "a date" if key in DATE_FIELDS else "a number"
                note = error.note if isinstance(error, NotANumber) else ""
                raise IngestError(
                    f"expected {expected} in column '{column.name}' ({key}), found '{text(raw)}'"
                    + note,
                    table.sheet.where(number, column.index),
                ) from None
        if values["amount"] is None:
            raise IngestError(
                f"no amount in column '{columns['amount'].name}'",
                table.sheet.where(number, columns["amount"].index),
            )
        if (values.get("original_currency") or "").upper() == currency:
            # Paid in the dataset's own currency: the "original" columns only repeat it.
            values["original_currency"] = values["original_amount"] = None
        document = values.get("document_number", "")
        header = values.pop("invoice_amount", None)
        if header is not None and document:
            total, known, first = invoices.get(document, (Decimal(0), header, where))
            if known != header:
                message = f"invoice {document}: amount {header}, {known} on its first line"
                batch.problems.append(Problem(where, message))
            invoices[document] = (total + values["amount"], known, first)
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
                extra={c.name: published(cell(row, c)) for c in extra},
            )
        )
    counts: dict[str, int] = {}
    for payment in batch.payments[start:]:
        if payment.document_number:
            counts[payment.document_number] = counts.get(payment.document_number, 0) + 1
    for document, (lines, header, first) in invoices.items():
        # The invoice amount is repeated on every line: compare it once with its lines. Lines
        # converted from a foreign currency are each rounded to the cent, hence a cent a line.
        batch.checks.append(
            CheckRecord(
                "invoice lines",
                f"invoice {document}",
                first,
                header,
                lines,
                Decimal("0.01") * counts.get(document, 1),
            )
        )
    if invoices:
        _invoice_original_amounts(batch.payments[start:], counts)


def _invoice_original_amounts(payments: list[PaymentRecord], counts: dict[str, int]) -> None:
    """Keep an invoice-level original amount off the lines, so it is not counted per line.

    A file that repeats the invoice amount on every line repeats the amount in the original
    currency too: the same figure on every line of a multi-line invoice is the invoice's. It
    is kept, as published, in `extra` of each line.
    """
    by_document: dict[str, list[PaymentRecord]] = {}
    for payment in payments:
        if counts.get(payment.document_number, 0) > 1 and payment.original_amount is not None:
            by_document.setdefault(payment.document_number, []).append(payment)
    for lines in by_document.values():
        if len(lines) > 1 and len({p.original_amount for p in lines}) == 1:
            for payment in lines:
                payment.extra["invoice original amount"] = str(payment.original_amount)
                payment.original_amount = None
