"""Streamlit AppTest of every page, on the real data and a temporary copy of the framework.

The values the pages show are checked against ``marc.pipeline.project.compute`` (what ``marc score`` writes)
for the same framework and data."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # marc_app sits beside marc/ (as `streamlit run app.py` sees it)

from marc.pipeline import project
from marc_app import editing

PAGES = REPO / "marc_app" / "pages"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def expected(real_data):
    out = project.compute(REPO / "indicators", years=None, progress=False)
    from marc.scoring.editions import offered_editions

    return out, offered_editions(out.results, out.framework.roles)[-1]


def page(name: str, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=300)
    for k, v in state.items():
        at.session_state[k] = v
    return at.run()


def no_exception(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def test_map_page(fw_copy, expected):
    out, latest = expected
    at = page("map")
    no_exception(at)
    n = out.published_count(latest)
    assert any(f"edition {latest}: {n} countries with a value" in c.value for c in at.caption)
    options = at.selectbox(key="map_metric").options
    assert {"MARC readiness", "Mitigation", "Multi-hazard exposure", "Climate-security priority"} <= set(options)


def test_the_launcher_reads_the_snapshot_before_the_first_visitor(fw_copy, expected):
    """``python -m marc_app.serve`` warms the process while the server starts (marc_app.state.warm):
    the first page then takes the snapshot it read, instead of reading it on the visitor's time."""
    from marc.reporting import snapshot
    from marc_app import state

    if snapshot.load(fw_copy) is None:
        snapshot.build(fw_copy)
    state._PRELOADED.clear()
    state.warm()
    key = state.fingerprint(fw_copy.resolve())
    snap = state._PRELOADED[(str(fw_copy.resolve()), key)]
    assert snap.key == snapshot.key(fw_copy) and snap.latest == expected[1]
    assert sorted(snap.intervals["year"].unique()) == sorted(snap.outcome.years)  # no Monte Carlo on any offered edition
    assert (state.STATIC / f"world-ee-{snap.geometry_id}.json").stat().st_size > 100_000
    state._scored.clear()
    assert state._scored(str(fw_copy.resolve()), key).snap is snap and not state._PRELOADED


def test_rankings_match_marc_score(fw_copy, expected):
    out, latest = expected
    at = page("rankings")
    no_exception(at)
    shown = at.dataframe[0].value.set_index("unit")
    want = out.table(latest).set_index("unit")
    common = want.index[want["readiness"].notna()]
    assert len(common) >= 150
    pd.testing.assert_series_equal(shown.loc[common, "readiness"], want.loc[common, "readiness"], check_names=False, check_index_type=False)
    assert (shown.loc[common, "rank"] == want.loc[common, "rank"]).all()


def test_country_page(fw_copy, expected):
    out, latest = expected
    at = page("country", country="NOR")
    no_exception(at)
    row = out.table(latest).set_index("unit").loc["NOR"]
    assert at.title[0].value == "Norway"
    assert at.metric[0].value == f"{row['readiness']:.1f}"
    from marc.scoring.ranking import rank_text

    assert any(rank_text(row["rank"], int(row["n_ranked"]), row["n_tied"]) in c.value for c in at.caption)
    assert any("Security-sector evidence:" in m.value for m in at.markdown)  # issue 10: the header says it
    ind = at.dataframe[-2].value if len(at.dataframe) >= 2 else None
    assert ind is not None


def test_matrix_and_data_pages(fw_copy):
    for name in ("matrix", "data"):
        at = page(name)
        no_exception(at)
    at = page("data")
    assert "nd_gain" in set(at.dataframe[0].value["id"])


@pytest.fixture(scope="module")
def intervals(expected):
    from marc.analysis.uncertainty import from_outcome

    out, latest = expected
    return from_outcome(out, year=latest).summary().set_index("unit")


def test_uncertainty_page_shows_the_rank_intervals_of_marc_uncertainty(fw_copy, expected, intervals):
    out, latest = expected
    at = page("uncertainty")
    no_exception(at)
    shown = at.dataframe[0].value.set_index("unit")
    for unit in ("NOR", "CIV", "HTI"):
        assert shown.loc[unit, "rank_p05"] == intervals.loc[unit, "rank_p05"]
        assert shown.loc[unit, "rank_p95"] == intervals.loc[unit, "rank_p95"]
        assert shown.loc[unit, "rank_p05"] <= shown.loc[unit, "rank"] <= shown.loc[unit, "rank_p95"]


def test_rank_interval_on_country_and_rankings_pages(fw_copy, expected, intervals):
    out, latest = expected
    lo, hi = (int(round(intervals.loc["CIV", c])) for c in ("rank_p05", "rank_p95"))
    at = page("country", country="CIV")
    no_exception(at)
    assert any(f"90% rank interval {lo}–{hi}" in c.value for c in at.caption)
    at = page("rankings")
    shown = at.dataframe[0].value.set_index("unit")
    assert (shown.loc["CIV", "rank_p05"], shown.loc["CIV", "rank_p95"]) == (intervals.loc["CIV", "rank_p05"],
                                                                         intervals.loc["CIV", "rank_p95"])


def test_export_page_writes_a_brief(fw_copy):
    at = page("export", country="CIV")
    no_exception(at)
    at.selectbox(key="exp_brief_fmt").set_value("docx").run()
    at.button(key="exp_brief").click().run()
    no_exception(at)
    unit, year, fmt, lang, data = at.session_state["exp_brief_file"]
    assert (unit, fmt, lang) == ("CIV", "docx", "en") and data[:2] == b"PK"  # a real .docx (zip) file
    import io

    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "Côte d" in text


def test_framework_weight_preview_and_save(fw_copy):
    at = page("framework")
    no_exception(at)
    before = (fw_copy / "adaptation.yaml").read_text()
    sliders = [s for s in at.slider if "Indicator:" in s.label]
    sliders[0].set_value(3.0).run()
    no_exception(at)
    assert any("change rank" in m.value for m in at.markdown)
    at.button(key="fw_save").click().run()
    no_exception(at)
    after = (fw_copy / "adaptation.yaml").read_text()
    assert after != before
    assert "weight: 3.0" in after or "weight: 3\n" in after
    kept = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert kept and all(line in after for line in kept)  # comments preserved
    assert list((fw_copy / ".backups").glob("adaptation.yaml*"))  # backup kept


def test_framework_invalid_yaml_is_located_and_not_saved(fw_copy):
    at = page("framework")
    at.radio(key="fw_editor_mode").set_value("plain").run()  # the plain-text editor (AppTest cannot type in a component)
    area = at.text_area[0]
    area.set_value(area.value.replace("weight: 1", "weight: -1", 1)).run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert re.search(r"adaptation\.yaml:\d+:\d+", errors)
    assert at.button(key="fw_save").disabled
    assert "weight: -1" not in (fw_copy / "adaptation.yaml").read_text()


def test_evidence_entry_moves_the_score(fw_copy, expected):
    _, latest = expected
    unit = "KEN"
    at = page("evidence", country=unit)
    no_exception(at)
    at.selectbox(key="ev_indicator").set_value("defence_climate_strategy")
    at.run()
    at.radio(key="ev_level").set_value(3)
    at.text_input(key="ev_url").input("https://example.org/kenya-defence-climate-strategy")
    at.text_input(key="ev_coder").input("test coder")
    at.number_input(key="ev_year").set_value(latest)
    at.button[0].click().run()
    no_exception(at)
    rows = pd.read_csv(fw_copy / "expert" / "defence_climate_strategy.csv", dtype=str)
    mine = rows[(rows["unit"] == unit) & (rows["year"] == str(latest)) & (rows["coder"] == "test coder")]
    assert list(mine["value"]) == ["3"] and list(mine["status"]) == ["submitted"]
    assert "waiting" in " ".join(s.value for s in at.success) or "counts once" in " ".join(s.value for s in at.success)
    # the coder cannot approve their own value; another reviewer can, and then it counts
    at.text_input(key="ev_reviewer").input("test coder")
    at.button(key="ev_approve").click().run()
    assert any("[self-approval]" in e.value for e in at.error)
    at.text_input(key="ev_reviewer").input("second reviewer")
    at.button(key="ev_approve").click().run()
    no_exception(at)
    rows = pd.read_csv(fw_copy / "expert" / "defence_climate_strategy.csv", dtype=str)
    mine = rows[(rows["unit"] == unit) & (rows["coder"] == "test coder")]
    assert list(mine["status"]) == ["approved"] and list(mine["reviewer"]) == ["second reviewer"]
    msg = " ".join(s.value for s in at.success)
    m = re.search(r"readiness (\d+\.\d+) → (\d+\.\d+)", msg)
    assert m and float(m.group(1)) != float(m.group(2))
    rescored = project.compute(fw_copy, years=[latest], progress=False).table(latest).set_index("unit")
    assert float(m.group(2)) == pytest.approx(rescored.loc[unit, "readiness"], abs=0.005)
    log = pd.read_csv(fw_copy / "expert" / "log" / f"{unit}.csv", dtype=str)
    assert list(log["action"]) == ["submit", "approve"]


def test_editing_set_weights_keeps_comments(tmp_path):
    text = "# top comment\npillar:\n  id: p\n  weight: 1   # the pillar\nindicators:\n  - id: a\n    weight: 2\n"
    ws = editing.weights(text)
    assert [(w.id, w.value) for w in ws] == [("p", 1.0), ("a", 2.0)]
    new = editing.set_weights(text, {("indicators", 0, "weight"): 0.5})
    assert "# top comment" in new and "# the pillar" in new and "weight: 0.5" in new
    assert editing.set_weights(text, {("pillar", "weight"): 1.0}) == text
