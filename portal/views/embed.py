"""Charts for other sites: `/embed/...` pages that any site may frame, their images, the
embed builder (a snippet to copy) and oEmbed.

An embed's address holds everything that defines it (dataset, chart, drill-down path,
selection, language and, when pinned, the version), so the same address always shows the
same chart; `version=N` keeps showing that version's figures after new data is loaded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import flask_babel
from babel import numbers
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from portal.db import get_session
from portal.queries import datasets
from portal.queries import explore as explore_q
from portal.queries.errors import NotFound, QueryError
from portal.render import svgchart
from portal.views import comparisons, explore
from portal.views.site import LANGUAGES, lang, secure
from portal.views.words import DIRECTIONS, name, period_name, phase_name

bp = Blueprint("embed", __name__)
share = secure(Blueprint("share", __name__))
KINDS = ("treemap", "top", "time", "plan", "revisions", "versions")
IMAGES = {"svg": "image/svg+xml", "png": "image/png"}
TABLE_ROWS = 20
# Room for the title, subtitle and source line around the figure's own height.
FRAME_EXTRA = 190
MIN_HEIGHT, MAX_HEIGHT = 200, 3000
EMBED_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        # Any site may show an embed: that is what it is for.
        "frame-ancestors *",
    ]
)


@bp.after_request
def embed_headers(response: Response) -> Response:
    """Frameable by anyone; no cookie, so that embedding tells us nothing about readers."""
    if response.mimetype == "image/svg+xml":
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'"
        )
    else:
        response.headers["Content-Security-Policy"] = EMBED_CSP
    response.headers.pop("X-Frame-Options", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.errorhandler(QueryError)
def embed_error(error: QueryError) -> tuple[str, int]:
    return render_template("embed_error.html", status=error.status, message=error.message), (
        error.status
    )


@bp.errorhandler(HTTPException)
def embed_http_error(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    return render_template("embed_error.html", status=status, message=error.description), status


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound(f"no chart kind '{kind}'; the kinds are {', '.join(KINDS)}")
    return kind


def selection_params(chart: dict[str, Any], pinned: bool | None = None) -> dict[str, Any]:
    """The address parameters that define a chart (the version only when pinned)."""
    x = chart["x"]
    params: dict[str, Any] = {"c": x["key"], "cut": x["path"]}
    params.update({f: getattr(x["sel"], f) for f in explore_q.FIELDS})
    if pinned if pinned is not None else chart["pinned"]:
        params["version"] = chart["version"]
    return {k: v for k, v in params.items() if v not in (None, "")}


def build(dataset_id: str, kind: str) -> dict[str, Any]:
    """One chart of a dataset for the request's selection: figure, words, table and links."""
    _kind(kind)
    session = get_session()
    chosen = datasets.select_version(session, dataset_id, request.args.get("version"))
    info = datasets.detail(session, chosen)
    if not info["measures"]:
        raise NotFound("this dataset has no figures to chart")

    def link(clean: dict[str, Any]) -> str:
        return url_for("embed.frame", dataset_id=dataset_id, name=kind, **clean)

    x = explore.explorer(chosen, info, link=link, only=kind)
    x["dataset_id"] = dataset_id
    part = _part(x, kind)
    if part is None:
        raise NotFound(gettext("This chart is not available for this selection."))
    fmt = x["fmt"]
    place = x["classification"].label
    if x["crumbs"]:
        last = x["crumbs"][-1]
        place = f"{last.code} {last.label}" if last.code else last.label
    sel = x["sel"]
    pieces = [info["title"]]
    if kind != "time":
        pieces.append(f"{sel.year}" + (f" ({period_name(sel.period)})" if sel.period else ""))
    if kind in ("treemap", "top", "time"):
        pieces.append(phase_name(sel.phase) if kind != "time" else "")
    else:
        pieces.append(" → ".join(part["names"]))
    pieces.append(name(DIRECTIONS, sel.direction))
    if kind in ("treemap", "top", "time"):  # the compared columns name their measures
        pieces.append(x["measure"]["label"])
    unit = x["measure"]["unit"]
    pieces.append(
        f"{numbers.get_currency_name(x['currency'], locale=lang())} ({x['currency']})"
        if unit == "money" and x["currency"]
        else unit
    )
    pinned = bool(request.args.get("version"))
    if pinned:
        pieces.append(gettext("Version %(n)s", n=chosen.version.number))
    chart: dict[str, Any] = {
        "kind": kind,
        "x": x,
        "d": info,
        "dataset_id": dataset_id,
        "version": chosen.version.number,
        "pinned": pinned,
        # The heading first: a right-to-left place name then stays apart from it.
        "title": f"{part['heading']} — {place}" if place else part["heading"],
        "heading": part["heading"],
        "place": place,
        "subtitle": " · ".join(p for p in pieces if p),
        "publisher": info["publisher"],
        "figure": part["figure"],
        "headers": part["headers"],
        "rows": part["rows"],
        "csv": part["csv"],
        "bundle": "plotly.min.js" if kind == "treemap" else "vendor/plotly-basic.min.js",
        "height": _height(part["figure"]),
        "fmt": fmt,
    }
    chart["full"] = (
        url_for("explore.dataset", dataset_id=dataset_id, lang=lang(), **selection_params(chart))
        + "#explore"
    )
    return chart


def _height(figure: dict[str, Any]) -> int:
    return int(figure.get("layout", {}).get("height", 400)) + FRAME_EXTRA


def _part(x: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The figure, heading, table and CSV address of one chart kind (None if not shown)."""
    fmt = x["fmt"]
    if kind == "treemap":
        if not x["blocks"]:
            return None
        heading = (
            gettext("By %(level)s", level=x["level_name"]) if x["level_name"] else gettext("Items")
        )
        rows = [
            {"cells": [comparisons.label(r), fmt(r["amount"])], "href": r["href"]}
            for r in x["rows"][:TABLE_ROWS]
        ]
        return {
            "figure": x["treemap"],
            "heading": heading,
            "headers": [gettext("Name"), gettext("Amount")],
            "rows": rows,
            "csv": x["downloads"]["csv"],
            "names": [],
        }
    if kind == "top":
        top = x.get("top")
        if not top or not top["items"]:
            return None
        return {
            "figure": top["chart"],
            "heading": gettext("Top items: %(level)s", level=top["level_name"]),
            "headers": [gettext("Name"), gettext("Amount")],
            "rows": [{"cells": [i["label"], fmt(i["amount"])]} for i in top["items"]],
            "csv": top["downloads"]["csv"],
            "names": [],
        }
    if kind == "time":
        t = x.get("time")
        if not t:
            return None
        rows = []
        for year in t["years"]:
            cells = [str(year)]
            for s in t["series"]:
                found = [p for p in s["points"] if p["year"] == year]
                cells.append(fmt(found[0]["amount"]) if found else "")
            rows.append({"cells": cells})
        return {
            "figure": t["chart"],
            "heading": gettext("Over time"),
            "headers": [gettext("Year"), *[s["name"] for s in t["series"]]],
            "rows": rows,
            "csv": t["downloads"]["csv"],
            "names": [],
        }
    wanted = {"plan": "plan", "revisions": "phases", "versions": "versions"}[kind]
    found = [x["plan"]] if kind == "plan" and x.get("plan") else []
    found += [c for c in x.get("revisions") or [] if c["kind"] == wanted]
    if not found:
        return None
    cmp = found[0]
    headings = {
        "plan": gettext("Plan versus actual"),
        "revisions": gettext("Budget revisions: approved versus adjusted"),
        "versions": gettext("Changes between versions"),
    }
    rows = [
        {
            "cells": [
                comparisons.label(r.node),
                *[fmt(v) if v is not None else "" for v in r.values],
            ]
        }
        for r in cmp["rows"]
    ]
    return {
        "figure": cmp["chart"],
        "heading": headings[kind],
        "headers": [gettext("Name"), *cmp["names"]],
        "rows": rows,
        "csv": (cmp.get("downloads") or {}).get("csv") or _compare_csv(x, cmp),
        "names": cmp["names"],
    }


def _compare_csv(x: dict[str, Any], cmp: dict[str, Any]) -> str:
    """The API address of a comparison's figures (its columns as phases of the version)."""
    sel = x["sel"]
    columns = cmp["columns"]
    cut = "|".join(
        p
        for p in (
            x["path"],
            sel.cut_text(without=("phase", "measure")),
            "phase:" + ";".join(dict.fromkeys(c.phase for c in columns)),
            "measure:" + ";".join(dict.fromkeys(c.measure for c in columns)),
        )
        if p
    )
    params: dict[str, Any] = {
        "drilldown": f"{x['key']}.{x['level']}|phase",
        "cut": cut,
        "pagesize": 1000,
    }
    if request.args.get("version"):
        params["version"] = request.args["version"]
    return url_for("api.dataset_aggregate", dataset_id=x["dataset_id"], fmt="csv", **params)


@bp.get("/embed/<dataset_id>/<name>")
def frame(dataset_id: str, name: str) -> Any:
    """The chart alone (`treemap`), or its image (`treemap.svg`, `treemap.png`)."""
    kind, dot, ext = name.partition(".")
    if dot:
        if ext not in IMAGES:
            raise NotFound(f"images are .svg or .png, not '.{ext}'")
        return image(dataset_id, kind, ext)
    chart = build(dataset_id, kind)
    response = current_app.make_response(render_template("embed.html", c=chart, meta=meta(chart)))
    _cache(response, chart)
    return response


def _cache(response: Response, chart: dict[str, Any]) -> None:
    response.cache_control.public = True
    # A pinned version never changes; a live one follows new data within minutes.
    response.cache_control.max_age = 86400 if chart["pinned"] else 300


def image(dataset_id: str, kind: str, ext: str) -> Response:
    chart = build(dataset_id, kind)
    frame_words = svgchart.Frame(
        chart["title"],
        chart["subtitle"],
        gettext("Source: %(publisher)s. Chart: Ashyq", publisher=chart["publisher"]),
    )

    def tick(value: float) -> str:
        return str(numbers.format_compact_decimal(value, locale=lang(), fraction_digits=1))

    if ext == "svg":
        document = svgchart.svg(chart["figure"], frame_words, tick)
        response = Response(document, mimetype=IMAGES["svg"])
    else:
        document = svgchart.svg(chart["figure"], frame_words, tick, shape=svgchart.visual_order)
        try:
            response = Response(svgchart.png(document), mimetype=IMAGES["png"])
        except svgchart.NoRenderer as error:
            response = Response(str(error) + "\n", status=503, mimetype="text/plain")
            response.headers["Retry-After"] = "86400"
            return response
    _cache(response, chart)
    return response


def meta(chart: dict[str, Any]) -> dict[str, str]:
    """Addresses for the page head: the image for social cards and the oEmbed answer."""
    params = selection_params(chart)
    page = url_for(
        "embed.frame",
        dataset_id=chart["dataset_id"],
        name=chart["kind"],
        lang=lang(),
        _external=True,
        **params,
    )
    return {
        "url": page,
        "image": url_for(
            "embed.frame",
            dataset_id=chart["dataset_id"],
            name=chart["kind"] + ".png",
            lang=lang(),
            _external=True,
            **params,
        ),
        "oembed": url_for("share.oembed", url=page, format="json", _external=True),
        "title": chart["title"],
        "description": chart["subtitle"],
    }


def snippet(src: str, title: str, height: int) -> Markup:
    """The HTML to paste: an iframe at a fixed height, and the script that resizes it."""
    host = url_for("assets.serve", name="embed-host.js", _external=True)
    return Markup(
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="100%" height="{height}" '
        f'style="border:0;width:100%;max-width:100%;display:block" loading="lazy" '
        f"data-ashyq-embed></iframe>\n"
        f'<script src="{escape(host)}" async></script>'
    )


def choices(chart: dict[str, Any], args: Any) -> dict[str, Any]:
    """The builder's options from the request: language, height, live or pinned."""
    embed_lang = args.get("embed_lang") or lang()
    if embed_lang not in LANGUAGES:
        embed_lang = lang()
    try:
        height = int(args.get("height") or chart["height"])
    except ValueError:
        height = chart["height"]
    height = max(MIN_HEIGHT, min(MAX_HEIGHT, height))
    pinned = args.get("mode") == "pinned"
    params = selection_params(chart, pinned=pinned)
    src = url_for(
        "embed.frame",
        dataset_id=chart["dataset_id"],
        name=chart["kind"],
        lang=embed_lang,
        _external=True,
        **params,
    )
    code = snippet(src, chart["title"], height)
    return {
        "embed_lang": embed_lang,
        "height": height,
        "mode": "pinned" if pinned else "live",
        "src": src,
        "snippet": code,
        "code": str(code),  # as text: a textarea shows it escaped, to copy as it is
        "png": url_for(
            "embed.frame",
            dataset_id=chart["dataset_id"],
            name=chart["kind"] + ".png",
            lang=embed_lang,
            _external=True,
            **params,
        ),
        "svg": url_for(
            "embed.frame",
            dataset_id=chart["dataset_id"],
            name=chart["kind"] + ".svg",
            lang=embed_lang,
            _external=True,
            **params,
        ),
    }


@share.get("/datasets/<dataset_id>/embed/<kind>")
def builder(dataset_id: str, kind: str) -> Any:
    """The embed builder: options, the snippet, a plain link and a preview (works without JS);
    `part=dialog` gives only the options and snippet, for the dialog of the dataset page."""
    chart = build(dataset_id, kind)
    options = choices(chart, request.args)
    chart["share_params"] = selection_params(chart)
    template = "_embed_share.html" if request.args.get("part") == "dialog" else "embed_builder.html"
    return render_template(template, c=chart, o=options, meta=meta(chart))


def _inner(url: str) -> tuple[str, str, dict[str, str]] | None:
    """(dataset id, kind, query) of an Ashyq chart address, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", ""):
        return None
    steps = [s for s in parts.path.split("/") if s]
    query = dict(parse_qsl(parts.query))
    if len(steps) == 3 and steps[0] == "embed" and "." not in steps[2]:
        return steps[1], steps[2], query
    if len(steps) == 4 and steps[0] == "datasets" and steps[2] == "embed":
        return steps[1], steps[3], query
    if len(steps) == 2 and steps[0] == "datasets":
        return steps[1], "treemap", query
    return None


@share.get("/oembed")
def oembed() -> Any:
    """oEmbed (https://oembed.com): a rich answer with the iframe for any chart address."""
    fmt = request.args.get("format", "json")
    if fmt != "json":
        return _oembed_error(501, "only format=json is offered")
    found = _inner(request.args.get("url", ""))
    if found is None or found[1] not in KINDS:
        return _oembed_error(404, "not the address of an Ashyq chart")
    dataset_id, kind, query = found
    query = {k: v for k, v in query.items() if k not in ("embed_lang", "height", "mode", "part")}
    max_height = request.args.get("maxheight", "")
    max_width = request.args.get("maxwidth", "")
    # Build the chart as that address would show it (its own language and selection).
    with current_app.test_request_context(
        f"/embed/{dataset_id}/{kind}", query_string=query, base_url=request.host_url
    ):
        flask_babel.refresh()
        try:
            chart = build(dataset_id, kind)
        except QueryError as error:
            return _oembed_error(404, error.message)
        options = choices(chart, {"mode": "pinned" if query.get("version") else "live"})
        height = options["height"]
        if max_height.isdigit():
            height = max(MIN_HEIGHT, min(height, int(max_height)))
            options["snippet"] = snippet(options["src"], chart["title"], height)
        width = min(720, int(max_width)) if max_width.isdigit() else 720
        body = {
            "version": "1.0",
            "type": "rich",
            "title": chart["title"],
            "author_name": chart["publisher"],
            "provider_name": "Ashyq",
            "provider_url": url_for("pages.home", _external=True),
            "html": str(options["snippet"]),
            "width": width,
            "height": height,
            "thumbnail_url": options["png"],
            "thumbnail_width": svgchart.WIDTH,
            "thumbnail_height": svgchart.HEIGHT,
            "cache_age": 86400 if chart["pinned"] else 300,
        }
    flask_babel.refresh()
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _oembed_error(status: int, message: str) -> tuple[Response, int]:
    response = jsonify({"error": message, "status": status})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response, status
