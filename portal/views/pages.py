"""Public pages: home, catalogue, search and methodology."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for

from portal.db import get_session
from portal.queries import datasets, explore, lines, search
from portal.queries.errors import BadRequest
from portal.queries.params import parse_int
from portal.views.site import secure

bp = secure(Blueprint("pages", __name__))
SORTS = ("title", "country", "year", "newest")


def _with_headlines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    session = get_session()
    for item in items:
        item["headline"] = lines.headline(session, datasets.select_version(session, item["id"]))
    return items


@bp.get("/")
def home() -> str:
    items = _with_headlines(datasets.list_datasets(get_session()))
    newest = sorted(items, key=lambda d: d["ingested_at"], reverse=True)[:5]
    return render_template("home.html", datasets=items, newest=newest)


@bp.get("/datasets/")
def catalogue() -> str:
    args = request.args
    year_text = args.get("year") or ""
    year = parse_int(year_text, "year", 0, 1000, 9999) if year_text else None
    every = datasets.list_datasets(get_session())
    items = datasets.list_datasets(
        get_session(), country=args.get("country") or None, kind=args.get("kind") or None, year=year
    )
    if args.get("level"):
        items = [d for d in items if d["level"] == args["level"]]
    sort = args.get("sort") or "title"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not '{sort}'")
    keys = {
        "title": lambda d: (d["title"].casefold(),),
        "country": lambda d: (d["country"], d["title"].casefold()),
        "year": lambda d: (-max(d["years"] or [0]), d["title"].casefold()),
        "newest": lambda d: (d["ingested_at"],),
    }
    items.sort(key=keys[sort], reverse=sort == "newest")
    facets = {
        "country": sorted({d["country"] for d in every}),
        "level": sorted({d["level"] for d in every}),
        "kind": sorted({d["kind"] for d in every}),
        "year": sorted({y for d in every for y in d["years"]}, reverse=True),
    }
    return render_template(
        "catalogue.html",
        datasets=_with_headlines(items),
        facets=facets,
        sort=sort,
        sorts=SORTS,
        args=args,
    )


@bp.get("/search")
def search_page() -> str:
    q = (request.args.get("q") or "").strip()
    groups: dict[str, dict[str, Any]] = {}
    hits: list[dict[str, Any]] = []
    if q:
        hits = search.search(
            get_session(), q, limit=parse_int(request.args.get("limit"), "limit", 100, 1, 200)
        )
    for hit in hits:
        dataset = hit["dataset"] or {"id": "", "title": ""}
        group = groups.setdefault(dataset["id"], {"dataset": hit["dataset"], "hits": []})
        href, trail = _hit_link(hit)
        group["hits"].append({**hit, "href": href, "trail": trail})
    return render_template("search.html", q=q, groups=list(groups.values()), count=len(hits))


def _hit_link(hit: dict[str, Any]) -> tuple[str | None, list[explore.Crumb]]:
    """Where a hit leads (a node: the explorer at that node) and the path above a node."""
    dataset = hit["dataset"]["id"] if hit["dataset"] else None
    if hit["kind"] == "supplier" and hit["ref_id"]:
        return url_for("payments.supplier", supplier_id=hit["ref_id"]), []
    if dataset is None:
        return None, []
    if hit["kind"] == "node" and hit["ref_id"]:
        key, crumbs = explore.node_path(get_session(), hit["ref_id"])
        if all(explore.can_cut(c.code, c.label) for c in crumbs):
            return url_for(
                "explore.dataset", dataset_id=dataset, c=key, cut=explore.path_text(key, crumbs)
            ) + "#explore", crumbs[:-1]
        return url_for("explore.dataset", dataset_id=dataset), crumbs[:-1]
    return url_for("explore.dataset", dataset_id=dataset), []


@bp.get("/methodology")
def methodology() -> str:
    return render_template("methodology.html")
