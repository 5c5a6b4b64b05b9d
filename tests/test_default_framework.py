"""The default framework on the real data (integration; skips without ../shared/data)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from marc.data.sources import source_dir

# For each default data indicator, a pair (better, worse) whose order is beyond dispute.
SIGN_PAIRS = {
    "co2_intensity_trend": ("GBR", "KWT"),        # UK decarbonised its economy; Kuwait's intensity rose
    "renewable_electricity": ("NOR", "SAU"),      # hydro vs oil-fired power
    "forest_area_change": ("VNM", "KHM"),         # reforestation vs deforestation
    "adaptive_capacity": ("NOR", "TCD"),          # ND-GAIN lack of capacity: Chad 0.89, Norway 0.21
    "social_readiness": ("DNK", "ERI"),
    "physical_infrastructure": ("DEU", "TCD"),
    "disaster_risk_reduction": ("JPN", "NER"),
    "health_access": ("NOR", "CAF"),
    "communication": ("ARE", "SSD"),
    "ndc_timeliness": ("JPN", "TUR"),            # 2020 update early vs ratification only in 2021
    "gcf_readiness_grants": ("THA", "CHN"),
    "gcf_direct_access": ("BGD", "AFG"),
    "voice_accountability": ("NOR", "PRK"),
    "rule_of_law_integrity": ("FIN", "VEN"),
    "women_police": ("LTU", "IRQ"),               # UNODC: 39% of Lithuania's police are women, 1% of Iraq's
    "women_un_deployed": ("ZWE", "PAK"),          # UN DPO Jan 2021: 31% of Zimbabwe's deployed personnel, 1.4% of Pakistan's
    "un_peace_operations": ("NPL", "AND"),        # Nepal is a top contributor; Andorra has no armed forces
    "sendai_drr_strategy": ("JPN", "ECU"),        # SDG 13.1.2 self-assessment: Japan 1.0, Ecuador 0 (2017)
}


@pytest.fixture(scope="module")
def latest(real_outcome):
    year = real_outcome.years[-1]
    ind = real_outcome.results.indicators
    return year, ind[ind["year"] == year].set_index(["indicator", "unit"])


def test_every_default_data_indicator_has_a_sign_pair(real_outcome):
    data_ids = {i.id for i in real_outcome.framework.indicators if i.kind == "data"}
    assert data_ids == set(SIGN_PAIRS)


@pytest.mark.parametrize("indicator", sorted(SIGN_PAIRS))
def test_sign(latest, indicator):
    _, ind = latest
    better, worse = SIGN_PAIRS[indicator]
    b, w = ind.loc[(indicator, better), "score"], ind.loc[(indicator, worse), "score"]
    assert not (math.isnan(b) or math.isnan(w)), f"{indicator}: {better}={b}, {worse}={w}"
    assert b > w, f"{indicator}: {better} ({b:.1f}) should beat {worse} ({w:.1f})"


def test_at_least_180_countries_published_with_coverage_and_imputed_share(real_outcome):
    year = real_outcome.years[-1]
    table = real_outcome.table(year)
    published = table.dropna(subset=["readiness"])
    assert len(published) >= 180
    assert published["coverage"].between(0.8, 1).all()  # index min_coverage
    assert published["imputed_share"].between(0, 0.5).all()
    assert {"FRA", "NOR"} <= set(published["unit"])
    assert published["rank"].min() == 1 and published["rank"].max() <= len(published)


def test_wgi_estimate_flows_unchanged_into_raw_value(latest, real_data):
    year, ind = latest
    wgi = pd.read_excel(source_dir("wb_wgi") / "wgidataset.xlsx")
    nor = wgi[(wgi["code"] == "NOR") & (wgi["indicator"] == "va")].sort_values("year")
    nor = nor[pd.to_numeric(nor["estimate"], errors="coerce").notna()]
    row = ind.loc[("voice_accountability", "NOR")]
    expected = nor[nor["year"] == row["data_year"]]["estimate"].astype(float).iat[0]
    assert row["raw_value"] == expected
    assert row["source"] == "wb_wgi"


def test_tuvalu_zero_co2_is_missing_not_zero(latest):
    _, ind = latest
    assert math.isnan(ind.loc[("co2_intensity_trend", "TUV"), "raw_value"])


def test_expert_slots_without_a_row_are_no_data(latest, real_outcome):
    _, ind = latest
    coded = set(real_outcome.framework.expert_rows.query("indicator == 'defence_climate_strategy'")["unit"])
    uncoded = sorted(set(ind.loc["defence_climate_strategy"].index) - coded)
    assert uncoded and ind.loc[[("defence_climate_strategy", u) for u in uncoded], "score"].isna().all()


def test_security_sector_evidence_for_at_least_120_countries(real_outcome):
    year = real_outcome.years[-1]
    t = real_outcome.table(year).set_index("unit")
    assert t["security_coverage"].notna().all() and (t["security_total"] >= 8).all()
    observed = t.index[t["security_observed"] > 0]
    assert len(observed) >= 120
    fw = real_outcome.framework
    assert sum(i.security_sector and i.kind == "data" for i in fw.indicators) >= 3
    assert 0 < t.loc["KEN", "coverage_intended"] < 1 and t.loc["KEN", "coverage_intended"] < t.loc["KEN", "coverage"]


def test_hazard_exposure_priority_and_quadrant_for_every_country_with_boundaries(real_outcome):
    year = real_outcome.years[-1]
    table = real_outcome.table(year)
    scored = table.dropna(subset=["readiness"])
    assert scored["exposure"].notna().mean() > 0.97
    assert scored["priority"].notna().mean() > 0.95
    assert set(scored["quadrant"].dropna().unique()) >= {"high exposure, low readiness", "low exposure, high readiness"}
    top = scored.sort_values("priority", ascending=False).head(15)["unit"]
    assert not ({"NOR", "DNK", "CHE", "FIN"} & set(top))


def test_context_flags_declared_in_index_yaml(real_outcome):
    year = real_outcome.years[-1]
    t = real_outcome.table(year).set_index("unit")
    assert t.loc["UKR", "conflict"] == 1 and t.loc["UKR", "conflict_year"] <= year
    assert t.loc["NOR", "conflict"] == 0
    assert bool(t.loc["TUV", "sids"]) and bool(t.loc["TUV", "ldc"]) and not bool(t.loc["NOR", "non_annex_i"])
    assert t.loc["MLI", "peace_operation"] == 0 and t.loc["MLI", "years_since_peace_operation"] <= 2  # MINUSMA closed 2023
    assert bool(t.loc["MLI", "transition"]) and bool(t.loc["UKR", "conflict_affected"])
    assert t.loc["NOR", "region"] == "Europe & Central Asia"


def test_inform_climate_change_projections_are_shown_but_not_scored(real_outcome):
    h = real_outcome.hazard_table
    latest = h.sort_values("year").groupby("unit").tail(1).set_index("unit")
    assert latest.loc["BGD", "informcc_risk_2050_pessimistic"] > latest.loc["NOR", "informcc_risk_2050_pessimistic"]
    assert "projections" not in real_outcome.hazards.exposure.components
