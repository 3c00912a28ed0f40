"""The human page of the download API, with examples that work when pasted in a terminal."""

from __future__ import annotations

import shlex
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select

from portal.db import get_session
from portal.models import Dataset
from portal.openapi import ENDPOINTS, PARAMS
from portal.views.api import MAX_AGE
from portal.views.site import secure

bp = secure(Blueprint("apidocs", __name__))


def _example(path: str, params: list[str], dataset_id: str) -> str:
    base = request.host_url.rstrip("/") + "/api/v1"
    filled = (
        path.replace("{dataset_id}", dataset_id)
        .replace("{classification}", "administrative")
        .replace("{supplier_id}", "1")
    )
    query = [f"{name}={PARAMS[name]['example']}" for name in params if "example" in PARAMS[name]]
    url = base + filled + ("?" + "&".join(query) if query else "")
    return "curl " + shlex.quote(url)


@bp.get("/api")
def api_page() -> str:
    dataset_id = (
        get_session().scalar(
            select(Dataset.id).where(Dataset.current_version_id.is_not(None)).order_by(Dataset.id)
        )
        or "us-omb-outlays-fy2022"
    )
    endpoints: list[dict[str, Any]] = [
        {
            "path": path,
            "operation": operation,
            "summary": summary,
            "params": [{"name": n, "description": PARAMS[n]["description"]} for n in params],
            "example": _example(path, params, dataset_id),
        }
        for path, operation, summary, params in ENDPOINTS
    ]
    return render_template("api_docs.html", endpoints=endpoints, max_age=MAX_AGE)
