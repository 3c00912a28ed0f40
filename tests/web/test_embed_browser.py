"""Embeds in a real browser: a page on another local port pastes three snippets; each chart
renders, its frame takes the height of its content, shows its source line, and the treemap
drills down inside its frame. No console error, no request leaves this machine."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from sqlalchemy import Engine

from tests.conftest import loaded
from tests.web.server import serve
from tests.web.test_browser import SHOTS, Watch, backend, browser  # noqa: F401  (fixture)

DATASET = "il-mof-execution-1998"
KINDS = ("treemap", "top", "plan")
PUBLISHER = "Israel Ministry of Finance, Accountant General"

db = loaded(DATASET)


@pytest.fixture(scope="module")
def base_url(db: Engine) -> Iterator[str]:
    with serve(db) as url:
        yield url


def snippet(base: str, kind: str, lang: str) -> str:
    """The code a journalist would paste, as oEmbed gives it."""
    url = quote(f"{base}/embed/{DATASET}/{kind}?lang={lang}")
    with urlopen(f"{base}/oembed?format=json&url={url}") as response:
        return str(json.load(response)["html"])


@pytest.fixture(scope="module")
def host_url(base_url: str) -> Iterator[str]:
    """Somebody else's page, on its own port, with three Ashyq charts pasted in."""
    parts = [f"<h2>Chart {i + 1}</h2>\n{snippet(base_url, k, 'en')}" for i, k in enumerate(KINDS)]
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>A newspaper</title></head>"
        "<body style='margin:0 auto;max-width:820px;font-family:serif'>"
        "<h1>Where the money went</h1><p>Our story, with charts.</p>"
        + "\n".join(parts)
        + "<p>The end.</p></body></html>"
    ).encode()

    class Host(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200 if self.path == "/" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            if self.path == "/":
                self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Host)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(10)


class Both(Watch):
    """Requests may go to the portal and to the host page, nowhere else."""

    def __init__(self, base: str, host: str) -> None:
        super().__init__(base)
        self.host = host

    def only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.host + "/"):
            route.continue_()
        else:
            super().only_local(route)


def frame_height(page: Any, index: int) -> float:
    return float(
        page.evaluate(
            "i => document.querySelectorAll('iframe')[i].getBoundingClientRect().height", index
        )
    )


def content_height(frame: Any) -> float:
    return float(frame.evaluate("document.documentElement.getBoundingClientRect().height"))


def settle(page: Any, index: int, frame: Any) -> None:
    """Wait until the frame's height matches its content (embed-host.js sets it)."""
    page.wait_for_function(
        """([i, h]) => Math.abs(document.querySelectorAll('iframe')[i]
                          .getBoundingClientRect().height - h) <= 2""",
        arg=[index, content_height(frame)],
        timeout=10000,
    )


def test_three_pasted_embeds_render_resize_and_drill_down(
    browser: Any,  # noqa: F811
    base_url: str,
    host_url: str,
    db: Engine,
) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 900})
    page = context.new_page()
    watch = Both(base_url, host_url)
    watch.attach(context, page)
    page.goto(host_url + "/")
    frames = page.locator("iframe[data-ashyq-embed]")
    assert frames.count() == 3
    for index, kind in enumerate(KINDS):
        element = frames.nth(index)
        pasted = float(element.get_attribute("height") or 0)
        element.scroll_into_view_if_needed()
        frame = element.element_handle().content_frame()
        frame.wait_for_selector(".chart .main-svg", state="attached", timeout=20000)
        assert frame.locator("#fallback").is_hidden()  # the chart replaced the table
        settle(page, index, frame)
        height = frame_height(page, index)
        assert height != pasted, f"{kind}: the frame kept its pasted height"
        assert abs(height - content_height(frame)) <= 2
        source = frame.locator("p.source").inner_text()
        assert PUBLISHER in source and "Ashyq" in source
        assert (
            frame.locator("p.source a[download]")
            .get_attribute("href")
            .startswith(f"/api/v1/datasets/{DATASET}/aggregate.csv?")
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        element.screenshot(path=str(SHOTS / f"embed-{kind}-{backend(db)}.png"))

    # Drill down inside the treemap's frame: the frame moves on, the host page stays.
    element = frames.nth(0)
    element.scroll_into_view_if_needed()
    frame = element.element_handle().content_frame()
    first = frame.locator("#fallback tbody th").first.inner_text().strip()
    with frame.expect_navigation():
        frame.locator("g.slice").nth(1).click()
    frame.wait_for_selector(".chart .main-svg", state="attached", timeout=20000)
    assert "cut=administrative.1" in frame.url
    assert first.split(" ", 1)[1] in frame.locator("h1").inner_text()
    assert page.url == host_url + "/"
    settle(page, 0, frame)
    element.screenshot(path=str(SHOTS / f"embed-drilled-{backend(db)}.png"))
    # The whole host page at once (a tall window: frames outside it are not painted).
    page.set_viewport_size(
        {"width": 900, "height": int(page.evaluate("document.body.scrollHeight"))}
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"embed-host-{backend(db)}.png"))
    context.close()
    assert watch.problems == [], watch.problems


def test_the_embed_button_opens_a_dialog_with_the_code(
    browser: Any,  # noqa: F811
    base_url: str,
    db: Engine,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(base_url)
    watch.attach(context, page)
    page.goto(f"{base_url}/datasets/{DATASET}/?lang=ru")
    page.wait_for_selector(".chart .main-svg", state="attached", timeout=20000)
    page.locator(".embed-link a").first.click()
    dialog = page.locator("dialog.embed-dialog")
    dialog.wait_for(state="visible")
    code = dialog.locator("textarea").input_value()
    assert code.startswith(f'<iframe src="{base_url}/embed/{DATASET}/treemap?lang=ru')
    # Pinning asks the server for the new code.
    dialog.locator("input[value=pinned]").check()
    page.wait_for_function(
        "() => document.querySelector('dialog textarea').value.includes('version=')"
    )
    dialog.locator("select[name=embed_lang]").select_option("kk")
    page.wait_for_function(
        "() => document.querySelector('dialog textarea').value.includes('lang=kk')"
    )
    page.screenshot(path=str(SHOTS / f"embed-dialog-{backend(db)}.png"))
    context.close()
    assert watch.problems == [], watch.problems
