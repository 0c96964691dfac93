"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright (never a browser
Playwright downloads), at the two sizes the pages are photographed at."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.processes import ROOT

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SCREENSHOTS = ROOT / "screenshots"


def chromium_path() -> str:
    """The Chromium binary; a skip without one locally, a failure in CI (which installs it)."""
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("no chromium on this machine (apt-get install chromium, or set CHROMIUM_PATH)")


def launched_chromium() -> Iterator[Any]:
    """A headless browser for a module's tests (wrap it in a fixture)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()
