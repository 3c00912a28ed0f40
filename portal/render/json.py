"""JSON with exact amounts: decimals are written as strings, never as binary floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response, current_app

from portal.render.table import Result


def plain(value: Any) -> Any:
    """Decimals as exact strings ('21550000000000.00'), dates as ISO text, recursively."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def render(result: Result, status: int = 200) -> Response:
    body = {"ok": True, **plain(result.meta), result.key: plain(list(result.rows))}
    return current_app.response_class(
        current_app.json.dumps(body, ensure_ascii=False) + "\n",
        status=status,
        mimetype="application/json",
    )
