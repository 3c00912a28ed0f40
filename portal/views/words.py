"""The portal's own words for the data model's codes (phases, directions...), translated."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

PHASES = {
    "proposed": lazy_gettext("Proposed"),
    "approved": lazy_gettext("Approved"),
    "adjusted": lazy_gettext("Adjusted"),
    "executed": lazy_gettext("Executed"),
}
DIRECTIONS = {"expenditure": lazy_gettext("Expenditure"), "revenue": lazy_gettext("Revenue")}
ROLES = {
    "flow": lazy_gettext("Ordinary flows"),
    "lending": lazy_gettext("Lending"),
    "financial_assets": lazy_gettext("Financial assets"),
    "balance": lazy_gettext("Balances"),
    "financing": lazy_gettext("Financing"),
    "memo": lazy_gettext("Memo items"),
}
LEVELS = {
    "national": lazy_gettext("National"),
    "state": lazy_gettext("State or region"),
    "municipal": lazy_gettext("Municipal"),
}
KINDS = {
    "budget": lazy_gettext("Budget"),
    "payments": lazy_gettext("Payments"),
    "statistic": lazy_gettext("Statistics"),
}
SEARCH_KINDS = {
    "dataset": lazy_gettext("Dataset"),
    "node": lazy_gettext("Budget item"),
    "supplier": lazy_gettext("Supplier"),
    "payment": lazy_gettext("Payment"),
}
FIELDS = {
    "year": lazy_gettext("Year"),
    "period": lazy_gettext("Period"),
    "phase": lazy_gettext("Phase"),
    "direction": lazy_gettext("Direction"),
    "role": lazy_gettext("Role"),
    "measure": lazy_gettext("Measure"),
}


def phase_name(phase: str) -> str:
    return str(PHASES.get(phase, phase))


def name(table: dict[str, object], value: object) -> str:
    """The translated name of a code, or the code itself."""
    return str(table.get(str(value), value))


def period_name(period: str) -> str:
    return period or gettext("Whole year")


def register(env_globals: dict[str, object]) -> None:
    env_globals.update(
        PHASES=PHASES,
        DIRECTIONS=DIRECTIONS,
        ROLES=ROLES,
        LEVELS=LEVELS,
        KINDS=KINDS,
        SEARCH_KINDS=SEARCH_KINDS,
        FIELDS=FIELDS,
        word=name,
        period_name=period_name,
    )
