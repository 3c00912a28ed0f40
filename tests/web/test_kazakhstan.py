"""The Kazakhstan overview page: its headline figures against the raw report, no month ever
added to another, the API links it gives, and the page in a real browser in three languages."""

from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from portal import create_app
from portal.views.site import format_money
from tests.conftest import loaded
from tests.web.server import serve
from tests.web.test_browser import ARGS, CHROMIUM, SHOTS, Watch

RAW = Path(__file__).resolve().parents[2] / "datasets" / "raw" / "kazakhstan_minfin"
REPORT = RAW / "Республиканский бюджет.csv"
LANGS = ("kk", "ru", "en")
COLUMNS = {"approved": "utv", "amended": "utch", "plan_annual": "plg", "executed": "sumrg"}

db = loaded(
    "kz-minfin-republican-execution",
    "kz-minfin-republican-by-administrator",
    "kz-minfin-republican-by-economic",
    "kz-minfin-republican-investments",
    "kz-minfin-almaty-local-execution",
)


def raw_rows() -> list[dict[str, str]]:
    with REPORT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def raw_line(label: str, month: str) -> dict[str, Decimal]:
    """The report's own line (e.g. `II. ЗАТРАТЫ`) of one month, in tenge (file: thousands)."""
    found = [r for r in raw_rows() if r["name"].strip() == label and r["month"] == month]
    assert len(found) == 1, (label, month, len(found))
    return {key: Decimal(found[0][col]) * 1000 for key, col in COLUMNS.items()}


def ref(text: str) -> int:
    """A line id as the file writes it, `7` or `7.0`."""
    return int(Decimal(text))


def raw_leaf_sums(section: str) -> dict[str, Decimal]:
    """Per month, cash execution summed over the leaf lines under a top-level section: the
    lines no other line of the same month names as its parent."""
    by_month: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in raw_rows():
        by_month[row["month"]].append(row)
    sums: dict[str, Decimal] = {}
    for month, rows in by_month.items():
        by_id = {ref(r["id"]): r for r in rows}
        parents = {ref(r["parent_id"]) for r in rows if r["parent_id"]}
        total = Decimal(0)
        for row in rows:
            if ref(row["id"]) in parents:
                continue
            top = row
            while top["parent_id"]:
                top = by_id[ref(top["parent_id"])]
            if top["name"].strip() == section:
                total += Decimal(row["sumrg"]) * 1000
        sums[month] = total
    return sums


@pytest.fixture(scope="module")
def app(db: Engine) -> Iterator[Flask]:
    application = create_app({"DATABASE_URL": db.url.render_as_string(hide_password=False)})
    yield application
    application.extensions["ashyq.engine"].dispose()


def page(app: Flask, url: str) -> str:
    response = app.test_client().get(url)
    assert response.status_code == 200, response.data[:500]
    return response.get_data(as_text=True)


def money(app: Flask, amount: Decimal, lang: str) -> str:
    """An amount formatted the page's way in a language."""
    with app.test_request_context(f"/kz?lang={lang}"):
        return format_money(amount, "KZT", compact=True, digits=2)


def table_row(body: str, table_id: str, key: str) -> list[tuple[str, str | None]]:
    """(text, data-value) of each cell of one row of a table of the page."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', body, re.S)
    assert table, table_id
    row = re.search(rf'<tr data-kz-row="{key}">(.*?)</tr>', table.group(0), re.S)
    assert row, key
    cells = re.findall(r"<td([^>]*)>(.*?)</td>", row.group(1), re.S)
    return [
        (
            html.unescape(re.sub(r"<[^>]+>", "", text)).strip(),
            (re.search(r'data-value="([^"]+)"', attrs) or [None, None])[1],
        )
        for attrs, text in cells
    ]


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.parametrize("lang", LANGS)
def test_headline_figures_are_the_raw_december_lines(app: Flask, year: int, lang: str) -> None:
    body = page(app, f"/kz?year={year}&lang={lang}")
    month = f"12.{year}"
    for key, label in (("spending", "II. ЗАТРАТЫ"), ("revenue", "I. ДОХОДЫ")):
        raw = raw_line(label, month)
        cells = table_row(body, f"kz-figures-{year}", key)
        shown = dict(zip(("approved", "amended", "plan_annual", "executed"), cells, strict=False))
        for measure in ("approved", "amended", "executed"):
            assert shown[measure][0] == money(app, raw[measure], lang), (key, measure)
        # The plain-words figure of the year's card is the same executed amount.
        card = re.search(rf'data-period="{year}-12".*?</article>', body, re.S)
        assert card
        figure = re.search(rf'data-kz="{key}">(.*?)</span>', card.group(0))
        assert figure and html.unescape(figure.group(1)) == money(app, raw["executed"], lang)


def test_spending_is_the_december_snapshot_not_a_sum_of_months(app: Flask) -> None:
    body = page(app, "/kz?year=2024&lang=ru")
    cells = table_row(body, "kz-figures-2024", "spending")
    executed = Decimal(cells[3][1] or "0")
    leaves = raw_leaf_sums("II. ЗАТРАТЫ")
    # Exactly the lines of section II in the December report: no balance, memo or other month.
    assert executed == leaves["12.2024"]
    months = sum((v for m, v in leaves.items() if m.endswith(".2024")), Decimal(0))
    assert months > executed * 5
    assert money(app, months, "ru") not in body
    published = raw_line("II. ЗАТРАТЫ", "12.2024")["executed"]
    assert abs(executed - published) <= 1000 * 200  # the report's rounding, never a month
    assert cells[3][0] == money(app, published, "ru")


def test_an_aggregate_without_a_period_cut_keeps_one_cell_per_period(app: Flask) -> None:
    client = app.test_client()
    response = client.get(
        "/api/v1/datasets/kz-minfin-republican-execution/aggregate"
        "?drilldown=measure&cut=role:flow|direction:expenditure|measure:executed&pagesize=1000"
    )
    assert response.status_code == 200
    cells = response.get_json()["cells"]
    leaves = raw_leaf_sums("II. ЗАТРАТЫ")
    got = {c["period"]: Decimal(str(c["amount"])) for c in cells}
    assert len(cells) == len(got) == len(leaves)
    assert got == {f"{m[3:]}-{m[:2]}": v for m, v in leaves.items()}


def test_roles_are_never_added_together(app: Flask) -> None:
    response = app.test_client().get(
        "/api/v1/datasets/kz-minfin-republican-execution/aggregate"
        "?drilldown=measure&cut=period:2024-12|measure:executed&pagesize=1000"
    )
    cells = response.get_json()["cells"]
    keys = [(c["role"], c["direction"]) for c in cells]
    assert len(keys) == len(set(keys))
    assert {"flow", "balance", "memo", "financing", "lending"} <= {r for r, _ in keys}
    spending = [c for c in cells if (c["role"], c["direction"]) == ("flow", "expenditure")]
    assert Decimal(str(spending[0]["amount"])) == raw_leaf_sums("II. ЗАТРАТЫ")["12.2024"]


def test_the_page_download_links_are_the_same_queries(app: Flask) -> None:
    body = page(app, "/kz?year=2024&lang=en")
    links = [html.unescape(u) for u in re.findall(r'href="(/api/v1/[^"]+)"', body)]
    assert len(links) >= 10
    client = app.test_client()
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
    groups = [
        u for u in links if "drilldown=report.2%7Cmeasure" in u or "drilldown=report.2|measure" in u
    ]
    assert groups and all("period%3A2024-12" in u or "period:2024-12" in u for u in groups)
    data = client.get(groups[0].replace(".csv", ".json")).get_json()
    executed = sum(
        (Decimal(str(c["amount"])) for c in data["cells"] if c["measure"] == "executed"),
        Decimal(0),
    )
    assert executed == raw_leaf_sums("II. ЗАТРАТЫ")["12.2024"]


def test_group_names_in_the_language_with_the_published_name_as_fallback(app: Flask) -> None:
    groups = {}
    with (RAW.parents[1] / "kz-functional-groups.csv").open(encoding="utf-8") as handle:
        rows = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(rows):
        groups[row["code"]] = row
    for lang in LANGS:
        body = html.unescape(page(app, f"/kz?lang={lang}"))
        for row in groups.values():
            assert (row[lang] or row["ru"]) in body, (lang, row["code"])


def test_years_to_date_are_named_and_explained(app: Flask) -> None:
    body = page(app, "/kz?lang=en")
    assert "January–March 2025" in body
    assert "never added across months" in body
    ru = page(app, "/kz?lang=ru")
    assert "январь–март 2025" in ru
    assert page(app, "/kz?lang=kk").count("қаңтар–наурыз 2025") >= 1


def test_a_plan_not_published_is_not_available_never_zero(app: Flask) -> None:
    from portal.queries import kazakhstan as kz

    cells = [
        {"measure": "executed", "amount": Decimal(5)},
        {"measure": "approved", "amount": Decimal(0)},
    ]
    values = kz._values(cells, {"approved"})
    assert values["approved"] is None and values["executed"] == 5
    with app.test_request_context("/kz?lang=en"):
        template = app.jinja_env.get_template("kazakhstan_macros.html")
        module = template.make_module({"money": lambda v: str(v), "percent": str})
        assert "not available" in str(module.cell(None))  # type: ignore[attr-defined]
        assert "0" in str(module.cell(Decimal(0)))  # type: ignore[attr-defined]


def test_the_home_page_links_kazakhstan_first(app: Flask) -> None:
    for lang in LANGS:
        body = page(app, f"/?lang={lang}")
        main = body[body.index('<main id="main"') :]
        first = re.search(r'<a href="([^"]+)"', main)
        assert first and html.unescape(first.group(1)) == f"/kz?lang={lang}"


def test_an_unknown_year_is_refused(app: Flask) -> None:
    assert app.test_client().get("/kz?year=2025").status_code == 400
    assert app.test_client().get("/kz?year=1999").status_code == 400


# The page in a real browser.


@pytest.fixture(scope="module")
def base_url(db: Engine) -> Iterator[str]:
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"the browser tests need Chromium at {CHROMIUM}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_in_a_browser(
    browser: Any, base_url: str, db: Engine, app: Flask, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    watch = Watch(base_url)
    watch.attach(context, tab)
    tab.goto(f"{base_url}/kz?lang={lang}")
    tab.wait_for_selector(".chart .main-svg", state="attached", timeout=15000)
    assert tab.locator("html").get_attribute("lang") == lang
    card = tab.locator('article[data-period="2024-12"]')
    for key, label in (("spending", "II. ЗАТРАТЫ"), ("revenue", "I. ДОХОДЫ")):
        expected = money(app, raw_line(label, "12.2024")["executed"], lang)
        assert card.locator(f'[data-kz="{key}"]').inner_text().strip() == expected
    assert tab.locator("[data-figure] .main-svg").count() >= 6
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"kz-{lang}-{db.dialect.name}.png"))
    tab.locator("#kz-months-h").scroll_into_view_if_needed()
    tab.screenshot(path=str(SHOTS / f"kz-months-{lang}-{db.dialect.name}.png"))
    context.close()
    assert watch.problems == [], watch.problems


def test_the_page_on_a_phone(browser: Any, base_url: str, db: Engine) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    tab = context.new_page()
    watch = Watch(base_url)
    watch.attach(context, tab)
    tab.goto(f"{base_url}/kz?lang=kk")
    tab.wait_for_selector(".chart .main-svg", state="attached", timeout=15000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"phone-kz-{db.dialect.name}.png"))
    width = tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"/kz is {width}px wide"
    context.close()
    assert watch.problems == [], watch.problems


def test_every_link_of_the_page_works(app: Flask) -> None:
    body = page(app, "/kz?lang=kk")
    links = {html.unescape(u) for u in re.findall(r'href="(/[^"#]*)', body)}
    assert any(u.startswith("/datasets/kz-minfin-republican-execution/?") for u in links)
    client = app.test_client()
    # One link per target (each explorer, embed builder and page), to keep the test quick.
    targets = {link.split("?")[0]: link for link in sorted(links)}
    for link in targets.values():
        if link.startswith(("/api/", "/vendor/", "/static/")):
            continue
        assert client.get(link).status_code == 200, link
