"""Unit tests of marc.reporting.views on a small framework and panel built here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.pipeline import project
from marc.reporting import views


@pytest.fixture()
def small(tmp_path):
    root = write_framework(tmp_path / "fw", {
        "mitigation": [{"id": "m1"}, {"id": "m2"}],
        "adaptation": [{"id": "a1"}],
    }, first=2020, last=2021)
    values = {
        "m1": {("NOR", 2020): 90, ("FRA", 2020): 60, ("KEN", 2020): 30, ("NOR", 2021): 95, ("FRA", 2021): 50, ("KEN", 2021): 35},
        "m2": {("NOR", 2020): 80, ("FRA", 2020): 70, ("KEN", 2020): 10, ("NOR", 2021): 80, ("FRA", 2021): 70, ("KEN", 2021): 10},
        "a1": {("NOR", 2020): 70, ("FRA", 2020): 40, ("KEN", 2020): 20, ("NOR", 2021): 70, ("FRA", 2021): 40},
    }
    countries = pd.DataFrame({"unit": ["NOR", "FRA", "KEN", "GRL"], "name": ["Norway", "France", "Kenya", "Greenland"],
                              "region": ["Europe", "Europe", "Africa", "Europe"],
                              "income_group": ["High income", "High income", "Lower middle income", "High income"],
                              "ldc": [False, False, False, False], "sids": [False, False, False, True]})
    outcome = project.compute(root, years=None, panel=make_panel(values), countries=countries, progress=False)
    return outcome, countries


def test_classify_bounds_and_missing():
    s = pd.Series([0.0, 19.99, 20.0, 79.9, 80.0, 100.0, np.nan])
    assert views.classify(s).tolist() == ["0–20", "0–20", "20–40", "60–80", "80–100", "80–100", views.NO_DATA]


def test_components_in_marc_order(small):
    outcome, _ = small
    assert views.components(outcome.framework) == ["mitigation", "adaptation"]
    ms = views.metrics(outcome.framework, outcome.table())
    assert [m.column for m in ms] == ["readiness", "mitigation", "adaptation", "security_coverage_pct", "coverage_intended_pct"]


def test_map_frame_values_ranks_and_data_years(small):
    outcome, _ = small
    table = outcome.table()
    metric = views.Metric("readiness", "Readiness", "score")
    frame = views.map_frame(table, metric, 2021, years=views.data_years(outcome)).set_index("unit")
    # NOR 2021: mitigation mean(95, 80) = 87.5, adaptation 70 -> readiness 78.75
    assert frame.loc["NOR", "value"] == pytest.approx(78.75)
    assert frame.loc["NOR", "rank"] == 1
    assert frame.loc["NOR", "cls"] == "60–80"
    assert frame.loc["NOR", "data_year"] == 2021
    ranked = table[table["year"] == 2021].set_index("unit")["rank"]
    for unit in frame.index[frame["value"].notna()]:
        assert frame.loc[unit, "rank"] == ranked[unit]


def test_filters_mark_units_out(small):
    outcome, countries = small
    table = outcome.table()
    keep = views.filter_units(table[table["year"] == 2020], countries, regions=["Europe"])
    assert keep == {"NOR", "FRA"}
    frame = views.map_frame(table, views.Metric("readiness", "R", "score"), 2020, keep=keep).set_index("unit")
    assert frame.loc["KEN", "cls"] == views.FILTERED and np.isnan(frame.loc["KEN", "value"])


def test_headline_and_peer_medians(small):
    outcome, countries = small
    table = outcome.table()
    head = views.headline(table, outcome.framework, "FRA", 2020).set_index("component")
    # FRA 2020: mitigation 65, adaptation 40 -> 52.5; NOR 80 -> FRA ranks 2 of 3
    assert head.loc["readiness", "score"] == pytest.approx(52.5)
    assert head.loc["readiness", "rank"] == 2 and head.loc["readiness", "n_ranked"] == 3
    peers = views.peer_medians(table, countries, outcome.framework, "FRA", 2020)
    region = peers[(peers["component"] == "mitigation") & peers["who"].str.startswith("Region")]["score"].iloc[0]
    assert region == pytest.approx(np.median([85.0, 65.0]))


def test_strengths_gaps_and_trend(small):
    outcome, _ = small
    best, worst = views.strengths_weaknesses(outcome, "KEN", 2020, n=1)
    # KEN vs medians: m1 30-60=-30, m2 10-70=-60, a1 20-40=-20
    assert best["indicator"].iloc[0] == "a1" and worst["indicator"].iloc[0] == "m2"
    gaps = views.data_gaps(outcome, "KEN", 2021).set_index("indicator")
    assert gaps.loc["a1", "status"] == "carried forward"
    long = views.trend(outcome.table(), "NOR", ["readiness"])
    assert long["year"].tolist() == [2020, 2021]


def test_rank_changes_reports_movers(small):
    outcome, _ = small
    before = outcome.table()
    after = before.copy()
    after.loc[(after["unit"] == "KEN") & (after["year"] == 2020), "readiness"] = 99.0
    moves = views.rank_changes(before, after, "readiness", 2020, n=0).set_index("unit")
    assert moves.loc["KEN", "rank_saved"] == 3 and moves.loc["KEN", "rank_edited"] == 1
    assert moves.loc["KEN", "change"] == 2 and moves.index[0] == "KEN"


def test_with_hazard_layers_as_of(small):
    outcome, _ = small
    outcome.hazard_table = pd.DataFrame({"unit": ["NOR", "NOR"], "year": [2019, 2021], "drought": [10.0, 30.0],
                                         "exposure": [5.0, 6.0]})
    t = views.with_hazard_layers(outcome, outcome.table()).set_index(["unit", "year"])
    assert t.loc[("NOR", 2020), "drought"] == 10.0 and t.loc[("NOR", 2020), "exposure_year"] == 2019
    assert t.loc[("NOR", 2021), "drought"] == 30.0
    assert np.isnan(t.loc[("FRA", 2020), "drought"])
