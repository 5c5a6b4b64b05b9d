"""Contribution breakdown (marc.analysis.explain): contributions add up to score minus reference score."""

from __future__ import annotations

import math

import numpy as np
import pytest
from builders import make_panel, random_panel, write_framework
from hypothesis import given, settings
from hypothesis import strategies as st

from marc.analysis import explain
from marc.core.errors import MarcError
from marc.method.loader import load_framework
from marc.scoring import engine


def _scored(tmp_path, seed: int, aggregation: str, pillar_aggregation: str, missing: float = 0.2):
    pillars = {"p": [{"id": "a", "weight": 2}, {"id": "b"}], "q": [{"id": "c"}, {"id": "d", "weight": 3}, {"id": "e"}]}
    fw = load_framework(write_framework(tmp_path / f"fw{seed}{aggregation}{pillar_aggregation}", pillars,
                                       aggregation=aggregation, pillar_aggregation=pillar_aggregation,
                                       pillar_weights={"p": 1, "q": 2}, policy="none"))
    units = [f"U{k:02d}" for k in range(12)]
    panel = random_panel(np.random.default_rng(seed), units, list("abcde"), [2004, 2005], missing=missing)
    return fw, engine.score(fw, panel, [2005], units=units)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), agg=st.sampled_from(["arithmetic", "geometric", "harmonic"]),
       pagg=st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_contributions_sum_to_the_gap(tmp_path_factory, seed, agg, pagg):
    fw, res = _scored(tmp_path_factory.mktemp("x"), seed, agg, pagg)
    idx = res.components[(res.components["component"] == "readiness") & res.components["published"]]
    for unit in idx["unit"]:
        e = explain.explain(fw, res, unit, 2005)
        assert math.isclose(e.indicators["contribution"].sum(), e.score - e.reference_score, abs_tol=1e-6)
        pillars = e.components[e.components["role"] == "pillar"]
        assert math.isclose(pillars["contribution"].sum(), e.gap, abs_tol=1e-6)
        # each pillar's contribution is the sum of its indicators'
        for p in pillars.itertuples():
            assert math.isclose(e.indicators.loc[e.indicators["pillar"] == p.component, "contribution"].sum(),
                                p.contribution, abs_tol=1e-6)


def test_arithmetic_split_by_hand(tmp_path):
    """Two indicators, one missing for U1: its effective weight goes to the other, and the reference
    profile is scored with the same effective weights."""
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]}, policy="none"))
    panel = make_panel({"a": {("U1", 2005): 80.0, ("U2", 2005): 40.0, ("U3", 2005): 60.0},
                        "b": {("U2", 2005): 10.0, ("U3", 2005): 30.0}})
    res = engine.score(fw, panel, [2005], units=["U1", "U2", "U3"])
    e = explain.explain(fw, res, "U1", 2005)
    assert e.score == pytest.approx(80.0)
    assert e.reference_score == pytest.approx(60.0)  # median of a; b is absent for U1
    row = e.indicators.set_index("indicator").loc["a"]
    assert row["contribution"] == pytest.approx(20.0) and row["effective_weight"] == pytest.approx(1.0)
    assert "b" not in set(e.indicators["indicator"])


def test_geometric_split_by_log_ratio(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]}, pillar_aggregation="geometric",
                                        policy="none"))
    panel = make_panel({"a": {("U1", 2005): 80.0, ("U2", 2005): 20.0, ("U3", 2005): 40.0},
                        "b": {("U1", 2005): 10.0, ("U2", 2005): 90.0, ("U3", 2005): 40.0}})
    res = engine.score(fw, panel, [2005], units=["U1", "U2", "U3"])
    e = explain.explain(fw, res, "U1", 2005)
    x, r = math.sqrt(80 * 10), 40.0
    lm = (x - r) / (math.log(x) - math.log(r))
    got = e.indicators.set_index("indicator")["contribution"]
    assert got["a"] == pytest.approx(lm * 0.5 * math.log(80 / 40))
    assert got["b"] == pytest.approx(lm * 0.5 * math.log(10 / 40))
    assert e.score - e.reference_score == pytest.approx(x - r)


def test_no_score_is_a_clear_error(tmp_path):
    fw, res = _scored(tmp_path, 1, "arithmetic", "arithmetic", missing=0.0)
    with pytest.raises(MarcError, match="no published index score"):
        explain.explain(fw, res, "ZZZ", 2005)


@pytest.mark.integration
def test_ten_real_countries_sum_within_005(real_outcome):
    o = real_outcome
    year = o.years[-1]
    for ref in ("median", "region"):
        for unit in ["SWE", "MLI", "NER", "FRA", "USA", "BRA", "IND", "FJI", "TCD", "AFG"]:
            e = explain.explain(o.framework, o.results, unit, year, reference=ref, countries=o.countries)
            assert abs(e.indicators["contribution"].sum() - (e.score - e.reference_score)) <= 0.05, (unit, ref)
            assert len(e.drivers()) == 3 and e.sentence().count("(") >= 3
    table = explain.explain_all(o.framework, o.results, year)
    assert table["unit"].nunique() == o.published_count(year)
