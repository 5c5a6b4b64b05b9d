"""The French interface in a real browser (Playwright driving Debian's Chromium against a live
server on a temporary copy of the framework): ``?lang=fr`` opens the map and a country profile in
French, with French labels and the French decimal comma.  Screenshots go to artifacts/."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from marc_app import browser as B

ART = REPO / "artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def server(real_data, tmp_path_factory):
    if why := B.unavailable():
        pytest.skip(why)
    ART.mkdir(exist_ok=True)
    with B.served(tmp_path_factory.mktemp("fw"), log=ART / "server_i18n.log") as served:
        yield served


@pytest.fixture()
def page(server):
    with B.browser_page(1400, 1000) as pg:
        yield pg


def svg_texts(page) -> list[str]:
    return [t.strip() for t in page.locator("svg text").all_text_contents() if t.strip()]


def test_french_map_and_country_profile(server, page):
    url, _ = server
    B.open_page(page, url, "?lang=fr")
    B.wait_map(page)
    B.settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Carte de la préparation MARC"
    body = page.locator("body").inner_text()
    for label in ("Indicateur affiché", "Édition", "Filtres", "Ou choisissez un pays", "Ouvrir la fiche", "Langue"):
        assert label in body, label
    for english in ("MARC readiness map", "Or pick a country", "Open profile", "Filters"):
        assert english not in body, english
    assert page.get_by_role("radio", name="Français").is_checked()
    assert "lang=fr" in page.url
    legend = svg_texts(page)
    assert "Pas de données" in legend and "Hors filtre" in legend, legend[:20]  # the map legend's grey classes
    assert "No data" not in legend
    page.screenshot(path=str(ART / "map_fr.png"), full_page=True)

    B.open_page(page, url, "country?country=CIV&lang=fr")
    page.get_by_text("Pourquoi ce score").first.wait_for(timeout=120_000)
    B.settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Côte d’Ivoire"  # CLDR French name
    values = [v.strip() for v in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
    assert values and all(re.fullmatch(r"\d{1,3},\d", v) for v in values), values  # 45,3: the French decimal comma
    labels = [v.strip() for v in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()]
    assert {"Préparation MARC", "Atténuation", "Coopération"} <= set(labels), labels
    body = page.locator("body").inner_text()
    for label in ("Comparer avec", "Piliers comparés aux pairs", "Profil des aléas", "Points forts", "Données manquantes"):
        assert label in body, label
    assert re.search(r"\d+e sur \d+", body)  # "112e sur 190": the French rank
    for english in ("Why this score", "Pillars against peers", "Hazard profile", "Compare with"):
        assert english not in body, english
    axes = svg_texts(page)
    assert "Score (0–100)" in axes and "Édition" in axes, axes[:30]  # chart axis titles
    assert "lang=fr" in page.url
    page.screenshot(path=str(ART / "country_civ_fr.png"), full_page=True)
