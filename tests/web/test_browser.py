"""The pages in a real browser (Debian's Chromium, headless): drill down, switch language,
download a table, a phone-sized screen; no console error, no failed or outside request."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import loaded
from tests.web.server import serve

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DATASET = "il-mof-execution-1998"

db = loaded(DATASET, "al-treasury-payments-2014-12")


@pytest.fixture(scope="module")
def base_url(db: Engine) -> Iterator[str]:
    with serve(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM} (Debian package "
            "'chromium'); it is not installed"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Watch:
    """Everything that went wrong in a page: console errors, failed and outside requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.problems: list[str] = []

    def attach(self, context: Any, page: Any) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        context.route("**/*", self.only_local)

    def console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def only_local(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.problems.append(f"outside request: {url}")
            route.abort()


@pytest.fixture
def page(browser: Any, base_url: str, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(base_url)
    watch.attach(context, page)
    yield page
    context.close()
    assert watch.problems == [], watch.problems


def shot(page: Any, name: str, backend: str, at: str | None = None) -> None:
    """A screenshot of the screen, scrolled to `at` when given."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if at:
        page.locator(at).first.scroll_into_view_if_needed()
        page.evaluate(f"document.querySelector({at!r}).scrollIntoView()")
    page.screenshot(path=str(SHOTS / f"{name}-{backend}.png"))


def backend(db: Engine) -> str:
    return db.dialect.name


def wait_for_charts(page: Any) -> None:
    page.wait_for_selector(".chart .main-svg", state="attached", timeout=15000)


def test_drill_down_three_levels_by_clicking_the_treemap(
    page: Any, base_url: str, db: Engine
) -> None:
    page.goto(f"{base_url}/datasets/{DATASET}/?lang=en")
    wait_for_charts(page)
    shot(page, "dataset-top", backend(db))
    for depth in (1, 2, 3):
        first_row = page.locator("#explore table.data tbody tr").first
        expected = first_row.locator("th").inner_text().strip()
        # The largest block is drawn first after the root; click its centre.
        block = page.locator("[data-figure=fig-treemap] g.slice").nth(1)
        with page.expect_navigation():
            block.click()
        wait_for_charts(page)
        crumbs = page.locator("nav.crumbs li")
        assert crumbs.count() == depth + 1
        assert expected in crumbs.last.inner_text()
        assert f"administrative.{depth}:" in page.url
        shot(page, f"drill-{depth}", backend(db), at="#explore-h")


def test_the_keyboard_reaches_the_skip_link_and_the_explorer(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/datasets/{DATASET}/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    # Tab on to the first link of the explorer's table and follow it one level down.
    link = page.locator("#explore table.data tbody a").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "administrative.1:" in page.url


def test_switching_language_keeps_the_choice(page: Any, base_url: str, db: Engine) -> None:
    page.goto(f"{base_url}/datasets/{DATASET}/?lang=en")
    page.get_by_role("link", name="Русский").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "lang=ru" in page.url
    page.goto(f"{base_url}/")  # no language in the address: the cookie remembers it
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("link", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    shot(page, "home-kk", backend(db))


def test_table_csv_download_has_the_table_figures(page: Any, base_url: str, db: Engine) -> None:
    page.goto(f"{base_url}/datasets/{DATASET}/?lang=ru&sort=amount:asc")
    rows = page.locator("#explore table.data").first.locator("tbody tr")
    shown = [
        (
            rows.nth(i).locator("td").first.inner_text().strip(),
            rows.nth(i).locator("th").inner_text().strip(),
            Decimal(rows.nth(i).locator("td.num").first.get_attribute("data-value")),
        )
        for i in range(rows.count())
    ]
    assert shown
    with page.expect_download() as info:
        page.locator("#explore p.downloads a", has_text="CSV").first.click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    got = [
        (r["administrative.code"], r["administrative.label"], Decimal(r["amount"]))
        for r in csv.DictReader(io.StringIO(text))
    ]
    assert got == shown


def test_a_phone_sized_screen_has_no_sideways_scrolling(
    browser: Any, base_url: str, db: Engine
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    watch = Watch(base_url)
    watch.attach(context, page)
    for path in (
        f"/datasets/{DATASET}/?lang=kk",
        "/?lang=kk",
        "/datasets/al-treasury-payments-2014-12/?lang=en",
    ):
        page.goto(base_url + path)
        if "datasets/il" in path:
            wait_for_charts(page)
        name = path.split("?")[0].strip("/").split("/")[-1] or "home"
        shot(page, f"phone-{name}", backend(db))
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide"
    context.close()
    assert watch.problems == [], watch.problems
