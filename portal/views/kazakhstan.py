"""Kazakhstan first: the republican budget's latest complete year and current year to date,
by functional group, month by month, by ministry, its investment projects, and Almaty's local
budget beside it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel import dates
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext
from werkzeug.routing import BuildError

from portal.db import get_session
from portal.queries import kazakhstan as kz
from portal.queries.errors import BadRequest, NotFound
from portal.views import charts, kazakhstan_charts
from portal.views.site import format_money, format_percent, lang, secure

bp = secure(Blueprint("kazakhstan", __name__))
CURRENCY = "KZT"


def money(amount: Decimal | None) -> str:
    """Tenge in the page's language with two decimals of the scale: `21,55 трлн ₸`."""
    return format_money(amount, CURRENCY, compact=True, digits=2)


def month_names() -> list[str]:
    """January to December in the page's language, as a month stands alone."""
    names = dates.get_month_names("wide", "stand-alone", locale=lang())
    # Kazakh and Russian write month names in lower case inside a sentence.
    return [str(names[m]) if lang() == "en" else str(names[m]).lower() for m in range(1, 13)]


def short_month_names() -> list[str]:
    names = dates.get_month_names("abbreviated", "stand-alone", locale=lang())
    return [str(names[m]) for m in range(1, 13)]


def span_name(span: kz.Span) -> str:
    """`2024` for a complete year, `January–March 2025` for a year to date."""
    if span.complete:
        return str(span.year)
    months = month_names()
    if span.first == span.last:
        return f"{months[span.last - 1]} {span.year}"
    return f"{months[span.first - 1]}–{months[span.last - 1]} {span.year}"


def name(node: dict[str, Any]) -> dict[str, str]:
    """A node's name in the page's language, else as published (Russian): text and language."""
    labels = node.get("labels") or {}
    if labels.get(lang()):
        return {"text": labels[lang()], "lang": lang()}
    return {"text": labels.get("ru") or node["label"], "lang": "ru"}


def embed(dataset_id: str, kind: str, key: str, cut: str, span: kz.Span) -> str | None:
    """The embed builder of the dataset chart that shows the same selection (None when the
    portal has no embeds)."""
    selection: dict[str, Any] = {"year": span.year, "period": span.period, "phase": "executed"}
    selection.update(direction="expenditure", role="flow", measure="executed")
    try:
        return url_for(
            "share.builder", dataset_id=dataset_id, kind=kind, c=key, cut=cut, **selection
        )
    except BuildError:
        return None


def api(spec: kz.Spec) -> dict[str, str]:
    """CSV and JSON addresses of exactly the query a block was computed from."""
    params: dict[str, Any] = spec.params()
    return {
        fmt: url_for("api.dataset_aggregate", dataset_id=spec.dataset, fmt=fmt, **params)
        for fmt in ("csv", "json")
    }


def explore(dataset_id: str, key: str, path: list[dict[str, Any]], span: kz.Span) -> str:
    """The dataset explorer at a node, showing cash execution of the span's last month."""
    steps = [
        f"{key}.{n['level']}:{n['code'] if n['code'] is not None else n['label']}" for n in path
    ]
    return (
        url_for(
            "explore.dataset",
            dataset_id=dataset_id,
            c=key,
            cut="|".join(steps),
            year=span.year,
            period=span.period,
            measure="executed",
        )
        + "#explore"
    )


@bp.get("/kz")
def overview() -> str:
    session = get_session()
    republican = kz.current(session, kz.REPUBLICAN)
    if republican is None:
        raise NotFound(gettext("The republican budget report is not loaded."))
    found = kz.spans(republican)
    complete, to_date = found["complete"], found["to_date"]
    if complete is None and to_date is None:
        raise NotFound(gettext("The republican budget report holds no months."))
    main = complete or to_date
    complete_years = [s for s in found["all"] if s.complete]
    asked = request.args.get("year")
    if asked:
        # Another complete year instead of the latest (the year to date stays beside it).
        chosen = [s for s in complete_years if str(s.year) == asked]
        if not chosen:
            years = ", ".join(str(s.year) for s in complete_years)
            raise BadRequest(gettext("year must be a complete year: %(years)s", years=years))
        complete = main = chosen[0]
    months = month_names()
    page: dict[str, Any] = {
        "complete": complete,
        "to_date": to_date,
        "main": main,
        "complete_years": complete_years,
        "months": months,
        "months_short": short_month_names(),
        "span_name": span_name,
        "money": money,
        "percent": format_percent,
        "name": name,
        "api": api,
        "dataset": kz.REPUBLICAN,
    }
    page["years"] = [
        {"span": span, "h": kz.headline(session, republican, span), "label": span_name(span)}
        for span in (complete, to_date)
        if span is not None
    ]

    groups = kz.groups(session, republican, main)
    for row in groups["rows"]:
        row["name"] = name(row)
        row["href"] = explore(kz.REPUBLICAN, "report", row["path"], main)
    total = sum((r["executed"] or Decimal(0) for r in groups["rows"]), Decimal(0))
    for row in groups["rows"]:
        row["share"] = row["executed"] / total if total and row["executed"] is not None else None
    shown = [r for r in groups["rows"] if (r["executed"] or 0) > 0]
    shown.sort(key=lambda r: -r["executed"])
    groups["bars"] = charts.bars(
        [{"label": r["name"]["text"], "amount": r["executed"]} for r in shown], money
    )
    groups["grouped"] = charts.grouped(
        [r["name"]["text"] for r in groups["rows"]],
        [
            (gettext("Approved"), [r["approved"] for r in groups["rows"]]),
            (gettext("Amended"), [r["amended"] for r in groups["rows"]]),
            (gettext("Executed"), [r["executed"] for r in groups["rows"]]),
        ],
        money,
    )
    groups["embed"] = embed(kz.REPUBLICAN, "treemap", "report", "report.1:2", main)
    groups["embed_plan"] = embed(kz.REPUBLICAN, "plan", "report", "report.1:2", main)
    page["groups"] = groups

    through = kz.through_year(session, republican, main)
    for row in through["groups"]:
        row["name"] = name(row)
    through["by_year"] = kazakhstan_charts.execution(
        [
            {"name": span_name(s), "points": through["years"][s.year]["points"]}
            for s in reversed(found["all"])
            if s.year in through["years"]
        ],
        months,
        format_percent,
    )
    through["by_group"] = kazakhstan_charts.execution(
        [{"name": gettext("All spending"), "points": through["total"]["points"]}]
        + [{"name": r["name"]["text"], "points": r["points"]} for r in through["groups"]],
        months,
        format_percent,
        hidden_after=4,
    )
    through["year_list"] = [s for s in found["all"] if s.year in through["years"]]
    page["through"] = through

    administrators = kz.current(session, kz.ADMINISTRATORS)
    if administrators is not None:
        span = kz.spans(administrators)["complete"]
        if span is not None:
            ministries = kz.administrators(session, administrators, span)
            for row in [*ministries["spent"], *ministries["below"]]:
                row["href"] = explore(kz.ADMINISTRATORS, "administrator", [row], span)
            ministries["bars"] = charts.bars(
                [{"label": r["label"], "amount": r["executed"]} for r in ministries["spent"]],
                money,
            )
            ministries["embed"] = embed(kz.ADMINISTRATORS, "treemap", "administrator", "", span)
            page["ministries"] = {**ministries, "span": span}

    investments = kz.current(session, kz.INVESTMENTS)
    if investments is not None:
        span = kz.spans(investments)["complete"]
        if span is not None:
            projects = kz.investments(session, investments, span)
            for row in projects["groups"]:
                row["name"] = name(row)
            for row in projects["programs"]:
                path = row["path"]
                row["href"] = explore(kz.INVESTMENTS, "investments", path, span)
                row["group"] = name(path[1]) if len(path) > 1 else None
                row["administrator"] = path[2]["label"] if len(path) > 2 else ""
            projects["bars"] = charts.bars(
                [{"label": r["label"], "amount": r["executed"] or 0} for r in projects["programs"]],
                money,
            )
            page["investments"] = {**projects, "span": span}

    local = kz.current(session, kz.LOCAL)
    if local is not None:
        local_spans = kz.spans(local)
        page["local"] = {
            "title": local.dataset.title,
            "years": [
                {"span": s, "label": span_name(s), "h": kz.headline(session, local, s)}
                for s in (local_spans["complete"], local_spans["to_date"])
                if s is not None
            ],
        }
    page["sources"] = {
        s.dataset.id: s.dataset.title
        for s in (republican, administrators, investments, local)
        if s is not None
    }
    return render_template("kazakhstan.html", **page)
