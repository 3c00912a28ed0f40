"""Who got paid: supplier search, the top suppliers and each supplier's payments."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.db import get_session
from portal.queries import suppliers
from portal.queries.params import parse_int
from portal.views.site import secure

bp = secure(Blueprint("payments", __name__))
PAGESIZE = 50


@bp.get("/payments/")
def index() -> str:
    q = (request.args.get("q") or "").strip()
    page = parse_int(request.args.get("page"), "page", 1, 1, 1_000_000)
    rows, count = suppliers.suppliers(get_session(), q or None, page, PAGESIZE)
    return render_template(
        "payments.html", q=q, rows=rows, count=count, page=page, pagesize=PAGESIZE
    )


@bp.get("/payments/suppliers/<int:supplier_id>")
def supplier(supplier_id: int) -> str:
    after = parse_int(request.args.get("after"), "after", 0, 0, 2**62)
    data = suppliers.supplier(get_session(), supplier_id, after=after, pagesize=PAGESIZE)
    return render_template("supplier.html", data=data, after=after)
