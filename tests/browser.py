"""What the browser tests share: Debian's chromium under Playwright and axe-core
(nginx in front of the real servers is harness/nginx.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from bot import paths

CHROMIUM = os.environ.get("HAIP_CHROMIUM", "/usr/bin/chromium")
# Without the networking flags Chromium keeps calling home, which this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = paths.ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("HAIP_SCREENSHOT_DIR") or paths.ROOT / "results" / "screenshots")


@contextmanager
def chromium() -> Iterator:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system-packages` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA problems axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]
