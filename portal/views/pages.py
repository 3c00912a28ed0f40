"""Public HTML pages."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal import queries
from portal.db import get_session

bp = Blueprint("pages", __name__)


@bp.get("/")
def home() -> str:
    return render_template("home.html", datasets=queries.datasets.list_datasets(get_session()))
