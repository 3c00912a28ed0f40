"""Declarative base and the exact money column type."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL needs BIGINT for big tables.
BigId = BigInteger().with_variant(Integer(), "sqlite")

MINOR_DIGITS = 2
_QUANTUM = Decimal(1).scaleb(-MINOR_DIGITS)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def to_minor(value: Decimal | int | str) -> int:
    """Hundredths of a unit, rounded half-even: the integer the database stores."""
    amount = value if isinstance(value, Decimal) else Decimal(value)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -MINOR_DIGITS:
        return int(amount.scaleb(MINOR_DIGITS))  # already exact in cents: no rounding
    return int(amount.quantize(_QUANTUM, ROUND_HALF_EVEN).scaleb(MINOR_DIGITS))


class Money(TypeDecorator[Decimal]):
    """An exact amount stored as an integer count of hundredths.

    SQLite has no decimal type: a NUMERIC column there holds binary floats and its SUM of a
    million rows is wrong in the cents. An integer is exact on SQLite and PostgreSQL alike,
    and SUM over it stays exact (PostgreSQL widens it to numeric).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else to_minor(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-MINOR_DIGITS).quantize(_QUANTUM)
