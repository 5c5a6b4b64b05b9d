"""Sobol' indices: the Ishigami function's analytical values, grouping, budget, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from builders import write_framework

from marc.analysis import sensitivity as sens
from marc.analysis import uncertainty as unc
from marc.method.framework import MeasurementError, Uncertainty, WeightUncertainty
from marc.method.loader import load_framework

PI = np.pi
# Ishigami (a = 7, b = 0.1): V = a²/8 + bπ⁴/5 + b²π⁸/18 + 1/2; V1 = (1 + bπ⁴/5)²/2, V2 = a²/8, V13 = b²π⁸(1/18 − 1/50)
A, B = 7.0, 0.1
V = A**2 / 8 + B * PI**4 / 5 + B**2 * PI**8 / 18 + 0.5
V1, V2, V13 = (1 + B * PI**4 / 5) ** 2 / 2, A**2 / 8, B**2 * PI**8 * (1 / 18 - 1 / 50)
S1 = {"x1": V1 / V, "x2": V2 / V, "x3": 0.0}
ST = {"x1": (V1 + V13) / V, "x2": V2 / V, "x3": V13 / V}


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def test_ishigami_matches_the_analytical_indices():
    assert S1["x1"] == pytest.approx(0.3139, abs=1e-4) and ST["x3"] == pytest.approx(0.2437, abs=1e-4)
    table = sens.sobol_indices(ishigami, ["x1", "x2", "x3"], 8192, bounds=[[-PI, PI]] * 3, seed=3).set_index("factor")
    for f in ("x1", "x2", "x3"):
        assert table.at[f, "S1"] == pytest.approx(S1[f], abs=0.03), f
        assert table.at[f, "ST"] == pytest.approx(ST[f], abs=0.03), f
        assert 0 < table.at[f, "ST_conf"] < 0.05  # a confidence interval is reported, and it is tight at this N


def test_groups_act_as_one_factor():
    # y = x1 + x2 + 2·x3 on U(0, 1): Var = 1/12 + 1/12 + 4/12, so group {x1, x2} explains 1/3 and {x3} 2/3
    table = sens.sobol_indices(lambda X: X[:, 0] + X[:, 1] + 2 * X[:, 2], ["x1", "x2", "x3"], 4096,
                               groups=["ab", "ab", "c"], seed=1).set_index("factor")
    assert list(table.index) == ["ab", "c"]
    assert table.at["ab", "S1"] == pytest.approx(1 / 3, abs=0.03) and table.at["c", "ST"] == pytest.approx(2 / 3, abs=0.03)


def test_budget():
    assert sens.budget(1024, 6) == 1024 * 8
    assert sens.budget(1024, 6, second_order=True) == 1024 * 14


@pytest.fixture
def model(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}], "q": [{"id": "c"}, {"id": "d"}]}))
    rng = np.random.default_rng(0)
    import pandas as pd

    panel = pd.DataFrame([(f"U{u}", 2005, f"custom/{i}", rng.uniform(0, 100), "t") for u in range(30) for i in "abcd"],
                         columns=["unit", "year", "variable", "value", "source"])
    settings = Uncertainty(weights=WeightUncertainty(range=0.5), normalisation=["declared", "rank"], aggregation=["declared"],
                           missing=["declared"], exclusion=0.0, measurement_error=MeasurementError(enabled=False))
    return unc.build(fw, panel, 2005, settings=settings)


def test_framework_sobol_on_grouped_factors(model):
    assert model.factors == ["weights", "normalisation"]  # zero-width factors are not sampled
    res = sens.sobol(model, 256, seed=4)
    assert res.runs == 256 * 4 == sens.budget(256, 2)
    mars = res.for_output(sens.MARS)
    assert list(mars.index) == ["weights", "normalisation"]
    assert ((mars["ST"] > 0) & (mars["ST"] < 1.3)).all()
    assert len(res.indices["output"].unique()) == 1 + 30  # the shift and every unit's rank
    again = sens.sobol(model, 256, seed=4)
    np.testing.assert_array_equal(res.indices[["S1", "ST"]].to_numpy(), again.indices[["S1", "ST"]].to_numpy())
