"""Engine generality (issue 15): gap-filling, risk orientation, complement/min/max aggregation, per-level
rounding, on small frameworks written here, with property tests for the maths."""

from __future__ import annotations

import numpy as np
import pytest
from builders import make_panel, write_framework
from hypothesis import given, settings
from hypothesis import strategies as st

from marc.core.errors import MarcError
from marc.method.framework import ComplementMean, Component, GapFill
from marc.method.loader import load_framework
from marc.scoring.aggregate import aggregate, aggregate_component, round_half_away
from marc.scoring.engine import score
from marc.scoring.gapfill import gap_fill

NAN = np.nan


def one(results, unit, year, indicator=None, component=None, col="score"):
    t = results.indicators if indicator else results.components
    row = t[(t.unit == unit) & (t.year == year) & ((t.indicator == indicator) if indicator else (t.component == component))]
    assert len(row) == 1
    return row[col].iat[0]


# ----------------------------------------------------------------------------- gap-filling
def test_gap_fill_interpolates_and_extends():
    x = np.array([[NAN, 10, NAN, NAN, 40, NAN, NAN]])
    out, mask = gap_fill(x, GapFill(interpolate=True))
    np.testing.assert_allclose(out, [[NAN, 10, 20, 30, 40, NAN, NAN]])
    assert mask.tolist() == [[False, False, True, True, False, False, False]]
    out, mask = gap_fill(x, GapFill(before_first=True, after_last=True))
    np.testing.assert_allclose(out, [[10, 10, NAN, NAN, 40, 40, 40]])
    out, _ = gap_fill(x, GapFill(after_last=True, max_extend=1))
    np.testing.assert_allclose(out, [[NAN, 10, NAN, NAN, 40, 40, NAN]])


def test_gap_fill_max_gap_leaves_long_gaps():
    x = np.array([[0, NAN, 2, NAN, NAN, NAN, 6], [1, NAN, NAN, 4, NAN, NAN, NAN]])
    out, mask = gap_fill(x, GapFill(interpolate=True, max_gap=2))
    np.testing.assert_allclose(out, [[0, 1, 2, NAN, NAN, NAN, 6], [1, 2, 3, 4, NAN, NAN, NAN]])
    assert mask.sum() == 3


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=15))
def test_gap_fill_properties(values):
    x = np.array([[NAN if v is None else v for v in values]])
    out, mask = gap_fill(x, GapFill(interpolate=True, before_first=True, after_last=True))
    have = ~np.isnan(x)
    assert np.array_equal(out[have], x[have])  # observations never change
    assert np.array_equal(mask, ~have & ~np.isnan(out))
    if have.any():
        assert not np.isnan(out).any()  # every year filled
        lo, hi = x[have].min(), x[have].max()
        assert (out >= lo - 1e-6).all() and (out <= hi + 1e-6).all()  # interpolation stays inside the data's range


def test_gap_fill_in_the_engine_is_flagged_imputed(tmp_path):
    gf = "gap_fill: {interpolate: true, after_last: true}"
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": [gf]}]}, first=2000, last=2004, max_years=0)
    fw = load_framework(root)
    panel = make_panel({"a": {("AAA", 2000): 10, ("AAA", 2002): 30, ("BBB", 2001): 50}})
    r = score(fw, panel, [2001, 2003])
    assert one(r, "AAA", 2001, "a", col="raw_value") == pytest.approx(20)
    assert one(r, "AAA", 2001, "a", col="gap_filled") and one(r, "AAA", 2001, "a", col="imputed")
    assert one(r, "AAA", 2003, "a", col="raw_value") == 30 and one(r, "AAA", 2003, "a", col="data_year") == 2003
    assert not one(r, "BBB", 2001, "a", col="gap_filled")
    # max_years 0: without gap-filling AAA would have no value in 2001 (BBB's data year is 2001, AAA has none)
    plain = score(load_framework(write_framework(tmp_path / "fw2", {"p": [{"id": "a"}]}, first=2000, last=2004,
                                                 max_years=0)), panel, [2001])
    assert np.isnan(one(plain, "AAA", 2001, "a"))


def test_gap_fill_validation_is_located(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": ["gap_fill: {max_gap: 3}"]}]})
    with pytest.raises(MarcError) as err:
        load_framework(root)
    (p,) = [p for p in err.value.problems if p.code != "empty-component"]  # the index lost its only pillar too
    assert p.file.endswith("p.yaml") and p.line == 15 and p.code == "gap-fill-empty"


# ------------------------------------------------------------------------------- orientation
def _risk_framework(tmp_path, direction="higher_is_worse", orientation="risk"):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a", "direction": direction,
                                                    "normalise": "{method: goalposts, min: 0, max: 10}"}]})
    text = (root / "index.yaml").read_text().replace("  name: Readiness\n", f"  name: Risk\n  orientation: {orientation}\n")
    (root / "index.yaml").write_text(text)
    return load_framework(root)


def test_risk_orientation_reads_naturally(tmp_path):
    panel = make_panel({"a": {("AAA", 2005): 8.0, ("BBB", 2005): 2.0}})
    r = score(_risk_framework(tmp_path), panel, [2005])
    assert one(r, "AAA", 2005, "a") == pytest.approx(80)  # higher raw = worse = higher risk score
    assert one(r, "AAA", 2005, component="readiness") == pytest.approx(80)
    assert one(r, "AAA", 2005, component="readiness", col="orientation") == "risk"
    # the same indicator declared by what is good gives the same risk score
    r2 = score(_risk_framework(tmp_path / "b", direction="lower_is_better"), panel, [2005])
    assert one(r2, "BBB", 2005, "a") == pytest.approx(20)


def test_risk_component_inside_readiness_index_enters_reversed(tmp_path):
    root = write_framework(tmp_path / "fw", {"good": [{"id": "a"}], "bad": [{"id": "b", "direction": "higher_is_worse"}]})
    (root / "bad.yaml").write_text((root / "bad.yaml").read_text().replace("  name: bad\n", "  name: bad\n  orientation: risk\n"))
    fw = load_framework(root)
    panel = make_panel({"a": {("AAA", 2005): 60}, "b": {("AAA", 2005): 30}})
    r = score(fw, panel, [2005])
    assert one(r, "AAA", 2005, component="bad") == pytest.approx(30)  # risk 30
    assert one(r, "AAA", 2005, component="readiness") == pytest.approx((60 + 70) / 2)  # enters as 100 − 30
    assert one(r, "AAA", 2005, component="good", col="orientation") == "readiness"


# ------------------------------------------------------------------------------- aggregation
def stack(*rows):
    return np.array(rows, dtype=float)[:, :, None]


def test_complement_rescaled_equals_inform_formula():
    x = np.array([3.4, 7.9, 0.0])  # on INFORM's 0–10 scale
    inform = (10 - np.exp(np.log((10 - x) / 10 * 9 + 1).mean())) / 9 * 10
    comp = Component(id="c", name="c", aggregation="complement", complement=ComplementMean(rescale=[1, 10]))
    got = aggregate_component(comp, stack(*[[v] for v in x * 10]), np.ones(3)).value
    assert got.item() == pytest.approx(inform * 10, abs=1e-9)


def test_min_max_and_round():
    s = stack([20, NAN], [80, 40], [50, NAN])
    assert aggregate(s, np.array([1, 1, 1]), "min").value.ravel().tolist() == [20, 40]
    assert aggregate(s, np.array([1, 1, 0]), "max").value.ravel().tolist() == [80, 40]
    comp = Component(id="c", name="c", round=0)
    assert aggregate_component(comp, stack([44], [45]), np.ones(2)).value.item() == 45  # 44.5 rounds up
    assert round_half_away(np.array([-2.5, 2.5, 0.125, 44.49999999999999]), 0).tolist() == [-3, 3, 0, 45]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=1, max_size=6), st.floats(0, 5), st.floats(0.5, 20))
def test_complement_properties(values, a, width):
    s = stack(*[[v] for v in values])
    w = np.ones(len(values))
    comp = Component(id="c", name="c", aggregation="complement", complement=ComplementMean(rescale=[a, a + width]))
    c = aggregate_component(comp, s, w).value.item()
    arith = aggregate(s, w).value.item()
    assert max(values) + 1e-6 >= c >= arith - 1e-6  # between the arithmetic mean and the worst child
    worse = aggregate_component(comp, np.where(np.arange(len(values))[:, None, None] == 0, np.minimum(s + 10, 100), s), w).value.item()
    assert worse >= c - 1e-9  # monotone in each child
    if len(set(values)) == 1:
        assert c == pytest.approx(values[0], abs=1e-6)


def test_complement_settings_need_complement(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    text = (root / "p.yaml").read_text().replace("  aggregation: arithmetic\n", "  aggregation: arithmetic\n  complement: {rescale: [1, 10]}\n")
    (root / "p.yaml").write_text(text)
    with pytest.raises(MarcError) as err:
        load_framework(root)
    assert [p.code for p in err.value.problems if p.code != "empty-component"] == ["complement-only"]
    (root / "p.yaml").write_text(text.replace("aggregation: arithmetic", "aggregation: complement").replace("[1, 10]", "[10, 1]"))
    with pytest.raises(MarcError) as err:
        load_framework(root)
    (p,) = [p for p in err.value.problems if p.code != "empty-component"]
    assert p.code == "rescale-order" and p.line == 6


def test_declared_complement_and_round_in_engine(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]})
    text = (root / "p.yaml").read_text().replace("  aggregation: arithmetic\n",
                                                "  aggregation: complement\n  complement: {rescale: [1, 10]}\n  round: 0\n")
    (root / "p.yaml").write_text(text)
    fw = load_framework(root)
    r = score(fw, make_panel({"a": {("AAA", 2005): 34}, "b": {("AAA", 2005): 79}}), [2005])
    x = np.array([3.4, 7.9])
    expected = round((10 - np.exp(np.log((10 - x) / 10 * 9 + 1).mean())) / 9 * 10, 1) * 10
    assert one(r, "AAA", 2005, component="p") == pytest.approx(expected)


# ------------------------------------------------------------------------- custom CSV reading
def test_parse_custom_reports_every_problem_in_file_order():
    from marc.method.evidence import parse_custom

    data = ("unit,year,value,note\nKEN,2020,1.5,x\n\nXXX,20a0,abc,\nKEN,2020,2,\nNOR,2021,,\nNOR,2022,1_000,\n").encode()
    problems = []
    assert parse_custom(data, "good", "c.csv", problems) is None
    assert [(p.line, p.code) for p in problems] == [(4, "unknown-unit"), (4, "bad-year"), (4, "non-numeric"),
                                                    (7, "non-numeric"), (5, "duplicate-rows")]
    ok = parse_custom(b"\xef\xbb\xbfunit,year,value\n KEN ,2020, 1.5\nNOR,2021,\n", "good", "c.csv", problems := [])
    assert problems == [] and ok["unit"].tolist() == ["KEN"] and ok["value"].tolist() == [1.5] and ok["year"].tolist() == [2020]
    parse_custom(b"unit,year,value\nKEN,2020,1,9\n", "good", "c.csv", problems := [])
    assert [(p.line, p.code) for p in problems] == [(2, "csv-syntax")]
    parse_custom(b"unit,value\nKEN,1\n", "good", "c.csv", problems := [])
    assert [p.code for p in problems] == ["csv-columns"]


def test_parse_cache_serves_a_changed_file_fresh(tmp_path):
    from marc.core import parsecache

    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    (root / "custom").mkdir()
    (root / "custom" / "a.csv").write_text("unit,year,value\nKEN,2005,10\n")
    first = load_framework(root)
    (root / "custom" / "a.csv").write_text("unit,year,value\nKEN,2005,20\n")  # same size, same clock tick
    (root / "p.yaml").write_text((root / "p.yaml").read_text().replace("name: a", "name: b"))
    second = load_framework(root)
    assert first.custom["value"].tolist() == [10] and second.custom["value"].tolist() == [20]
    assert second.indicator("a").name == "b"
    assert load_framework(root).indicators[0] is second.indicators[0]  # unchanged: served from the cache
    parsecache.clear()


def test_views_label_risk_scores(tmp_path):
    import pandas as pd

    from marc.reporting import views

    fw = _risk_framework(tmp_path)
    table = pd.DataFrame({"unit": ["AAA"], "year": [2005], "readiness": [80.0], "p": [80.0]})
    metrics = {m.column: m for m in views.metrics(fw, table)}
    assert metrics["readiness"].kind == "risk" and metrics["readiness"].label == "Risk (risk: higher is worse)"
    assert metrics["p"].kind == "risk"  # the pillar inherits the index's orientation
    readiness = load_framework(write_framework(tmp_path / "r", {"p": [{"id": "a"}]}))
    assert [m.kind for m in views.metrics(readiness, table)] == ["score", "score"]
