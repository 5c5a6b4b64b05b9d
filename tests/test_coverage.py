"""Intended and security-sector coverage, counted on the whole tree (checked by hand)."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import add_expert_slot, make_panel, write_framework

from marc.method.loader import load_framework
from marc.scoring.engine import effective_weights, score


@pytest.fixture
def case(tmp_path):
    # p (weight 3): a (1, security), b (1), c (2, security, absent_means 0)
    # q (weight 1): d (1, security, applies only where `flag`), e (expert slot, security, empty)
    root = write_framework(tmp_path / "fw", {
        "p": [{"id": "a", "extra": ["security_sector: true"]}, {"id": "b"},
              {"id": "c", "weight": 2, "extra": ["security_sector: true", "absent_means: 0"]}],
        "q": [{"id": "d", "extra": ["security_sector: true", "applies_to: flag"]}],
    }, pillar_weights={"p": 3, "q": 1}, first=2003, last=2003)
    add_expert_slot(root / "q.yaml", "e")
    (root / "q.yaml").write_text((root / "q.yaml").read_text() + "    security_sector: true\n")
    panel = make_panel({"a": {("KEN", 2003): 40, ("NOR", 2003): 60}, "b": {("NOR", 2003): 50},
                        "c": {("NOR", 2003): 5}, "d": {("SWE", 2003): 10}})
    groups = pd.DataFrame({"flag": [True, False, True]}, index=pd.Index(["KEN", "NOR", "SWE"], name="unit"))
    fw = load_framework(root)
    return fw, score(fw, panel, [2003], groups=groups)


def row(results, unit, component):
    c = results.components
    return c[(c.unit == unit) & (c.component == component)].iloc[0]


def test_effective_weights_are_products_down_the_tree(case):
    fw, _ = case
    assert effective_weights(fw) == pytest.approx({"a": 0.1875, "b": 0.1875, "c": 0.375, "d": 0.125, "e": 0.125})


def test_kenya_by_hand(case):
    _, r = case
    ken = row(r, "KEN", "readiness")
    # values: a (observed) and c (absent_means fill); all five indicators apply to KEN
    assert ken["coverage_intended"] == pytest.approx((0.1875 + 0.375) / 1.0)
    # security: a observed; c is a fill (not evidence); d and e empty -> 0.1875 / (0.1875 + 0.375 + 0.125 + 0.125)
    assert ken["security_coverage"] == pytest.approx(0.1875 / 0.8125)
    assert (ken["security_observed"], ken["security_total"]) == (1, 4)
    # the published coverage still leaves the empty expert slot (drop policy) out: p has a and c of a, b, c
    assert row(r, "KEN", "p")["coverage_intended"] == pytest.approx(0.75)
    assert row(r, "KEN", "q")["coverage_intended"] == 0


def test_norway_by_hand_leaves_out_what_does_not_apply(case):
    _, r = case
    nor = row(r, "NOR", "readiness")
    # d does not apply to NOR: a, b, c valued of a, b, c, e -> 0.75 / 0.875
    assert nor["coverage_intended"] == pytest.approx(0.75 / 0.875)
    assert nor["security_coverage"] == pytest.approx((0.1875 + 0.375) / (0.1875 + 0.375 + 0.125))
    assert (nor["security_observed"], nor["security_total"]) == (2, 3)
    assert r.wide(2003).set_index("unit").loc["NOR", "security_total"] == 3


def test_no_security_indicator_gives_no_security_coverage(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2003, last=2003)
    r = score(load_framework(root), make_panel({"a": {("KEN", 2003): 40}}), [2003])
    ken = row(r, "KEN", "readiness")
    assert ken["coverage_intended"] == 1 and pd.isna(ken["security_coverage"]) and ken["security_total"] == 0
