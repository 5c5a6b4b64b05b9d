"""Property-based tests (hypothesis) of the scoring maths."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from builders import write_framework
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marc.method.framework import MinMax, ZScore
from marc.method.loader import load_framework
from marc.scoring.engine import score
from marc.scoring.normalise import normalise

METHODS = {
    "goalposts": "{method: goalposts, min: 0, max: 100}",
    "minmax": "{method: minmax}",
    "zscore": "{method: zscore, clip: 2}",
    "rank": "{method: rank}",
    "percentile": "{method: percentile}",
    "target": "{method: target, target: 80, worst: 10}",
}
UNITS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
YEARS = [2001, 2002, 2003]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@lru_cache(maxsize=None)
def framework(method: str, aggregation: str, direction: str = "higher_is_better"):
    root = Path(tempfile.mkdtemp(prefix="marc-prop-"))
    pillars = {
        "p": [{"id": "a", "normalise": METHODS[method], "direction": direction},
              {"id": "b", "normalise": METHODS["goalposts"], "weight": 2}],
        "q": [{"id": "c", "normalise": METHODS[method], "direction": direction}],
    }
    return load_framework(write_framework(root, pillars, aggregation=aggregation, pillar_aggregation=aggregation,
                                          first=YEARS[0], last=YEARS[-1]))


values = st.floats(min_value=-50, max_value=150, allow_nan=False, allow_infinity=False)
cells = st.dictionaries(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(UNITS), st.sampled_from(YEARS)),
                        values, min_size=3, max_size=40)


def to_panel(d: dict) -> pd.DataFrame:
    rows = [(u, y, f"custom/{i}", v, "test") for (i, u, y), v in d.items()]
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"])


@SETTINGS
@given(cells, st.sampled_from(sorted(METHODS)), st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_scores_stay_in_bounds(d, method, aggregation):
    r = score(framework(method, aggregation), to_panel(d), YEARS, units=UNITS)
    for s in (r.indicators["score"], r.components["score"], r.components["value"]):
        s = s.dropna()
        assert ((s >= 0) & (s <= 100 + 1e-9)).all()
    assert r.components["coverage"].between(0, 1).all()


@SETTINGS
@given(cells, st.sampled_from(["goalposts", "minmax", "zscore", "rank", "percentile"]),
       st.sampled_from(["arithmetic", "geometric", "harmonic"]), st.sampled_from(["higher_is_better", "lower_is_better"]),
       st.sampled_from(UNITS), st.floats(min_value=0.5, max_value=60))
def test_improving_an_indicator_never_lowers_a_score_above_it(d, method, aggregation, direction, unit, delta):
    d = {**d, ("a", unit, 2003): d.get(("a", unit, 2003), 20.0)}
    better = dict(d)
    step = delta if direction == "higher_is_better" else -delta
    better[("a", unit, 2003)] = d[("a", unit, 2003)] + step
    fw = framework(method, aggregation, direction)
    before = score(fw, to_panel(d), [2003], units=UNITS).components
    after = score(fw, to_panel(better), [2003], units=UNITS).components
    b = before[before.unit == unit].set_index("component")["value"]
    a = after[after.unit == unit].set_index("component")["value"]
    for comp in ("p", "readiness"):
        if not np.isnan(b[comp]):
            assert a[comp] >= b[comp] - 1e-9


@SETTINGS
@given(cells, st.sampled_from(sorted(METHODS)), st.randoms(use_true_random=False))
def test_order_of_rows_and_units_changes_nothing(d, method, rnd):
    fw = framework(method, "arithmetic")
    panel = to_panel(d)
    shuffled = panel.sample(frac=1.0, random_state=rnd.randint(0, 10_000)).reset_index(drop=True)
    units = list(UNITS)
    rnd.shuffle(units)
    r1 = score(fw, panel, YEARS, units=UNITS)
    r2 = score(fw, shuffled, YEARS, units=units)
    key = ["unit", "year", "component"]
    pd.testing.assert_frame_equal(r1.components.sort_values(key, ignore_index=True), r2.components.sort_values(key, ignore_index=True))


@SETTINGS
# magnitudes below 1e-6 are excluded: their squares fall into subnormal floats, where no z-score is exact
@given(st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-6),
                min_size=2, max_size=30),
       st.floats(min_value=1e-3, max_value=1e3))
def test_minmax_and_zscore_are_invariant_to_positive_scaling(xs, factor):
    x = np.array(xs)[:, None]
    for spec in (MinMax(method="minmax"), ZScore(method="zscore", clip=3)):
        s1, _ = normalise(x, spec, "higher_is_better")
        s2, _ = normalise(x * factor, spec, "higher_is_better")
        np.testing.assert_allclose(s1, s2, atol=1e-6)


@SETTINGS
@given(cells, cells, st.sampled_from(sorted(METHODS)))
def test_later_data_never_changes_an_earlier_edition(d, extra, method):
    fw = framework(method, "arithmetic")
    early = {k: v for k, v in d.items() if k[2] <= 2002}
    later = {**early, **{(i, u, 2003): v for (i, u, _), v in extra.items()}}
    r1 = score(fw, to_panel(early), [2001, 2002], units=UNITS)
    r2 = score(fw, to_panel(later), YEARS, units=UNITS)
    key = ["unit", "year", "component"]
    c1 = r1.components.sort_values(key, ignore_index=True)
    c2 = r2.components[r2.components.year <= 2002].sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(c1, c2)


@SETTINGS
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=3, max_size=30).filter(lambda v: np.ptp(v) > 1e-3),
       st.floats(0.5, 4), st.sampled_from(["higher_is_better", "lower_is_better"]))
def test_declared_zscore_and_minmax_parameters_equal_the_observed_ones(values, clip, direction):
    """Declaring the observed mean and sd (or min and max) reproduces the observed z-score (min-max);
    declared parameters stay fixed, so the score is monotone in x and lies in [0, 100]."""
    from marc.analysis.uncertainty import alternative_spec
    from marc.method.framework import Goalposts
    from marc.method.uncertainty_settings import MinMaxRange, Uncertainty, ZScoreParameters

    x = np.array(values)[:, None]
    mu, sd = float(x.mean()), float(x.std(ddof=1))
    s = Uncertainty(zscore_clip=clip, zscore_parameters={"a": ZScoreParameters(mean=mu, sd=sd)},
                    minmax_ranges={"a": MinMaxRange(lower=float(x.min()), upper=float(x.max()))})
    declared_z, observed_z = alternative_spec(s, "zscore", "a"), alternative_spec(s, "zscore", "other")
    assert declared_z.mean == mu and observed_z.mean is None and observed_z.clip == clip
    np.testing.assert_allclose(normalise(x, declared_z, direction)[0], normalise(x, observed_z, direction)[0], atol=1e-6)
    declared_m = alternative_spec(s, "minmax", "a")
    assert isinstance(declared_m, Goalposts) and isinstance(alternative_spec(s, "minmax", "other"), MinMax)
    np.testing.assert_allclose(normalise(x, declared_m, direction)[0], normalise(x, MinMax(method="minmax"), direction)[0],
                               atol=1e-6)
    fixed = ZScore(method="zscore", clip=clip, mean=mu + sd, sd=sd / 2)  # not the observed ones
    out = normalise(np.sort(x, axis=0), fixed, direction)[0][:, 0]
    steps = np.diff(out) if direction == "higher_is_better" else -np.diff(out)
    assert (steps >= -1e-9).all() and out.min() >= 0 and out.max() <= 100
