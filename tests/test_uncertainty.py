"""Monte Carlo rank intervals: collapse, dominance, reproducibility, and agreement with the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import write_framework

from marc.analysis import uncertainty as unc
from marc.analysis.replication import replication_framework, replication_panel
from marc.core.errors import MarcError
from marc.method.framework import MeasurementError, Uncertainty, WeightUncertainty
from marc.method.loader import load_framework
from marc.scoring import engine

UNITS = [f"U{i:02d}" for i in range(40)]
PILLARS = {"alpha": [{"id": "a"}, {"id": "b", "direction": "lower_is_better"}, {"id": "c"}],
           "beta": [{"id": "d"}, {"id": "e", "normalise": "{method: goalposts, min: -2.5, max: 2.5}"}]}
ZERO = Uncertainty(weights=WeightUncertainty(range=0), normalisation=["declared"], aggregation=["declared"],
                   missing=["declared"], exclusion=0, measurement_error=MeasurementError(enabled=False))
FULL = Uncertainty(normalisation=["declared", "minmax", "zscore", "rank"], aggregation=["declared", "geometric", "harmonic"],
                   aggregation_levels="all", missing=["declared", "none", "group_mean", "drop"], exclusion=0.2)


def _panel(rng, missing: float = 0.15, top: str | None = None) -> pd.DataFrame:
    rows = []
    for year in (2004, 2005):
        for u in UNITS:
            for iid in "abcd":
                if u != top and rng.random() < missing:
                    continue
                v = rng.uniform(5, 95)
                if u == top:
                    v = 0.0 if iid == "b" else 100.0  # best on every indicator (b is lower-is-better)
                rows.append((u, year, f"custom/{iid}", v, "test"))
            e = 2.5 if u == top else rng.uniform(-2, 2)
            rows.append((u, year, "custom/e", e, "test"))
            rows.append((u, year, "custom/e.se", 0.0 if u == top else rng.uniform(0.1, 0.4), "test"))
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"])


def _groups() -> pd.DataFrame:
    return pd.DataFrame({"region": ["north" if i % 2 else "south" for i in range(len(UNITS))]}, index=pd.Index(UNITS, name="unit"))


@pytest.fixture
def fw(tmp_path):
    return load_framework(write_framework(tmp_path / "fw", PILLARS, min_coverage=0.5))


def test_zero_width_alternatives_collapse_to_the_point_estimate(fw):
    panel = _panel(np.random.default_rng(1))
    res = unc.run(fw, panel, 2005, groups=_groups(), n=50, settings=ZERO)
    summary = res.summary().set_index("unit")
    nominal = engine.score(fw, panel, [2005], groups=_groups()).components
    nominal = nominal[nominal["component"] == "readiness"].set_index("unit")["score"]
    published = nominal.dropna().index
    assert len(published) > 30
    s = summary.loc[published]
    np.testing.assert_allclose(s["score"], nominal[published])
    for col in ("score_p05", "score_p95", "score_mean"):
        np.testing.assert_allclose(s[col], s["score"])
    for col in ("rank_p05", "rank_p95", "median_rank", "mean_rank"):
        np.testing.assert_array_equal(s[col], s["rank"])
    assert (s["mean_abs_rank_shift"] == 0).all() and (s["published_share"] == 1).all()
    assert res.factors == []


def test_dominant_unit_ranks_first_in_every_replication(fw):
    panel = _panel(np.random.default_rng(2), missing=0.0, top="U07")
    res = unc.run(fw, panel, 2005, groups=_groups(), n=300, settings=FULL)
    assert set(res.factors) == set(unc.FACTORS) - {"expert_coding"}  # no expert slot here: see tests/test_coders.py
    row = list(res.units).index("U07")
    assert (res.ranks[row] == 1).all()
    assert res.summary().set_index("unit").loc["U07", "rank_p95"] == 1
    # while the others move
    assert res.summary()["mean_abs_rank_shift"].max() > 1


def test_same_seed_same_output(fw):
    panel = _panel(np.random.default_rng(3))
    one = unc.run(fw, panel, 2005, groups=_groups(), n=200, seed=11, settings=FULL)
    two = unc.run(fw, panel, 2005, groups=_groups(), n=200, seed=11, settings=FULL)
    other = unc.run(fw, panel, 2005, groups=_groups(), n=200, seed=12, settings=FULL)
    pd.testing.assert_frame_equal(one.summary(), two.summary())
    np.testing.assert_array_equal(one.ranks, two.ranks)
    assert not np.array_equal(np.nan_to_num(one.ranks), np.nan_to_num(other.ranks))


def _assert_replications_match_engine(model, scores, draws, panel, groups, replications, components=None, **tol):
    """Each replication *r*, rebuilt as a framework and panel and scored by engine.score, gives the vectorised
    scores of *components* (default: every component scored)."""
    for r in replications:
        res = engine.score(replication_framework(model, draws, r), replication_panel(model, draws, r, panel), [2005],
                           groups=groups)
        comp = res.components.set_index(["component", "unit"])["score"]
        for c in components or list(scores):
            np.testing.assert_allclose(scores[c][:, r], comp.loc[c].reindex(model.units).to_numpy(),
                                       err_msg=f"replication {r}, component {c}", **tol)


def test_vectorised_replications_equal_the_engine(fw):
    """Each replication, rebuilt as a framework and panel and scored by engine.score, gives the same scores."""
    panel, groups = _panel(np.random.default_rng(4)), _groups()
    model = unc.build(fw, panel, 2005, groups=groups, settings=FULL)
    assert "e" in model.me  # measurement error from custom/e.se
    design = unc.draw(model, 12, seed=5)
    scores = unc.evaluate(model, design)
    draws = unc.decode(model, design)
    _assert_replications_match_engine(model, scores, draws, panel, groups, range(12), rtol=0, atol=1e-9)


def test_dirichlet_weights_keep_the_sibling_total(fw):
    settings = Uncertainty(weights=WeightUncertainty(method="dirichlet", concentration=20), exclusion=0)
    model = unc.build(fw, _panel(np.random.default_rng(6)), 2005, groups=_groups(), settings=settings)
    d = unc.decode(model, unc.draw(model, 500, seed=1))
    np.testing.assert_allclose(d.weights["a"] + d.weights["b"] + d.weights["c"], 3.0)
    np.testing.assert_allclose(d.weights["alpha"] + d.weights["beta"], 2.0)
    assert 0.9 < d.weights["a"].mean() < 1.1 and d.weights["a"].std() > 0.05


def test_rank_desc_matches_pandas_min_ranks():
    x = np.array([[3.0, np.nan], [1.0, 2.0], [3.0, 2.0], [np.nan, 5.0], [0.5, 2.0]])
    want = pd.DataFrame(x).rank(ascending=False, method="min").to_numpy()
    np.testing.assert_array_equal(np.nan_to_num(unc.rank_desc(x), nan=-1), np.nan_to_num(want, nan=-1))


def test_bad_uncertainty_block_is_located(tmp_path):
    root = write_framework(tmp_path / "fw", PILLARS)
    text = (root / "index.yaml").read_text()
    first = text.count("\n") + 2  # the line of 'exclusion:'
    (root / "index.yaml").write_text(text + "uncertainty:\n  exclusion: 1.5\n  normalisation: [declared, magic]\n")
    with pytest.raises(MarcError) as err:
        load_framework(root)
    where = {(p.line, p.code) for p in err.value.problems}
    assert len(where) == 2 and all(p.file.endswith("index.yaml") for p in err.value.problems)
    assert {line for line, _ in where} == {first, first + 1}


@pytest.mark.integration
def test_real_data_rank_intervals(real_outcome):
    from marc.data.panel_build import load_panel

    panel = load_panel()
    res = unc.from_outcome(real_outcome, panel, n=200)
    s = res.summary()
    ranked = s.dropna(subset=["rank"])
    assert len(ranked) > 150
    assert (ranked["rank_p05"] <= ranked["median_rank"]).all() and (ranked["median_rank"] <= ranked["rank_p95"]).all()
    assert (ranked["score_p05"] <= ranked["score_p95"]).all()
    assert "measurement_error" in res.factors  # WGI standard errors are in the panel
    # the vectorised model equals the production engine on real data too
    model = unc.build(real_outcome.framework, panel, res.year, groups=real_outcome.countries.set_index("unit"),
                      units=list(res.units))
    design = unc.draw(model, 3, seed=9)
    scores, draws = unc.evaluate(model, design), unc.decode(model, design)
    for r in range(3):
        got = engine.score(replication_framework(model, draws, r), replication_panel(model, draws, r, panel), [res.year],
                           groups=real_outcome.countries.set_index("unit"), units=list(res.units)).components
        got = got[got["component"] == model.fw.index.id].set_index("unit")["score"].reindex(model.units)
        np.testing.assert_allclose(scores[model.fw.index.id][:, r], got.to_numpy(), atol=1e-9)


def test_weight_noise_per_level_and_zscore_clip(fw):
    panel = _panel(np.random.default_rng(21))
    settings = ZERO.model_copy(update={"weights": WeightUncertainty(range=0, range_by_level={"pillars": 0.3}),
                                       "normalisation": ["zscore"], "zscore_clip": 1.5})
    model = unc.build(fw, panel, 2005, groups=_groups(), settings=settings)
    assert model.weight_nodes == ["alpha", "beta"]  # indicators keep their weights: no noise declared for them
    draws = unc.decode(model, unc.draw(model, 200, seed=1))
    assert (np.abs(draws.weights["alpha"] - 1) <= 0.3 + 1e-12).all() and draws.weights["alpha"].std() > 0.05
    assert (draws.weights["a"] == 1).all()
    # the zscore alternative uses the declared clip: a unit beyond 1.5 sd scores exactly 0 or 100
    a = model.scores[0, model.indicators.index("a")]
    assert np.nanmax(a) == pytest.approx(100) and np.nanmin(a) == pytest.approx(0)
    with pytest.raises(ValueError):
        WeightUncertainty(range_by_level={"pillars": 1.5})


def test_risk_orientation_and_complement_in_the_monte_carlo(tmp_path):
    """The vectorised model equals the engine for a risk index with complement means and rounding."""
    root = write_framework(tmp_path / "risk", PILLARS, min_coverage=0.5)
    text = (root / "index.yaml").read_text().replace("  name: Readiness\n", "  name: Risk\n  orientation: risk\n")
    (root / "index.yaml").write_text(text)
    for pid in PILLARS:
        t = (root / f"{pid}.yaml").read_text().replace(
            "  aggregation: arithmetic\n", "  aggregation: complement\n  complement: {rescale: [1, 10]}\n  round: 1\n", 1)
        (root / f"{pid}.yaml").write_text(t)
    risk = load_framework(root)
    panel, groups = _panel(np.random.default_rng(22)), _groups()
    model = unc.build(risk, panel, 2005, groups=groups, settings=FULL.model_copy(update={"zscore_clip": 2.0}))
    design = unc.draw(model, 6, seed=3)
    scores, draws = unc.evaluate(model, design), unc.decode(model, design)
    _assert_replications_match_engine(model, scores, draws, panel, groups, range(6), rtol=0, atol=1e-9)


def test_named_weight_sets_are_drawn_and_match_the_engine(fw):
    panel, groups = _panel(np.random.default_rng(23)), _groups()
    settings = ZERO.model_copy(update={"weight_sets": {"beta_only": {"alpha": 0}, "heavy_a": {"a": 5, "alpha": 2}}})
    model = unc.build(fw, panel, 2005, groups=groups, settings=settings)
    design = unc.draw(model, 60, seed=2)
    draws, scores = unc.decode(model, design), unc.evaluate(model, design)
    which = {0: (draws.weights["alpha"] == 1) & (draws.weights["a"] == 1), 1: draws.weights["alpha"] == 0,
             2: (draws.weights["alpha"] == 2) & (draws.weights["a"] == 5)}
    assert all(m.sum() > 5 for m in which.values()) and sum(m.sum() for m in which.values()) == 60
    beta = engine.score(fw, panel, [2005], groups=groups).components
    beta = beta[beta["component"] == "beta"].set_index("unit")["score"].reindex(model.units).to_numpy()
    r = int(np.flatnonzero(which[1])[0])
    np.testing.assert_allclose(scores["readiness"][:, r], beta)  # only beta counts in that set
    _assert_replications_match_engine(model, scores, draws, panel, groups,
                                      (int(np.flatnonzero(which[2])[0]), int(np.flatnonzero(which[0])[0])),
                                      ["readiness"], atol=1e-9)
    bad = ZERO.model_copy(update={"weight_sets": {"typo": {"alhpa": 1}}})
    with pytest.raises(MarcError) as err:
        unc.build(fw, panel, 2005, groups=groups, settings=bad)
    assert "alhpa" in str(err.value)


def test_declared_zscore_parameters_and_minmax_ranges(fw):
    """The zscore alternative uses an indicator's declared mean and sd, the minmax alternative its declared
    range (capped); indicators not listed keep the observed cross-section; the engine agrees."""
    from marc.method.uncertainty_settings import MinMaxRange, ZScoreParameters

    panel, groups = _panel(np.random.default_rng(31), missing=0.0), _groups()
    settings = ZERO.model_copy(update={"normalisation": ["zscore", "minmax"], "zscore_clip": 2.0,
                                       "zscore_parameters": {"a": ZScoreParameters(mean=40.0, sd=10.0)},
                                       "minmax_ranges": {"b": MinMaxRange(lower=20.0, upper=60.0)}})
    model = unc.build(fw, panel, 2005, groups=groups, settings=settings)
    assert model.norms == ["zscore", "minmax"]
    x = panel[panel["year"] == 2005].pivot(index="unit", columns="variable", values="value").reindex(model.units)
    a, b, c = (model.indicators.index(i) for i in "abc")
    # zscore of a: declared μ = 40, σ = 10, clip 2: s = 100 (clip(z, −2, 2) + 2) / 4
    expect_a = 100 * (np.clip((x["custom/a"] - 40) / 10, -2, 2) + 2) / 4
    np.testing.assert_allclose(model.scores[0, a], expect_a.to_numpy(), atol=1e-9)
    # zscore of c: not declared, so the observed mean and sample sd of the cross-section
    xc = x["custom/c"]
    expect_c = 100 * (np.clip((xc - xc.mean()) / xc.std(ddof=1), -2, 2) + 2) / 4
    np.testing.assert_allclose(model.scores[0, c], expect_c.to_numpy(), atol=1e-9)
    # minmax of b (lower is better): declared 20–60, capped, reversed
    expect_b = 100 - 100 * np.clip((x["custom/b"] - 20) / 40, 0, 1)
    np.testing.assert_allclose(model.scores[1 * len(model.missings), b], expect_b.to_numpy(), atol=1e-9)
    assert (model.scores[1 * len(model.missings), b] == 0).any()  # a capped value really occurs in this draw
    # minmax of c: observed range
    expect_mc = 100 * (xc - xc.min()) / (xc.max() - xc.min())
    np.testing.assert_allclose(model.scores[1 * len(model.missings), c], expect_mc.to_numpy(), atol=1e-9)
    design = unc.draw(model, 8, seed=4)
    scores, draws = unc.evaluate(model, design), unc.decode(model, design)
    _assert_replications_match_engine(model, scores, draws, panel, groups, range(8), ["readiness"], atol=1e-9)


def test_uncertainty_ids_are_located_errors(tmp_path):
    root = write_framework(tmp_path / "fw", PILLARS)
    (root / "index.yaml").write_text((root / "index.yaml").read_text() + (
        "uncertainty:\n"
        "  zscore_parameters:\n"
        "    a: {mean: 1, sd: 2}\n"
        "    zz: {mean: 1, sd: 2}\n"
        "  minmax_ranges:\n"
        "    bb: {lower: 0, upper: 1}\n"
        "  weight_sets:\n"
        "    panel: {alpha: 2, gamma: 1}\n"))
    with pytest.raises(MarcError) as err:
        load_framework(root)
    text = str(err.value)
    n = len((root / "index.yaml").read_text().splitlines())
    assert f"index.yaml:{n - 4}:5: [unknown-reference] uncertainty.zscore_parameters names 'zz'" in text
    assert f"index.yaml:{n - 2}:5: [unknown-reference] uncertainty.minmax_ranges names 'bb'" in text
    assert f"index.yaml:{n}:23: [unknown-reference] uncertainty.weight_sets.panel names 'gamma'" in text
    assert "'a'" not in text and "'alpha'" not in text


@pytest.mark.parametrize("block, code, where", [
    ("  zscore_parameters:\n    a: {mean: 1, sd: 0}\n", "[out-of-range] Input should be greater than 0", "{n}:18"),
    ("  minmax_ranges:\n    a: {lower: 5, upper: 5}\n", "range-order", "{n}:"),
    ("  zscore_parameters:\n    a: {mean: 1}\n", "missing", "{n}:"),
])
def test_bad_uncertainty_parameters_are_located(tmp_path, block, code, where):
    root = write_framework(tmp_path / "fw", PILLARS)
    (root / "index.yaml").write_text((root / "index.yaml").read_text() + "uncertainty:\n" + block)
    with pytest.raises(MarcError) as err:
        load_framework(root)
    n = len((root / "index.yaml").read_text().splitlines())
    assert f"index.yaml:{where.format(n=n)}" in str(err.value) and code in str(err.value)
