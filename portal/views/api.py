"""The /api/v1 download API: JSON by default, CSV with `.csv` or `format=csv`.

Views parse and check parameters, call the query layer and hand the result to a renderer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.db import get_session
from portal.models import Dataset
from portal.queries import aggregate as agg
from portal.queries import datapackage, datasets, facts, members, search, suppliers
from portal.queries.errors import BadRequest, QueryError
from portal.queries.params import (
    MAX_PAGESIZE,
    parse_cuts,
    parse_drilldown,
    parse_int,
    parse_order,
)
from portal.render import csv as csv_render
from portal.render import json as json_render
from portal.render.table import Result

bp = Blueprint("api", __name__, url_prefix="/api/v1")
FORMATS = ("json", "csv")
MAX_AGE = 300


def error_response(status: int, message: str) -> Response:
    """The one error shape of the API."""
    body = {"ok": False, "status": status, "error": message}
    response = current_app.response_class(
        current_app.json.dumps(body, ensure_ascii=False) + "\n",
        status=status,
        mimetype="application/json",
    )
    return response


@bp.errorhandler(QueryError)
def query_error(error: QueryError) -> Response:
    return error_response(error.status, error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    return error_response(error.code or 500, error.description or error.name)


@bp.errorhandler(DataError)
def out_of_range(error: DataError) -> Response:
    # A number beyond what its database column holds (an id no record can have).
    return error_response(404, "no such record: a number in the request is out of range")


@bp.errorhandler(OperationalError)
def too_slow(error: OperationalError) -> Response:
    # A statement time limit (or a busy database) stopped the query: retrying later may work.
    current_app.logger.warning("query stopped: %s", error)
    return error_response(
        503,
        "the query took too long or the database is busy; narrow it "
        "with cut or a smaller pagesize, or retry later",
    )


@bp.errorhandler(Exception)
def unexpected_error(error: Exception) -> Response:
    current_app.logger.exception("API error")
    return error_response(500, "internal error; it has been logged")


@bp.after_request
def open_for_reads(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    return response


def output_format(suffix: str | None) -> str:
    fmt = (suffix or request.args.get("format") or "json").lower()
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not '{fmt}'")
    return fmt


def known_args(*names: str) -> None:
    """A misspelt parameter is an error, not silently ignored."""
    allowed = {*names, "format", "bom"}
    for name in request.args:
        if name not in allowed:
            raise BadRequest(f"unknown parameter '{name}'; allowed: {', '.join(sorted(allowed))}")


def api_view(
    *params: str, forced: str | None = None
) -> Callable[[Callable[..., tuple[Result, str]]], Callable[..., Any]]:
    """Render a view's Result as JSON or CSV with ETag, 304 and public caching.

    The view returns (result, etag seed); the seed names the data version it read.
    """

    def decorate(view: Callable[..., tuple[Result, str]]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, fmt: str | None = None, **kwargs: Any) -> Response:
            known_args(*params)
            chosen = output_format(fmt or forced)
            result, seed = view(*args, **kwargs)
            etag = hashlib.sha256(f"{seed}|{chosen}|{request.full_path}".encode()).hexdigest()
            if request.if_none_match.contains(etag):
                response = Response(status=304)
            elif chosen == "csv":
                response = csv_render.render(result, bom=request.args.get("bom") == "1")
            else:
                response = json_render.render(result)
            response.set_etag(etag)
            response.cache_control.public = True
            response.cache_control.max_age = MAX_AGE
            return response

        wrapper.api_params = (*params, "format", "bom")  # type: ignore[attr-defined]
        return wrapper

    return decorate


def route(rule: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view at `rule` and at `rule.<fmt>`."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        bp.add_url_rule(rule, view_func=view, methods=["GET"])
        bp.add_url_rule(rule + ".<fmt>", view_func=view, methods=["GET"])
        return view

    return decorate


def catalogue_seed() -> str:
    ids = get_session().scalars(select(Dataset.current_version_id).order_by(Dataset.id)).all()
    return ",".join(str(i) for i in ids)


def selected(dataset_id: str) -> datasets.Selected:
    return datasets.select_version(get_session(), dataset_id, request.args.get("version"))


@route("/datasets")
@api_view("country", "kind", "year")
def dataset_list() -> tuple[Result, str]:
    year = request.args.get("year")
    rows = datasets.list_datasets(
        get_session(),
        country=request.args.get("country"),
        kind=request.args.get("kind"),
        year=parse_int(year, "year", 0, 1000, 9999) if year else None,
    )
    return Result("datasets", rows, {"count": len(rows)}, "datasets"), catalogue_seed()


@route("/datasets/<dataset_id>")
@api_view("version")
def dataset_detail(dataset_id: str) -> tuple[Result, str]:
    chosen = selected(dataset_id)
    data = datasets.detail(get_session(), chosen)
    results = data["reconciliation"]["results"]
    meta = {"dataset": data}
    return Result("reconciliation", results, meta, dataset_id), str(chosen.version.id)


@route("/datasets/<dataset_id>/aggregate")
@api_view("version", "drilldown", "cut", "order", "page", "pagesize", "measure")
def dataset_aggregate(dataset_id: str) -> tuple[Result, str]:
    chosen = selected(dataset_id)
    cuts = parse_cuts(request.args.get("cut"))
    if request.args.get("measure"):
        cuts += parse_cuts("measure:" + request.args["measure"])
    result = agg.aggregate(
        get_session(),
        chosen,
        parse_drilldown(request.args.get("drilldown")),
        cuts,
        order=parse_order(request.args.get("order"), _orderable(request.args.get("drilldown"))),
        page=parse_int(request.args.get("page"), "page", 1, 1, 1_000_000),
        pagesize=parse_int(request.args.get("pagesize"), "pagesize", 100, 1, MAX_PAGESIZE),
    )
    meta = {
        "dataset": dataset_id,
        "version": chosen.version.number,
        "currency": chosen.dataset.currency,
        "drilldown": result.drilldown,
        "cut": request.args.get("cut", ""),
        "measures": result.measures,
        "summary": result.summary,
        "total": result.total,
        "total_cell_count": result.total_cell_count,
        "page": result.page,
        "pagesize": result.pagesize,
    }
    return Result("cells", result.cells, meta, f"{dataset_id}-aggregate"), str(chosen.version.id)


def _orderable(drilldown: str | None) -> list[str]:
    names = ["amount", "count", "year", "period", "phase", "direction", "role", "measure"]
    for ref in parse_drilldown(drilldown):
        names += [ref.name, f"{ref.name}.label"]
    return names


@route("/datasets/<dataset_id>/facts")
@api_view("version", "cut", "after", "pagesize")
def dataset_facts(dataset_id: str) -> tuple[Result, str]:
    chosen = selected(dataset_id)
    after = parse_int(request.args.get("after"), "after", 0, 0, 2**62)
    pagesize = parse_int(request.args.get("pagesize"), "pagesize", 100, 1, MAX_PAGESIZE)
    rows, last = facts.facts(
        get_session(), chosen, parse_cuts(request.args.get("cut")), after, pagesize
    )
    next_url = None
    if last is not None:
        args = {k: v for k, v in request.args.items() if k != "after"}
        next_url = url_for(
            "api.dataset_facts", dataset_id=dataset_id, after=last, **args, _external=True
        )
    meta = {
        "dataset": dataset_id,
        "version": chosen.version.number,
        "currency": chosen.dataset.currency,
        "next": next_url,
        "count": len(rows),
    }
    return Result("facts", rows, meta, f"{dataset_id}-facts"), str(chosen.version.id)


@route("/datasets/<dataset_id>/members/<classification>")
@api_view("version", "parent")
def dataset_members(dataset_id: str, classification: str) -> tuple[Result, str]:
    chosen = selected(dataset_id)
    data = members.members(get_session(), chosen, classification, request.args.get("parent"))
    rows = data.pop("members")
    return (
        Result("members", rows, {"dataset": dataset_id, **data}, f"{dataset_id}-{classification}"),
        str(chosen.version.id),
    )


@route("/search")
@api_view("q", "kind", "dataset", "limit")
def search_view() -> tuple[Result, str]:
    q = request.args.get("q", "")
    hits = search.search(
        get_session(),
        q,
        kind=request.args.get("kind"),
        dataset=request.args.get("dataset"),
        limit=parse_int(request.args.get("limit"), "limit", 50, 1, 200),
    )
    return Result("results", hits, {"q": q, "count": len(hits)}, "search"), catalogue_seed()


@route("/suppliers")
@api_view("q", "page", "pagesize")
def supplier_list() -> tuple[Result, str]:
    page = parse_int(request.args.get("page"), "page", 1, 1, 1_000_000)
    pagesize = parse_int(request.args.get("pagesize"), "pagesize", 50, 1, MAX_PAGESIZE)
    rows, count = suppliers.suppliers(get_session(), request.args.get("q") or None, page, pagesize)
    meta = {"total_count": count, "page": page, "pagesize": pagesize}
    return Result("suppliers", rows, meta, "suppliers"), catalogue_seed()


@route("/suppliers/<int:supplier_id>")
@api_view("after", "pagesize")
def supplier_detail(supplier_id: int) -> tuple[Result, str]:
    data = suppliers.supplier(
        get_session(),
        supplier_id,
        after=parse_int(request.args.get("after"), "after", 0, 0, 2**62),
        pagesize=parse_int(request.args.get("pagesize"), "pagesize", 100, 1, MAX_PAGESIZE),
    )
    rows = data.pop("payments")
    last = data.pop("next_after")
    data["next"] = (
        url_for(
            "api.supplier_detail",
            supplier_id=supplier_id,
            after=last,
            _external=True,
            **{k: v for k, v in request.args.items() if k != "after"},
        )
        if last is not None
        else None
    )
    return Result("payments", rows, data, f"supplier-{supplier_id}"), catalogue_seed()


@bp.get("/datasets/<dataset_id>/datapackage.json")
def dataset_datapackage(dataset_id: str) -> Response:
    """The Fiscal Data Package descriptor (the spec's own shape, not the API envelope)."""
    known_args("version")
    chosen = selected(dataset_id)
    etag = hashlib.sha256(f"{chosen.version.id}|{request.full_path}".encode()).hexdigest()
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = json_render.plain(datapackage.descriptor(get_session(), chosen))
        response = current_app.response_class(
            current_app.json.dumps(body, ensure_ascii=False) + "\n",
            mimetype="application/json",
        )
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


dataset_datapackage.api_params = ("version",)  # type: ignore[attr-defined]


@bp.get("/datasets/<dataset_id>/datapackage.csv")
@api_view("version", forced="csv")
def dataset_datapackage_csv(dataset_id: str) -> tuple[Result, str]:
    chosen = selected(dataset_id)
    session = get_session()
    fields = datapackage.descriptor(session, chosen)["resources"][0]["schema"]["fields"]
    result = Result(
        "rows",
        datapackage.rows(session, chosen),
        {},
        f"{dataset_id}-fdp",
        columns=[f["name"] for f in fields],
    )
    return result, str(chosen.version.id)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    from portal.openapi import document

    return current_app.response_class(
        current_app.json.dumps(
            document(url_for("api.dataset_list", _external=True).removesuffix("/datasets")),
            ensure_ascii=False,
        ),
        mimetype="application/json",
    )
