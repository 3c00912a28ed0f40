"""Amounts the database can hold: checked once the unit factor has been applied."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ingest.batch import Batch
from ingest.errors import IngestError, Location
from ingest.steps.values import MAX_AMOUNT, too_large


def check_storable(batch: Batch) -> None:
    """Refuse the batch when an amount, in base units, is too large to store exactly."""
    for line in batch.lines:
        for fact in line.facts:
            if too_large(fact.amount):
                _refuse(fact.amount, replace(line.where, col=fact.col or line.where.col))
    for payment in batch.payments:
        for amount in (payment.amount, payment.original_amount):
            if amount is not None and too_large(amount):
                _refuse(amount, payment.where)
    for check in batch.checks:
        for amount in (check.published, check.computed):
            if amount is not None and too_large(amount):
                _refuse(amount, check.where or Location("reconciliation"))


def _refuse(amount: Decimal, where: Location) -> None:
    raise IngestError(
        f"the amount {amount:,f} (after the unit factor) is too large to store: more than "
        f"{MAX_AMOUNT:,.0f}; check the cell and the unit (`unit` in [source])",
        where,
    )
