"""Open the built book in headless Chromium and check what a reader would see.

Needs `make book` (or `synthlib book`) first; skipped when no book is built, unless
SYNTHLIB_REQUIRE_BROWSER=1 (set by .ci/run), where a missing book or browser fails the test.
"""

import os
import shutil
from pathlib import Path

import pytest
import yaml

from synthlib.book.build import book_dir, build_dir

pytestmark = pytest.mark.book
HTML = build_dir() / "html"
REQUIRED = os.environ.get("SYNTHLIB_REQUIRE_BROWSER") == "1"


def _pages() -> list[str]:
    toc = yaml.safe_load((book_dir() / "_toc.yml").read_text())
    entries = [toc["root"]] + [c["file"] for c in toc.get("chapters", [])]
    entries += [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return entries


@pytest.fixture(scope="module")
def browser():
    if not (HTML / "index.html").is_file() or not shutil.which("chromedriver"):
        message = "book not built or chromium-driver missing: run `make book` and apt-get install chromium-driver"
        pytest.fail(message) if REQUIRED else pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.mark.parametrize("page", _pages())
def test_page_renders_without_errors_or_remote_assets(browser, page):
    path = HTML / f"{page}.html"
    assert path.is_file(), f"chapter page {path.name} is missing from the built book"
    browser.get(path.as_uri())
    assert browser.find_elements("css selector", "article h1"), "page has no title"
    errors = browser.find_elements("css selector", ".output.traceback, .output.error, .cell_output .ansi-red-fg")
    assert not errors, f"{page}: an executed cell shows an error: {errors[0].text[:300]}"
    remote = browser.execute_script(
        "return [...document.querySelectorAll('script[src], link[href][rel=stylesheet], img[src]')]"
        ".map(e => e.src || e.href).filter(u => /^https?:/.test(u));")
    assert not remote, f"{page} loads remote assets (the book must be offline): {remote}"
    broken = browser.execute_script(
        "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);")
    assert not broken, f"{page}: images failed to load: {broken}"


def test_data_chapter_shows_its_figures_and_math_renders(browser):
    browser.get((HTML / "data.html").as_uri())
    figures = browser.find_elements("css selector", ".cell_output img")
    assert len(figures) >= 3, "the Data chapter should show its size, label and length figures"
    assert browser.find_elements("css selector", "mjx-container"), "MathJax (vendored) did not typeset the math"
    tables = browser.find_elements("css selector", ".cell_output table")
    assert tables and "sst2" in tables[0].text
    shots = build_dir() / "screenshots"
    shots.mkdir(exist_ok=True)
    browser.set_window_size(1280, 2400)
    assert browser.save_screenshot(str(shots / "data.png"))
    assert Path(shots / "data.png").stat().st_size > 10_000


@pytest.mark.parametrize("page", [p for p in _pages() if p != "intro"])
def test_chapters_show_no_plumbing_code_by_default(browser, page):
    """Code cells are hidden (tag hide-input: one click away) or removed; readers see prose and results."""
    browser.get((HTML / f"{page}.html").as_uri())
    inputs = browser.find_elements("css selector", "div.cell div.cell_input")
    shown = [e.text[:200] for e in inputs if e.is_displayed()]
    assert not shown, f"{page} shows code by default: {shown[0]!r}"
    assert inputs, f"{page}: no code cell is one click away (expected hide-input cells)"
