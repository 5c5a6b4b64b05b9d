"""An expert slot with `missing: {policy: drop, max_years: N}` scores every country's latest coded fact
within N years, not only the countries coded in the newest year; an empty slot still leaves the mean."""

from __future__ import annotations

import math

from builders import make_panel, write_framework

from marc.method.loader import load_framework
from marc.scoring.engine import score

SLOT = """\
  - id: strategy
    name: strategy
    kind: expert
    scale: {{0: none, 1: announced, 2: adopted}}
    direction: higher_is_better
    max_lag: 10
{missing}"""
ROWS = ("unit,year,value,evidence_url,coder,date,confidence,status,reviewer,review_date,note\n"
        "KEN,2016,2,https://example.org/ken,A,2026-11-29,high,baseline,,,adopted 2016\n"
        "NOR,2024,1,https://example.org/nor,A,2026-11-29,high,baseline,,,announced 2024\n"
        "GHA,2012,2,https://example.org/gha,A,2026-11-29,high,baseline,,,too old for 2025\n")


def scored(tmp_path, missing: str):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]}, first=2025, last=2025)
    (root / "p.yaml").write_text((root / "p.yaml").read_text() + SLOT.format(missing=missing))
    (root / "expert").mkdir()
    (root / "expert" / "strategy.csv").write_text(ROWS)
    panel = make_panel({"a": {(u, 2025): 50.0 for u in ("KEN", "NOR", "GHA", "SEN")}})
    r = score(load_framework(root), panel, [2025])
    t = r.indicators[r.indicators["indicator"] == "strategy"].set_index("unit")
    c = r.components[r.components["component"] == "p"].set_index("unit")
    return t, c


def test_older_facts_count_within_the_declared_years(tmp_path):
    t, c = scored(tmp_path, "    missing: {policy: drop, max_years: 10}\n")
    assert t.loc["KEN", "score"] == 100 and t.loc["KEN", "data_year"] == 2016 and t.loc["KEN", "carried_forward"]
    assert t.loc["NOR", "score"] == 50 and not t.loc["NOR", "carried_forward"]
    assert math.isnan(t.loc["GHA", "score"])  # 2012 is more than 10 years before the newest coded year (2024)
    assert c.loc["SEN", "score"] == 50 and c.loc["SEN", "coverage"] == 1  # an empty slot leaves the mean
    assert c.loc["KEN", "score"] == 75


def test_without_max_years_only_the_newest_year_counts(tmp_path):
    t, _ = scored(tmp_path, "")
    assert math.isnan(t.loc["KEN", "score"]) and t.loc["NOR", "score"] == 50
