"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from support.browser import chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright: one per session, since Playwright's sync
    API allows one at a time (the book's pages and the feedback pages share it)."""
    with chromium() as launched:
        yield launched
