"""The engine on small frameworks and panels built here: editions, missing-data rules, transforms,
derived indicators, expert slots and the results tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from builders import add_expert_slot, make_panel, write_framework

from marc.core.errors import MarcError
from marc.method.loader import load_framework
from marc.scoring.engine import score


def one(results, unit, year, indicator=None, component=None, col="score"):
    if indicator:
        t = results.indicators
        row = t[(t.unit == unit) & (t.year == year) & (t.indicator == indicator)]
    else:
        t = results.components
        row = t[(t.unit == unit) & (t.year == year) & (t.component == component)]
    assert len(row) == 1
    return row[col].iat[0]


@pytest.fixture
def simple(tmp_path):
    return load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]}, max_years=2))


def test_scores_and_provenance(simple):
    panel = make_panel({"a": {("AAA", 2004): 30, ("BBB", 2004): 70}, "b": {("AAA", 2004): 50, ("BBB", 2004): 10}})
    r = score(simple, panel, [2004])
    assert one(r, "AAA", 2004, component="p") == 40
    assert one(r, "BBB", 2004, component="readiness") == 40
    assert one(r, "AAA", 2004, "a", col="raw_value") == 30
    assert one(r, "AAA", 2004, "a", col="data_year") == 2004
    assert one(r, "AAA", 2004, "a", col="source") == "test"
    wide = r.wide(2004).set_index("unit")
    assert wide.loc["AAA", "ind:a"] == 30 and wide.loc["AAA", "readiness"] == 40


def test_carry_forward_within_max_years(simple):
    panel = make_panel({"a": {("AAA", 2000): 30, ("BBB", 2003): 70, ("CCC", 2001): 20},
                        "b": {("AAA", 2003): 50, ("BBB", 2003): 10, ("CCC", 2003): 10}})
    r = score(simple, panel, [2003])
    # data year for 'a' in 2003 is 2003; AAA's 2000 value is 3 years old > max_years 2 -> missing
    assert math.isnan(one(r, "AAA", 2003, "a"))
    # CCC's 2001 value is 2 years old -> carried forward and flagged
    assert one(r, "CCC", 2003, "a") == 20
    assert one(r, "CCC", 2003, "a", col="carried_forward")
    assert one(r, "CCC", 2003, "a", col="imputed")
    assert one(r, "CCC", 2003, component="p", col="imputed_share") == 0.5


def test_policy_none_uses_only_the_data_year(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, policy="none"))
    panel = make_panel({"a": {("AAA", 2002): 30, ("BBB", 2003): 70}})
    r = score(fw, panel, [2003])
    assert math.isnan(one(r, "AAA", 2003, "a")) and one(r, "BBB", 2003, "a") == 70


def test_group_mean(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, policy="group_mean"))
    panel = make_panel({"a": {("AAA", 2003): 30, ("BBB", 2003): 50, ("CCC", 2003): 90}})
    groups = pd.DataFrame({"region": ["X", "X", "Y", "X"]}, index=["AAA", "BBB", "CCC", "DDD"])
    r = score(fw, panel, [2003], groups=groups, units=["AAA", "BBB", "CCC", "DDD"])
    assert one(r, "DDD", 2003, "a") == 40  # mean of AAA and BBB
    assert one(r, "DDD", 2003, "a", col="group_mean")
    assert math.isnan(one(r, "DDD", 2003, "a", col="raw_value"))


def test_carry_forward_then_group_mean(tmp_path):
    """A unit's own older value first (carried forward); a unit with none takes its group's mean."""
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": [
        "missing: {policy: carry_forward, max_years: 2, then: group_mean, group: region}"]}]}))
    panel = make_panel({"a": {("AAA", 2003): 30, ("BBB", 2002): 50, ("CCC", 2003): 90}})
    groups = pd.DataFrame({"region": ["X", "X", "Y", "X"]}, index=["AAA", "BBB", "CCC", "DDD"])
    r = score(fw, panel, [2003], groups=groups, units=["AAA", "BBB", "CCC", "DDD"])
    assert one(r, "BBB", 2003, "a") == 50 and one(r, "BBB", 2003, "a", col="carried_forward")
    assert not one(r, "BBB", 2003, "a", col="group_mean")
    assert one(r, "DDD", 2003, "a") == 40  # mean of AAA (30) and BBB (50, carried forward) in region X
    assert one(r, "DDD", 2003, "a", col="group_mean") and one(r, "DDD", 2003, "a", col="imputed")
    assert math.isnan(one(r, "DDD", 2003, "a", col="raw_value"))


def test_drop_policy_keeps_coverage(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b", "extra": ["missing: {policy: drop}"]}]},
                                        min_coverage=1.0))
    panel = make_panel({"a": {("AAA", 2003): 30}, "b": {("BBB", 2003): 10}})
    r = score(fw, panel, [2003], units=["AAA", "BBB"])
    assert one(r, "AAA", 2003, component="p") == 30  # b missing but droppable
    assert one(r, "AAA", 2003, component="p", col="coverage") == 1


def test_edition_window_max_lag(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, max_lag=2, max_years=10))
    panel = make_panel({"a": {("AAA", 2000): 30, ("BBB", 2000): 60}})
    r = score(fw, panel, [2002, 2003])
    assert one(r, "AAA", 2002, "a") == 30
    assert math.isnan(one(r, "AAA", 2003, "a"))  # 2000 is outside [2001, 2003]


def test_later_data_never_changes_earlier_editions(simple):
    base = make_panel({"a": {("AAA", 2001): 30, ("BBB", 2001): 60}, "b": {("AAA", 2001): 1, ("BBB", 2001): 2}})
    later = pd.concat([base, make_panel({"a": {("AAA", 2003): 99}, "b": {("CCC", 2002): 5}})])
    r1, r2 = score(simple, base, [2001, 2002]), score(simple, later, [2001, 2002, 2003], units=["AAA", "BBB"])
    c1 = r1.components.query("year == 2001").reset_index(drop=True)
    c2 = r2.components.query("year == 2001").reset_index(drop=True)
    pd.testing.assert_frame_equal(c1, c2)


def test_absent_means_fills_only_within_source_years(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": ["absent_means: 0"],
                                                                  "normalise": "{method: goalposts, min: 0, max: 10}"}]}))
    panel = make_panel({"a": {("AAA", 2001): 5, ("BBB", 2002): 10}})
    r = score(fw, panel, [2001, 2002], units=["AAA", "BBB", "CCC"])
    assert one(r, "CCC", 2002, "a") == 0 and one(r, "CCC", 2002, "a", col="raw_value") == 0
    assert one(r, "AAA", 2002, "a") == 0  # AAA has no 2002 record, which means none


def test_transforms_log_per_change(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [
        {"id": "a", "extra": ["transform: log"], "normalise": "{method: goalposts, min: 0, max: 10}"},
        {"id": "b", "extra": ["transform: {per: {denominator: custom/pop, scale: 1000}}"], "normalise": "{method: goalposts, min: 0, max: 100}"},
        {"id": "c", "extra": ["transform: {change: {years: 2, kind: percent}}"], "normalise": "{method: goalposts, min: -50, max: 50}"},
    ]}))
    panel = make_panel({"a": {("AAA", 2003): math.e ** 4}, "b": {("AAA", 2003): 3}, "pop": {("AAA", 2003): 100},
                        "c": {("AAA", 2001): 200, ("AAA", 2003): 250}})
    r = score(fw, panel, [2003])
    assert one(r, "AAA", 2003, "a", col="transformed") == pytest.approx(4)
    assert one(r, "AAA", 2003, "b", col="transformed") == pytest.approx(30)
    assert one(r, "AAA", 2003, "c", col="transformed") == pytest.approx(25)
    assert one(r, "AAA", 2003, "c") == pytest.approx(75)


def test_log_of_nonpositive_data_is_a_located_error(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": ["transform: log"]}]}))
    with pytest.raises(MarcError) as info:
        score(fw, make_panel({"a": {("AAA", 2003): 5, ("BBB", 2002): -1}}), [2003])
    (p,) = info.value.problems
    assert p.code == "log-nonpositive" and p.file == "test" and "BBB 2002" in p.message


def test_derived_indicator_expression(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}))
    (tmp_path / "fw" / "p.yaml").write_text((tmp_path / "fw" / "p.yaml").read_text() + """\
  - id: ratio
    name: Ratio
    expression: "[custom/num] / [custom/den] * 100 + a - a"
    direction: higher_is_better
    normalise: {method: goalposts, min: 0, max: 100}
""")
    fw = load_framework(tmp_path / "fw")
    panel = make_panel({"a": {("AAA", 2003): 1}, "num": {("AAA", 2003): 1, ("BBB", 2003): 1}, "den": {("AAA", 2003): 4, ("BBB", 2003): 0}})
    r = score(fw, panel, [2003])
    assert one(r, "AAA", 2003, "ratio") == 25
    assert math.isnan(one(r, "BBB", 2003, "ratio"))  # division by zero is missing, not infinite


def test_expert_slot_empty_is_no_data_and_filled_counts(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    add_expert_slot(root / "p.yaml", "strategy")
    panel = make_panel({"a": {("KEN", 2003): 40}})
    r = score(load_framework(root), panel, [2003])
    assert math.isnan(one(r, "KEN", 2003, "strategy"))
    assert one(r, "KEN", 2003, component="p") == 40  # an empty slot is not a zero
    (root / "expert").mkdir()
    (root / "expert" / "strategy.csv").write_text(
        "unit,year,value,evidence_url,coder,date,confidence\nKEN,2003,2,https://example.org/doc,J. Doe,2026-01-05,high\n")
    r = score(load_framework(root), panel, [2003])
    assert one(r, "KEN", 2003, "strategy") == 100
    assert one(r, "KEN", 2003, component="p") == 70


def test_weights_change_the_index(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}], "q": [{"id": "b"}]}, pillar_weights={"p": 3, "q": 1}))
    r = score(fw, make_panel({"a": {("AAA", 2003): 100}, "b": {("AAA", 2003): 0}}), [2003])
    assert one(r, "AAA", 2003, component="readiness") == 75


def test_geometric_index(tmp_path):
    fw = load_framework(write_framework(tmp_path / "fw", {"p": [{"id": "a"}], "q": [{"id": "b"}]}, aggregation="geometric"))
    r = score(fw, make_panel({"a": {("AAA", 2003): 16}, "b": {("AAA", 2003): 64}}), [2003])
    assert one(r, "AAA", 2003, component="readiness") == pytest.approx(32)


def test_sub_pillars(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a", "extra": ["parent: sub"]}, {"id": "b"}]})
    text = (root / "p.yaml").read_text().replace("indicators:\n", "sub_pillars:\n  - {id: sub, name: Sub, weight: 1}\nindicators:\n")
    (root / "p.yaml").write_text(text)
    fw = load_framework(root)
    assert fw.levels()[0] == ["sub"]
    r = score(fw, make_panel({"a": {("AAA", 2003): 20}, "b": {("AAA", 2003): 60}}), [2003])
    assert one(r, "AAA", 2003, component="sub") == 20
    assert one(r, "AAA", 2003, component="p") == 40
