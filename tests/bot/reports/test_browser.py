"""The report email renders in headless Chromium, with its chart, and fetches nothing outside."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.config import Config
from bot.notify import build_message
from bot.reports import build_reports, write_report
from bot.reports.deliver import report_email
from tests.bot.reports.conftest import NOW, WEEK, Known

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.sqlite_only,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _as_a_mail_client_shows_it(config: Config, engine: Engine) -> str:
    """The HTML part of the sent message, its cid: images swapped for their bytes."""
    [report] = build_reports(engine, config, WEEK, "oakfield", now=NOW)
    message = build_message(report_email(report), "hm@riverside.example")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    page = html_part.get_content()
    for part in message.walk():
        if part.get_content_maintype() == "image":
            cid = str(part["Content-ID"]).strip("<>")
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            page = page.replace(f"cid:{cid}", f"data:image/png;base64,{data}")
    assert "cid:" not in page
    return page


def _shoot(load: object, out: Path) -> tuple[int, list[str], int]:
    from playwright.sync_api import Page, Route, sync_playwright

    outside: list[str] = []

    def refuse(route: Route) -> None:
        if not route.request.url.startswith(("data:", "file:")):
            outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page: Page = browser.new_page(viewport={"width": 800, "height": 900})
            page.route("**/*", refuse)
            load(page)  # type: ignore[operator]
            width = page.evaluate("document.images[0].naturalWidth")
            page.screenshot(path=str(out), full_page=True)
        finally:
            browser.close()
    from PIL import Image

    with Image.open(io.BytesIO(out.read_bytes())) as shot:
        colours = len(shot.convert("RGB").getcolors(maxcolors=1 << 20) or [])
    return width, outside, colours


def test_email_html_renders_with_the_chart(
    engine: Engine, config: Config, known: Known, tmp_path: Path
) -> None:
    page = _as_a_mail_client_shows_it(config, engine)
    out = tmp_path / "email.png"
    width, outside, colours = _shoot(lambda p: p.set_content(page, wait_until="load"), out)
    assert width > 600  # the inline chart decoded
    assert outside == []
    assert colours > 50  # not a blank page


def test_report_file_renders_with_the_png_beside_it(
    engine: Engine, config: Config, known: Known, tmp_path: Path
) -> None:
    [report] = build_reports(engine, config, WEEK, "oakfield", now=NOW)
    html, _csv, _png = write_report(report, tmp_path)
    out = tmp_path / "file.png"
    width, outside, colours = _shoot(lambda p: p.goto(html.as_uri(), wait_until="load"), out)
    assert width > 600
    assert outside == []
    assert colours > 50


SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@pytest.mark.parametrize("width", [390, 800])
def test_the_report_fits_a_phone_and_opens_with_its_summary(
    engine: Engine, config: Config, known: Known, tmp_path: Path, width: int
) -> None:
    """At 390 px nothing overflows; the desktop shot is kept when HALLMONITOR_UPDATE_SCREENSHOTS."""
    import os

    from playwright.sync_api import sync_playwright

    [report] = build_reports(engine, config, WEEK, "oakfield", now=NOW)
    html, _csv, _png = write_report(report, tmp_path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.as_uri(), wait_until="load")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            first = page.locator("#summary p").first.inner_text()
            assert first.startswith("What happened:")
            box = page.locator("#summary").bounding_box()
            assert box is not None
            assert box["y"] < 200  # above the fold, before the followers table
            if width == 800 and os.environ.get("HALLMONITOR_UPDATE_SCREENSHOTS"):
                page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
        finally:
            browser.close()
