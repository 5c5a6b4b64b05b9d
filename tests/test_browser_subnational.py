"""Admin-1 in a real browser: the Country page's admin-1 map and most exposed regions, and the Map
page's switch to admin-1 units for a country and a region (Playwright + Debian's Chromium)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from marc_app import browser as B

ART = REPO / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.integration]

#: per admin-1 chart (found by its title): the number of drawn region paths and their fills
_ADMIN1_PATHS = """(title) => {
  for (const svg of document.querySelectorAll('svg')) {
    if (!(svg.textContent || '').includes(title)) continue;
    const paths = [...svg.querySelectorAll('g.mark-shape path')];
    return {n: paths.length, fills: paths.map(p => p.getAttribute('fill')), text: svg.textContent};
  }
  return null;
}"""


@pytest.fixture(scope="module")
def server(real_data, tmp_path_factory):
    if why := B.unavailable():
        pytest.skip(why)
    from marc.hazards import subnational_view
    from marc.pipeline import project

    panel, _ = project.load_data(progress=False)  # warm the on-disk admin-1 caches the server will read
    assert subnational_view.admin1_exposure(REPO / "indicators", panel) is not None
    with B.served(tmp_path_factory.mktemp("fw-sub"), log=ART / "server_subnational.log") as (url, _):
        yield url


@pytest.fixture(scope="module")
def page(server):
    with B.browser_page(1400, 1100) as pg:
        yield pg


def _wait_any_admin1(page, timeout: float = 400.0) -> None:
    """Wait until some admin-1 map is drawn (the page has finished its first admin-1 run)."""
    _wait_admin1(page, "exposure by admin-1 region", 1, timeout)
    B.settle(page, timeout=timeout)


def _wait_admin1(page, title: str, n_min: int, timeout: float = 400.0) -> dict:
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = page.evaluate(_ADMIN1_PATHS, title)
        if got and got["n"] >= n_min:
            return got
        page.wait_for_timeout(500)
    raise AssertionError(f"no admin-1 map titled {title!r} with {n_min}+ regions within {timeout:.0f} s: {got and got['n']}")


def test_country_page_shows_admin1_map_and_top_regions(server, page):
    from marc.reporting import charts

    page.goto(f"{server}/country")
    page.locator("h1").first.wait_for(timeout=300_000)
    B.settle(page, timeout=300)
    _wait_any_admin1(page)
    B.pick_option(page, "Country", "Mozambique (MOZ)")
    B.settle(page, timeout=400)
    got = _wait_admin1(page, "Mozambique: exposure by admin-1 region", 10)
    assert set(got["fills"]) <= set(charts.HAZARD_COLOURS) | {charts.MISSING_GREY}
    assert len(set(got["fills"])) >= 2                                    # regions differ
    assert "Natural Earth 4.0 (2017)" in got["text"]                      # the vintage is on the map
    assert page.get_by_text("Most exposed regions").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ART / "country_admin1_mozambique.png"), full_page=True)


def test_map_switches_to_admin1_for_a_country_and_a_region(server, page):
    page.goto(server)
    page.locator("h1").first.wait_for(timeout=300_000)
    B.settle(page, timeout=300)
    page.get_by_text("Admin-1 units (national readiness × subnational exposure)").click()
    _wait_any_admin1(page)
    B.pick_option(page, "Country", "Mali (MLI)")
    B.settle(page, timeout=400)
    mali = _wait_admin1(page, "Mali: exposure by admin-1 region", 9)
    assert mali["n"] == 9                                                 # NE 4.0: Mali's 9 regions (2017)
    page.locator('[data-testid="stRadio"]').get_by_text("Region", exact=True).click()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Region").first.wait_for(timeout=400_000)
    B.settle(page, timeout=400)
    B.pick_option(page, "Region", "Sub-Saharan Africa")
    B.settle(page, timeout=400)
    ssa = _wait_admin1(page, "Sub-Saharan Africa: exposure by admin-1 region", 300)
    assert ssa["n"] > mali["n"]
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ART / "map_admin1_region.png"), full_page=True)
