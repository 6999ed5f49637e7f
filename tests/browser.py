"""A real headless browser for tests: Debian's Chromium driven by Selenium through Debian's chromedriver.

Nothing is downloaded: the browser and driver are the Debian packages `chromium` and
`chromium-driver` (`.ci/install-browser` installs them), and Selenium is told both paths so its
driver manager never runs. A missing piece is a test failure that says how to install it, never
a skip: a browser test that silently does not run proves nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL_HINT = "run `.ci/install-browser` (as root: apt packages chromium and chromium-driver)"

FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
)


def require_browser() -> None:
    """Fail (never skip) with the install command when the browser, driver or Selenium is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    if missing:
        pytest.fail(f"headless browser missing ({', '.join(missing)}): {INSTALL_HINT}", pytrace=False)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("the Python package selenium is missing: pip install -e '.[dev]' (and " + INSTALL_HINT + ")", pytrace=False)


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator:
    """A headless Chromium (selenium WebDriver) with a fresh profile, closed afterwards."""
    require_browser()
    from selenium import webdriver

    profile = tempfile.mkdtemp(prefix="chat-conformance-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # for console_errors()
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver) -> list[str]:
    """SEVERE entries of the page's console log (JavaScript errors), where the driver offers the log."""
    try:
        entries = driver.get_log("browser")
    except Exception:  # noqa: BLE001 - not every driver offers the log
        return []
    return [e["message"] for e in entries if e.get("level") == "SEVERE"]
