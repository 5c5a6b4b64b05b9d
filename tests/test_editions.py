"""Offered editions and composition changes, on a framework and panel built here."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.pipeline import project
from marc.reporting import charts, views
from marc.scoring import editions


@pytest.fixture()
def outcome(tmp_path):
    root = write_framework(tmp_path / "fw", {"mitigation": [{"id": "m1"}], "adaptation": [{"id": "a1"}, {"id": "a2"}]},
                           first=2018, last=2022, max_lag=0, policy="none")
    units = ["AAA", "BBB", "CCC"]
    values = {
        "m1": {(u, y): 50.0 for u in units for y in range(2018, 2023)},
        # adaptation arrives in 2020 for everyone, a2 for AAA only in 2021; nothing in 2022 but AAA
        "a1": {**{(u, y): 60.0 for u in units for y in (2020, 2021)}, ("AAA", 2022): 60.0},
        "a2": {("AAA", 2021): 70.0},
    }
    countries = pd.DataFrame({"unit": units, "name": units})
    return project.compute(root, years=None, panel=make_panel(values), countries=countries, progress=False)


def test_offered_editions_are_the_years_every_pillar_is_published_for_most_units(outcome):
    roles = outcome.framework.roles
    share = editions.pillar_coverage(outcome.results, roles)
    assert share.loc[2019, "adaptation"] == 0 and share.loc[2022, "adaptation"] == pytest.approx(1 / 3)
    assert editions.offered_editions(outcome.results, roles) == [2020, 2021]


def test_latest_and_offered_follow_the_rule(outcome, tmp_path):
    root = tmp_path / "fw"
    latest = project.compute(root, years="latest", panel=outcome.panel, countries=outcome.countries, progress=False)
    assert latest.years == [2021]
    offered = project.compute(root, years="offered", panel=outcome.panel, countries=outcome.countries, progress=False)
    assert offered.years == [2020, 2021]


def test_composition_changes_are_flagged_in_the_table_and_on_trends(outcome):
    c = editions.composition_changes(outcome.results, outcome.framework.roles).set_index(["unit", "year"])
    assert not c.loc[("AAA", 2018), "composition_changed"]  # the first edition is not a change
    assert not c.loc[("BBB", 2019), "composition_changed"]
    assert c.loc[("BBB", 2020), "composition_change"] == "+adaptation; +ind:a1"
    assert c.loc[("AAA", 2021), "composition_change"] == "+ind:a2"
    assert c.loc[("AAA", 2022), "composition_change"] == "-ind:a2"
    assert c.loc[("BBB", 2022), "composition_change"] == "-adaptation; -ind:a1"
    table = outcome.table()
    assert bool(table.set_index(["unit", "year"]).loc[("BBB", 2020), "composition_changed"])
    tidy = outcome.tidy().set_index(["unit", "year", "indicator"])
    assert tidy.loc[("AAA", 2021, "a2"), "composition_change"] == "+ind:a2"
    long = views.trend(table, "AAA", ["readiness", "adaptation"])
    assert set(long.loc[long["composition_changed"], "year"]) == {2020, 2021, 2022}
    spec = charts.trend_lines(long).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert "rule" in marks and "text" in marks


def test_a_framework_with_an_empty_pillar_still_scores(tmp_path):
    from builders import add_expert_slot

    root = write_framework(tmp_path / "fw", {"mitigation": [{"id": "m1"}], "cooperation": []}, first=2020, last=2021,
                           max_lag=0, policy="none")
    add_expert_slot(root / "cooperation.yaml", "slot")
    values = {"m1": {(u, y): 50.0 for u in ("AAA", "BBB") for y in (2020, 2021)}}
    out = project.compute(root, years="latest", panel=make_panel(values),
                          countries=pd.DataFrame({"unit": ["AAA", "BBB"], "name": ["A", "B"]}), progress=False)
    assert out.years == [2021]


def test_a_pillar_held_back_from_a_later_release_is_computed_for_trends_but_not_offered(tmp_path):
    """gap_fill before_first keeps a pillar in earlier editions (no composition change), flagged imputed;
    an edition whose pillar is mostly imputed is not offered, and its trend point is drawn hollow."""
    root = write_framework(tmp_path / "fw", {"mitigation": [{"id": "m1"}],
                                             "adaptation": [{"id": "a1", "extra": ["gap_fill: {before_first: true}"]}]},
                           first=2018, last=2021, max_lag=0, policy="none")
    text = (root / "adaptation.yaml").read_text().replace("min_coverage: 0.0\n", "min_coverage: 0.0\n  max_imputed_share: 1.0\n", 1)
    (root / "adaptation.yaml").write_text(text)
    units = ["AAA", "BBB"]
    values = {"m1": {(u, y): 50.0 + y - 2018 for u in units for y in range(2018, 2022)},
              "a1": {(u, y): 70.0 for u in units for y in (2020, 2021)}}
    out = project.compute(root, years=None, panel=make_panel(values), countries=pd.DataFrame({"unit": units, "name": units}),
                          progress=False, hazards=False)
    comp = out.results.components.set_index(["unit", "year", "component"])
    assert comp.loc[("AAA", 2018, "adaptation"), "score"] == pytest.approx(70.0)
    assert comp.loc[("AAA", 2018, "adaptation"), "imputed_share"] == pytest.approx(1.0)
    assert comp.loc[("AAA", 2020, "adaptation"), "imputed_share"] == pytest.approx(0.0)
    assert not out.extra["composition"]["composition_changed"].any()
    assert editions.offered_editions(out.results, out.framework.roles) == [2020, 2021]
    long = views.trend(out.table(), "AAA", ["readiness", "adaptation"])
    ad = long[long["component"] == "adaptation"].set_index("year")["imputed_share"]
    assert ad.loc[2019] == pytest.approx(1.0) and ad.loc[2021] == pytest.approx(0.0)
    spec = charts.trend_lines(long).to_dict()
    point = next(layer for layer in spec["layer"] if (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) == "point")
    assert point["encoding"]["fillOpacity"]["condition"]["test"] == "datum.mostly_imputed"
    data = spec["datasets"][point["data"]["name"]] if "data" in point else next(iter(spec["datasets"].values()))
    hollow = {(d["component"], d["year"]) for d in data if d["mostly_imputed"]}
    assert hollow == {("adaptation", 2018), ("adaptation", 2019)}
