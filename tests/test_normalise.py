"""Every normalisation and outlier rule against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from marc.method.framework import Goalposts, MinMax, Outliers, Percentile, Period, Rank, Target, ZScore
from marc.scoring.normalise import normalise, normalise_series, treat_outliers

X = np.array([[2.0], [4.0], [6.0], [np.nan], [10.0]])


def col(a):
    return np.asarray(a, dtype=float)[:, None]


def test_goalposts_by_hand():
    s, clipped = normalise(col([0, 5, 10, 15, -5]), Goalposts(method="goalposts", min=0, max=10), "higher_is_better")
    assert s[:, 0].tolist() == [0, 50, 100, 100, 0]
    assert clipped[:, 0].tolist() == [False, False, False, True, True]


def test_goalposts_lower_is_better_reverses():
    s, _ = normalise(col([0, 2.5, 10]), Goalposts(method="goalposts", min=0, max=10), "lower_is_better")
    assert s[:, 0].tolist() == [100, 75, 0]


def test_minmax_cross_section_by_hand():
    s, _ = normalise(X, MinMax(method="minmax"), "higher_is_better")
    # min 2, max 10: (4-2)/8 = 25, (6-2)/8 = 50
    np.testing.assert_allclose(s[:, 0], [0, 25, 50, np.nan, 100])


def test_minmax_reference_period_uses_only_years_up_to_the_edition():
    years = np.array([2000, 2001, 2002])
    history = np.array([[0.0, 5.0, 50.0], [10.0, 10.0, 10.0]])
    spec = MinMax(method="minmax", reference=Period(**{"from": 2000, "to": 2002}))
    # edition 2001: reference is 2000-2001: min 0, max 10 -> unit 0 in 2001 (5) scores 50
    s, _ = normalise(history[:, 1:2], spec, "higher_is_better", history=history, years=years, editions=np.array([2001]))
    np.testing.assert_allclose(s[:, 0], [50, 100])
    # edition 2002: min 0, max 50 -> 10 scores 20
    s, _ = normalise(history[:, 2:3], spec, "higher_is_better", history=history, years=years, editions=np.array([2002]))
    np.testing.assert_allclose(s[:, 0], [100, 20])


def test_zscore_by_hand():
    # values 1, 2, 3: mean 2, sample sd 1 -> z = -1, 0, 1; clip 2 -> (z + 2) / 4
    s, clipped = normalise(col([1, 2, 3]), ZScore(method="zscore", clip=2), "higher_is_better")
    np.testing.assert_allclose(s[:, 0], [25, 50, 75])
    assert not clipped.any()


def test_zscore_declared_mean_and_sd_by_hand():
    # declared μ = 10, σ = 4: z = (2 − 10)/4 = −2, (14 − 10)/4 = 1, (30 − 10)/4 = 5 → clipped at 3; clip 3 → (z + 3)/6
    spec = ZScore(method="zscore", clip=3, mean=10, sd=4)
    s, clipped = normalise(col([2, 14, 30]), spec, "higher_is_better")
    np.testing.assert_allclose(s[:, 0], [100 / 6, 400 / 6, 100])
    assert clipped[:, 0].tolist() == [False, False, True]
    # one unit alone keeps its declared-parameter score (the observed cross-section would give 50)
    np.testing.assert_allclose(normalise(col([14]), spec, "lower_is_better")[0][:, 0], [100 - 400 / 6])


@pytest.mark.parametrize("kwargs, message", [({"mean": 1}, "declare both mean and sd"),
                                             ({"mean": 1, "sd": 2, "reference": {"from": 2000, "to": 2001}}, "reference period")])
def test_zscore_declared_parameters_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ZScore(method="zscore", **({**kwargs, "reference": Period(**kwargs["reference"])} if "reference" in kwargs else kwargs))


def test_zscore_clip():
    # z of the outlier is far beyond 1 -> clipped to 100
    values = col([0, 0, 0, 0, 100])
    s, clipped = normalise(values, ZScore(method="zscore", clip=1), "higher_is_better")
    assert s[4, 0] == 100 and clipped[4, 0]
    assert s[0, 0] == pytest.approx(50 * (1 - 0.4472135955) )


def test_rank_and_percentile_by_hand():
    s, _ = normalise(X, Rank(method="rank"), "higher_is_better")
    np.testing.assert_allclose(s[:, 0], [0, 100 / 3, 200 / 3, np.nan, 100])
    p, _ = normalise(X, Percentile(method="percentile"), "higher_is_better")
    np.testing.assert_allclose(p[:, 0], [25, 50, 75, np.nan, 100])
    r, _ = normalise(col([5, 5, 1]), Rank(method="rank"), "lower_is_better")
    np.testing.assert_allclose(r[:, 0], [25, 25, 100])  # ties share the average rank 2.5 -> 75 -> reversed


def test_distance_to_target_by_hand():
    spec = Target(method="target", target=100, worst=0)
    s, clipped = normalise(col([0, 40, 100, 120]), spec, "higher_is_better")
    assert s[:, 0].tolist() == [0, 40, 100, 100]
    assert clipped[3, 0]
    down = Target(method="target", target=2, worst=10)  # lower is better, expressed by the target
    s, _ = normalise(col([2, 6, 10]), down, "lower_is_better")
    assert s[:, 0].tolist() == [100, 50, 0]


def test_winsorise_by_hand():
    values = col(np.arange(1, 101, dtype=float))
    out, capped = treat_outliers(values, Outliers(method="winsorise", lower=0.05, upper=0.95))
    lo, hi = np.quantile(np.arange(1, 101), [0.05, 0.95])
    assert out.min() == pytest.approx(lo) and out.max() == pytest.approx(hi)
    assert capped.sum() == 10


def test_cap_by_hand():
    out, capped = treat_outliers(col([-5, 0, 5, 50]), Outliers(method="cap", lower=0, upper=10))
    assert out[:, 0].tolist() == [0, 0, 5, 10]
    assert capped[:, 0].tolist() == [True, False, False, True]


def test_normalise_series_keeps_index():
    import pandas as pd

    s = normalise_series(pd.Series([0.0, 5.0], index=["AAA", "BBB"]), Goalposts(method="goalposts", min=0, max=10))
    assert s.to_dict() == {"AAA": 0.0, "BBB": 50.0}
