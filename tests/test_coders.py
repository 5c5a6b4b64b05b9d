"""Several coders per cell: review, median_low, Krippendorff's alpha and wider rank intervals."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.analysis import uncertainty
from marc.analysis.agreement import slot_agreement
from marc.analysis.audit import audit
from marc.core.errors import MarcError
from marc.method import review
from marc.method.loader import load_framework
from marc.scoring.engine import score

SLOT = """\
  - id: strategy
    name: Defence climate strategy
    kind: expert
    security_sector: true
    scale: {0: none, 1: announced, 2: adopted, 3: with targets, 4: implemented}
    direction: higher_is_better
"""
ONLY_CODING = """\
uncertainty:
  weights: {method: perturb, range: 0}
  normalisation: [declared]
  aggregation: [declared]
  missing: [declared]
  exclusion: 0
  measurement_error: {enabled: false}
"""
UNITS = ["KEN", "NOR", "FRA", "BRA", "IND", "JPN", "MEX", "NGA", "PER", "SEN", "TZA", "VNM"]


@pytest.fixture
def root(tmp_path):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2020, last=2020)
    (root / "p.yaml").write_text((root / "p.yaml").read_text() + SLOT)
    (root / "index.yaml").write_text((root / "index.yaml").read_text() + ONLY_CODING)
    return root


def panel():
    return make_panel({"a": {(u, 2020): 20.0 + 5 * k for k, u in enumerate(UNITS)}})


def code(root, unit, coder, value, confidence="high"):
    ind = load_framework(root).indicator("strategy")
    review.submit(root, ind, {"unit": unit, "year": 2020, "value": value, "evidence_url": f"https://example.org/{unit}",
                              "coder": coder, "date": "2026-11-29", "confidence": confidence, "note": "test"})


def approve(root, unit, coder, by="R"):
    review.review(root, load_framework(root).indicator("strategy"), unit, 2020, coder, "approve", by)


def strategy_score(root, unit="KEN"):
    r = score(load_framework(root), panel(), [2020])
    t = r.indicators
    return t[(t.unit == unit) & (t.indicator == "strategy")]["score"].item()


def test_two_coders_approved_combine_by_median_low(root):
    code(root, "KEN", "A", 1)
    code(root, "KEN", "B", 4)
    assert np.isnan(strategy_score(root))  # submitted rows are not scored
    approve(root, "KEN", "A")
    assert strategy_score(root) == 25.0  # one approved coder: level 1 of 0-4
    approve(root, "KEN", "B")
    assert strategy_score(root) == 25.0  # median_low of (1, 4) is 1, never a half level
    fw = load_framework(root)
    cell = fw.expert.set_index("unit").loc["KEN"]
    assert (cell["coders"], cell["spread"], cell["status"]) == (2, 3.0, "approved")
    log = review.country_log(root, "KEN")
    assert list(log["action"]) == ["submit", "submit", "approve", "approve"]


def test_disputed_row_is_kept_shown_and_not_scored(root):
    code(root, "KEN", "A", 1)
    code(root, "KEN", "B", 3)
    approve(root, "KEN", "A")
    approve(root, "KEN", "B")
    review.review(root, load_framework(root).indicator("strategy"), "KEN", 2020, "A", "dispute", "C", "source is a draft")
    fw = load_framework(root)
    assert set(fw.expert_rows["status"]) == {"approved", "disputed"} and len(fw.expert_rows) == 2
    assert strategy_score(root) == 75.0  # only B's approved 3 counts
    assert fw.expert.set_index("unit").loc["KEN", "disputed"] == 1


def test_review_errors_are_located(root):
    code(root, "KEN", "A", 1)
    ind = load_framework(root).indicator("strategy")
    with pytest.raises(MarcError) as e:
        review.review(root, ind, "KEN", 2020, "A", "approve", "A")
    assert e.value.problems[0].code == "self-approval" and e.value.problems[0].line == 2
    with pytest.raises(MarcError) as e:
        review.review(root, ind, "NOR", 2020, "A", "approve", "B")
    assert e.value.problems[0].code == "no-such-row"
    with pytest.raises(MarcError) as e:
        review.review(root, ind, "KEN", 2020, "A", "reject", "B")
    assert e.value.problems[0].code == "missing-value"  # a rejection needs its reason
    with pytest.raises(MarcError) as e:
        code(root, "NOR", "A", 9)
    assert e.value.problems[0].code == "bad-value"
    with pytest.raises(MarcError) as e:
        review.submit(root, ind, {"unit": "NOR", "year": 2020, "value": 1, "evidence_url": "ftp://x.org/a", "coder": "A",
                                  "date": "2026-11-29", "confidence": "high"})
    assert e.value.problems[0].code == "bad-url"
    with pytest.raises(MarcError) as e:
        review.submit(root, ind, {"unit": "NOR", "year": 2020, "value": 1, "evidence_url": "https://x.org/a",
                                  "coder": "=HYPERLINK(\"x\")", "date": "2026-11-29", "confidence": "high"})
    assert e.value.problems[0].code == "formula-text"
    approve(root, "KEN", "A", by="B")
    with pytest.raises(MarcError) as e:
        code(root, "KEN", "A", 2)  # a reviewed value is revised through review, never overwritten
    assert e.value.problems[0].code == "already-coded"
    assert list(load_framework(root).expert_rows["status"]) == ["approved"]


def test_krippendorff_alpha_in_the_audit(root):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, len(UNITS))
    b = np.clip(a + rng.integers(-1, 2, len(UNITS)), 0, 4)
    for unit, x, y in zip(UNITS, a, b):
        code(root, unit, "A", int(x))
        code(root, unit, "B", int(y))
    fw = load_framework(root)
    report = audit(fw, score(fw, panel(), [2020]), 2020)
    row = report.agreement.set_index("indicator").loc["strategy"]
    expected = krippendorff.alpha(reliability_data=np.array([a, b], dtype=float), level_of_measurement="ordinal",
                                  value_domain=[0, 1, 2, 3, 4])
    assert row["cells_multi"] == len(UNITS) and row["alpha"] == pytest.approx(expected)
    assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
    assert "agreement" in report.tables()


def test_alpha_not_computable_or_too_few(root):
    ind = load_framework(root).indicator("strategy")
    rows = pd.DataFrame({"unit": UNITS * 2, "year": 2020, "coder": ["A"] * 12 + ["B"] * 12, "value": 2.0,
                         "status": "approved"})
    assert slot_agreement(rows, ind)["status"].startswith("not computable")
    assert slot_agreement(rows.iloc[[0, 12]], ind)["status"].startswith("too few cells coded twice (1")


def interval_width(root):
    fw = load_framework(root)
    res = uncertainty.run(fw, panel(), 2020, n=400, seed=5)
    s = res.summary().set_index("unit").loc["KEN"]
    return s["rank_p95"] - s["rank_p05"], res.factors


def test_disagreeing_coders_widen_the_rank_interval(root, tmp_path):
    code(root, "KEN", "A", 2, "high")
    approve(root, "KEN", "A")
    one, factors = interval_width(root)
    assert factors == ["expert_coding"]
    code(root, "KEN", "B", 4, "high")
    code(root, "KEN", "C", 0, "high")
    approve(root, "KEN", "B")
    approve(root, "KEN", "C", by="R2")
    several, _ = interval_width(root)
    assert several > one


def test_status_travels_with_each_expert_value(root):
    from marc.method.evidence import with_status

    code(root, "KEN", "A", 2)
    approve(root, "KEN", "A")
    fw = load_framework(root)
    r = score(fw, panel(), [2020])
    t = with_status(r.indicators, fw.expert).set_index(["indicator", "unit"])
    assert t.loc[("strategy", "KEN"), "status"] == "approved" and pd.isna(t.loc[("strategy", "NOR"), "status"])
    assert pd.isna(t.loc[("a", "KEN"), "status"]) and t.loc[("strategy", "KEN"), "disputed"] == 0
