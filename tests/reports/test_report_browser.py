"""report.html in a real browser: headless Chromium opens it offline, from a file:// URL, with
no console error, no request beyond the file itself, and every chart and section shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from salesim.reports.run_report import HTML_NAME, build_report
from tests.conftest import BASELINE
from tests.reports.test_reports import Page, copy_run, make_run

CHROMIUM = Path(os.environ.get("SALESIM_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"),
]


def test_report_opens_offline_without_errors(tmp_path_factory: pytest.TempPathFactory,
                                             tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is a test-only extra")
    run = copy_run(make_run(tmp_path_factory, BASELINE, days=30), tmp_path)
    html = build_report(run)[0]
    assert html.name == HTML_NAME
    expected = Page(html.read_text(encoding="utf-8"))
    problems: list[str] = []
    requests: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url[:80]}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html.as_uri(), wait_until="load")
            assert page.title().startswith("Sales department simulation")
            sections = page.eval_on_selector_all("section", "els => els.map(e => e.id)")
            assert sections == expected.sections
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.clientWidth])")
            assert len(images) == len(expected.figures) > 0
            assert all(done and natural > 100 and shown > 300 for done, natural, shown in images)
            # the collapsible scenario opens, and the contents links jump to their sections
            page.click("details summary")
            assert page.eval_on_selector("details", "e => e.open")
            assert "stages:" in page.inner_text("details pre")
            target = expected.sections[-2]
            page.click(f"nav.toc a[href='#{target}']")
            assert page.evaluate("location.hash") == f"#{target}"
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1280  # nothing sticks out sideways at a laptop's width
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    others = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert others == []
    assert (tmp_path / "report.png").stat().st_size > 50_000
