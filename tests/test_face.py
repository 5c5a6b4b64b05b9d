"""marc.reporting.face (``marc audit --face``): unit test on a framework built here, and the face-validity
acceptance checks of issue 11 on the real data (integration; skips without ../shared/data)."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.pipeline import project
from marc.reporting.face import face_report

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_moves_carry_their_cause(tmp_path):
    root = write_framework(tmp_path / "fw", {"mitigation": [{"id": "m1"}], "adaptation": [{"id": "a1"}, {"id": "a2"}]},
                           first=2019, last=2021, max_lag=0, policy="none")
    units = ["AAA", "BBB", "CCC"]
    values = {"m1": {**{(u, y): 50.0 for u in units for y in (2019, 2020, 2021)}, ("BBB", 2021): 90.0},
              "a1": {(u, y): 40.0 for u in units for y in (2019, 2020, 2021)},
              "a2": {("AAA", 2021): 100.0}}
    countries = pd.DataFrame({"unit": units, "name": units})
    outcome = project.compute(root, years=None, panel=make_panel(values), countries=countries, progress=False,
                              hazards=False)
    r = face_report(outcome, first=2019, n=2, threshold=5)
    assert r.year == 2021 and r.ties_at_first["mitigation"] == 1 and r.ties_at_first["adaptation"] == 1
    m = r.moves.set_index(["unit", "year"])
    assert m.loc[("BBB", 2021), "change"] == pytest.approx(20.0)
    assert m.loc[("BBB", 2021), "cause"] == "mitigation +40.0 [m1 50→90]"
    assert m.loc[("AAA", 2021), "cause"] == "adaptation +30.0 [a2 appeared (100)]"
    assert list(r.extremes["readiness"]["unit"][:2]) == ["BBB", "AAA"]
    assert r.unexplained().empty and r.largest["unit"].is_unique


@pytest.fixture(scope="module")
def every_edition(real_data):
    return project.compute(REPO / "indicators", years=None, progress=False)


@pytest.fixture(scope="module")
def report(every_edition):
    return face_report(every_edition)


def test_low_lying_states_rank_in_the_upper_half_of_exposure(every_edition, report):
    t = every_edition.table(report.year).set_index("unit")
    rank = t["exposure"].rank(ascending=False, method="min")
    half = t["exposure"].notna().sum() / 2
    for unit in ("MDV", "MHL", "KIR", "TUV", "BGD", "VNM", "MMR", "EGY", "NLD", "GUY", "SUR"):
        assert rank[unit] <= half, f"{unit} ranks {rank[unit]:.0f} of {2 * half:.0f} on exposure"


def test_every_small_island_state_with_readiness_has_a_priority(every_edition, report):
    t = every_edition.table(report.year)
    sids = t[t["sids"].fillna(False).astype(bool) & t["readiness"].notna()]
    assert len(sids) >= 30
    assert sids["priority"].notna().all(), list(sids.loc[sids["priority"].isna(), "unit"])


def test_cooperation_does_not_rest_on_annex_i_status(every_edition, report):
    t = every_edition.table(report.year)
    annex_i = t[t["non_annex_i"] == False]  # noqa: E712
    assert len(annex_i) >= 40 and annex_i["cooperation"].round(6).nunique() >= 20


def test_no_pillar_has_more_than_five_countries_tied_first(report):
    assert report.ties_at_first and max(report.ties_at_first.values()) <= 5, report.ties_at_first


def test_every_large_move_is_explained(report):
    assert report.unexplained().empty
    big = report.moves[report.moves["abs_change"] > report.threshold]
    assert (big["cause"].str.len() > 0).all()


def test_largest_yearly_moves_stay_within_ten_points(report):
    """Issue 11: over every computed edition from 2015 to the latest, the 95th percentile of each
    country's largest year-on-year readiness move is at most 10 points."""
    assert report.first == 2015 and len(report.largest) >= 180
    assert report.p95 <= 10.0, report.largest.nlargest(12, "abs_change")[["unit", "year", "abs_change", "cause"]]


def test_single_release_items_are_held_back_flagged_and_do_not_extend_the_offered_editions(every_edition, report):
    """INFORM (one release, dated 2024) is held back to earlier editions for trends, flagged gap-filled and
    imputed, while the offered editions still start where the response pillar is observed."""
    ind = every_edition.results.indicators.set_index(["unit", "year", "indicator"])
    early, late = ind.loc[("KEN", 2018, "health_access")], ind.loc[("KEN", 2024, "health_access")]
    assert bool(early["gap_filled"]) and bool(early["imputed"]) and not bool(late["gap_filled"])
    assert early["score"] == pytest.approx(late["score"])
    comp = every_edition.results.components.set_index(["unit", "year", "component"])
    assert comp.loc[("KEN", 2018, "response"), "imputed_share"] > 0.5
    from marc.scoring.editions import offered_editions

    assert offered_editions(every_edition.results, every_edition.framework.roles)[0] == 2024


def test_correlations_with_the_references_have_the_expected_sign(report):
    c = report.correlations.set_index("reference")
    assert c.loc["ND-GAIN readiness", "spearman"] > 0.5
    assert c.loc["INFORM lack of coping capacity", "spearman"] < -0.5
    assert c.loc["INFORM hazard & exposure", "spearman"] > 0


def test_the_face_report_command(real_data, tmp_path):
    from typer.testing import CliRunner

    from marc.cli import app

    out = tmp_path / "face.xlsx"
    result = CliRunner().invoke(app, ["audit", "--face", "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "readiness: top and bottom 15 (1 at rank 1)" in result.output
    assert "Largest year-on-year moves of the index" in result.output and "appeared" in result.output
    assert "without a cause: 0" in result.output and "ND-GAIN readiness" in result.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"moves", "largest", "correlations", "extremes_exposure"} <= set(sheets)
    bad = CliRunner().invoke(app, ["audit", "--face", "--out", str(tmp_path / "face.json")])
    assert bad.exit_code != 0 and "--out must end in .xlsx" in str(bad.exception)  # the CLI entry exits 2
