"""Debian's Chromium, headless and offline, driven by Playwright (the book's pages, feedback pages)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK = "127.0.0.1"
# Debian's Chromium (`apt-get install chromium`, see scripts/system-deps.sh); Playwright's
# own browser download is not used. CHROMIUM overrides the path.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Any host but the loopback one fails to resolve, so a page that reaches for the
    # network gets a failed request (which the tests report) instead of a real download.
    f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOOPBACK}",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched Playwright browser, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
