"""A dataset's page: what it is, where it came from, whether it adds up, and its explorer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from flask import Blueprint, render_template, request, send_file, url_for

from portal.db import get_session
from portal.queries import compare, datasets, explore, lines
from portal.queries.aggregate import aggregate
from portal.queries.errors import BadRequest
from portal.queries.params import Ref, parse_cuts, parse_int, parse_order
from portal.views import charts, comparisons
from portal.views.site import format_money, secure

bp = secure(Blueprint("explore", __name__))
PAGESIZE = 50
TOP = 15


def _selected(dataset_id: str) -> datasets.Selected:
    return datasets.select_version(get_session(), dataset_id, request.args.get("version"))


@bp.get("/datasets/<dataset_id>/")
def dataset(dataset_id: str) -> str:
    session = get_session()
    chosen = _selected(dataset_id)
    info = datasets.detail(session, chosen)
    headline = lines.headline(session, chosen)
    context: dict[str, Any] = {
        "d": info,
        "headline": headline,
        "chosen": chosen,
        "files": lines.source_files(session, chosen),
    }
    if info["payments"]:
        page = parse_int(request.args.get("page"), "page", 1, 1, 1_000_000)
        rows, count = lines.payments(session, chosen, page, PAGESIZE)
        context.update(payments=rows, payment_count=count, page=page, pagesize=PAGESIZE)
    if info["measures"]:
        context["x"] = explorer(chosen, info)
    return render_template("dataset.html", **context)


def explorer(
    chosen: datasets.Selected,
    info: dict[str, Any],
    link: Callable[[dict[str, Any]], str] | None = None,
    only: str | None = None,
) -> dict[str, Any]:
    """Everything the explorer part of a dataset page shows, for the request's selection.

    `link` makes the address of another selection (an embed links to embeds); `only` names
    the one chart wanted (an embed), so that the others are not computed."""
    session = get_session()
    args = request.args
    measures = {m["key"]: m for m in info["measures"]}
    all_series = explore.series(session, chosen)
    sel, options = explore.choose(all_series, measures, args.to_dict())
    measure = measures[sel.measure]
    currency = measure["currency"] or info["currency"]
    # One way for a whole column: figures published in thousands never have minor units.
    fmt = partial(
        format_money, currency=currency, unit=measure["unit"], whole=measure["factor"] >= 100
    )
    short = partial(fmt, compact=True)
    keys = [c["key"] for c in info["classifications"]]
    if not keys:
        raise BadRequest("this dataset has no classification to explore")
    key = args.get("c") or keys[0]
    found = explore.classification(session, chosen, key)
    cut_text = args.get("cut") or ""
    # A form that switches classification still carries the old path: start at the top.
    mine = cut_text.startswith((key + ".", key + ":"))
    crumbs = explore.parse_path(session, found, cut_text if mine else None)
    path = explore.path_text(key, crumbs)
    depth = len(found.level_names) or 1
    level = min(len(crumbs) + 1, depth)
    at_leaf = len(crumbs) >= depth
    ref = Ref(key, level)
    base = parse_cuts(path)
    cuts = base + sel.cuts()
    sortable = ["amount", key, f"{key}.label"]
    order_text = args.get("sort") or "amount:desc"
    order = parse_order(order_text, sortable)
    page = parse_int(args.get("page"), "page", 1, 1, 1_000_000)

    def here(**changes: Any) -> str:
        """This page's address with some arguments changed (None drops one)."""
        values: dict[str, Any] = {k: v for k, v in args.items() if k != "page"}
        values.update({"c": key, "cut": path, **{f: getattr(sel, f) for f in explore.FIELDS}})
        values.update(changes)
        clean = {k: v for k, v in values.items() if v not in (None, "")}
        if link is not None:
            return link(clean)
        return url_for("explore.dataset", dataset_id=chosen.dataset.id, **clean) + "#explore"

    def api(drilldown: str, cut: str, **extra: Any) -> dict[str, str]:
        params: dict[str, Any] = {"drilldown": drilldown, "cut": cut, **extra}
        if not chosen.is_current or args.get("version"):  # a pinned view pins its data too
            params["version"] = str(chosen.version.number)
        return {
            fmt_: url_for("api.dataset_aggregate", dataset_id=chosen.dataset.id, fmt=fmt_, **params)
            for fmt_ in ("csv", "json")
        }

    selection_cut = "|".join(p for p in (path, sel.cut_text()) if p)
    table = aggregate(session, chosen, [ref], cuts, order, page, PAGESIZE)
    all_cells, _ = compare.all_cells(session, chosen, [ref], cuts)
    ids = [c[key]["id"] for c in all_cells if c[key]["id"] is not None]
    drillable = explore.with_children(session, ids) if not at_leaf else set()

    def block(cell: dict[str, Any]) -> dict[str, Any]:
        node = cell[key]
        href = None
        if (
            node["id"] in drillable
            and node["level"] == level
            and explore.can_cut(node["code"], node["label"])
        ):
            step = f"{key}.{level}:{node['code'] if node['code'] is not None else node['label']}"
            href = here(cut="|".join(p for p in (path, step) if p))
        return {**node, "amount": cell["amount"], "count": cell["count"], "href": href}

    blocks = [block(c) for c in all_cells]
    rows = [block(c) for c in table.cells]
    negatives = sorted((b for b in blocks if b["amount"] < 0), key=lambda b: b["amount"])
    root_label = crumbs[-1].label if crumbs else found.label
    result: dict[str, Any] = {
        "sel": sel,
        "options": options,
        "measure": measure,
        "measures": measures,
        "currency": currency,
        "key": key,
        "classification": found,
        "crumbs": crumbs,
        "level": level,
        "at_leaf": at_leaf,
        "depth": depth,
        "level_name": comparisons.level_name(found.level_names, level),
        "rows": rows,
        "table": table,
        "order": order_text,
        "page": page,
        "pagesize": PAGESIZE,
        "negatives": negatives,
        "here": here,
        "fmt": fmt,
        "blocks": len([b for b in blocks if b["amount"] > 0]),
        "total": table.total,
        "path": path,
        "classes": info["classifications"],
        "crumb_cuts": [explore.path_text(key, crumbs[: i + 1]) for i in range(len(crumbs))],
        "treemap": charts.treemap(blocks, root_label, short),
        "downloads": api(
            f"{key}.{level}", selection_cut, order=order_text, page=page, pagesize=PAGESIZE
        ),
        "lines": lines.top_lines(session, chosen, cuts, 10) if only is None else [],
        "embeds": embed_links(chosen, key, path, sel),
    }

    def wanted(*kinds: str) -> bool:
        return only is None or only in kinds

    if level < depth and wanted("top"):
        top = aggregate(session, chosen, [Ref(key, depth)], cuts, None, 1, TOP)
        items = [
            {"label": comparisons.label(c[key]), "amount": c["amount"]}
            for c in top.cells
            if c["amount"] > 0
        ]
        result["top"] = {
            "items": items,
            "chart": charts.bars(items, short),
            "level_name": comparisons.level_name(found.level_names, depth),
            "downloads": api(f"{key}.{depth}", selection_cut, pagesize=TOP),
        }
    result["time"] = (
        comparisons.over_time(chosen, sel, all_series, base, path, short, api)
        if wanted("time")
        else None
    )
    result["plan"] = (
        comparisons.plan_actual(chosen, sel, all_series, measures, base, ref, path, fmt, api)
        if wanted("plan")
        else None
    )
    result["revisions"] = (
        comparisons.revisions(chosen, sel, all_series, measures, base, ref, fmt, info)
        if wanted("revisions", "versions")
        else []
    )
    return result


def embed_links(
    chosen: datasets.Selected, key: str, path: str, sel: explore.Selection
) -> dict[str, Any]:
    """The embed-builder page of each chart kind for this selection, and the page's card."""
    params: dict[str, Any] = {"c": key, "cut": path, **{f: getattr(sel, f) for f in explore.FIELDS}}
    if not chosen.is_current or request.args.get("version"):
        params["version"] = chosen.version.number
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    dataset_id = chosen.dataset.id
    frame = url_for("embed.frame", dataset_id=dataset_id, name="treemap", _external=True, **clean)
    return {
        "builder": {
            kind: url_for("share.builder", dataset_id=dataset_id, kind=kind, **clean)
            for kind in ("treemap", "top", "time", "plan", "revisions", "versions")
        },
        # The page's own card on social media: its treemap as a picture.
        "meta": {
            "url": frame,
            "image": url_for(
                "embed.frame", dataset_id=dataset_id, name="treemap.png", _external=True, **clean
            ),
            "oembed": url_for("share.oembed", url=frame, format="json", _external=True),
            "title": chosen.dataset.title,
            "description": f"{chosen.dataset.publisher} · {sel.year}",
        },
    }


@bp.get("/datasets/<dataset_id>/lines/<int:line_id>")
def line(dataset_id: str, line_id: int) -> str:
    chosen = _selected(dataset_id)
    session = get_session()
    info = datasets.detail(session, chosen)
    item = lines.line_item(session, chosen, line_id)
    classes = {c["key"]: c for c in info["classifications"]}
    version = None if chosen.is_current else chosen.version.number
    # The explorer opens on expenditure: a revenue line links to its own direction.
    direction = item["facts"][0]["direction"] if item["facts"] else None
    links: dict[str, list[str | None]] = {}
    for key, path in item["paths"].items():
        steps: list[str] = []
        links[key] = []
        for step in path:
            value = step["code"] if step["code"] is not None else step["label"]
            ok = explore.can_cut(step["code"], step["label"]) and (not steps or steps[-1])
            steps.append(f"{key}.{step['level']}:{value}" if ok else "")
            links[key].append(
                url_for(
                    "explore.dataset",
                    dataset_id=dataset_id,
                    c=key,
                    cut="|".join(steps),
                    version=version,
                    direction=direction,
                )
                + "#explore"
                if ok
                else None
            )
    return render_template(
        "line.html", d=info, item=item, classes=classes, chosen=chosen, links=links
    )


@bp.get("/datasets/<dataset_id>/files/<int:file_id>")
def source_file(dataset_id: str, file_id: int) -> Any:
    """The original file as bundled, found by its stored record (never by a path asked for)."""
    chosen = _selected(dataset_id)
    path, name = lines.source_path(get_session(), chosen, file_id)
    return send_file(path, as_attachment=True, download_name=name, max_age=3600)
