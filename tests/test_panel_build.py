"""The processed panel: built from source folders, cached as Parquet, rebuilt when a raw file changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from marc.core.errors import MarcError
from marc.data.panel import PANEL_COLUMNS
from marc.data.panel_build import build_panel, load_panel

MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def make_sources(root: Path) -> Path:
    ucdp = root / "ucdp_prio_acd"
    ucdp.mkdir(parents=True)
    (ucdp / "UcdpPrioConflict_v23_1.csv").write_text('"year","intensity_level","gwno_loc"\n"2022","2","369"\n')
    paris = root / "paris_agreement_status" / "data"
    paris.mkdir(parents=True)
    (paris / "paris-agreement-entry-into-force.csv").write_text(
        "Code,Name,Ratification\nNOR,Norway,2016-06-20\nIRN,Iran,\nEUU,European Union,2016-10-05\n")
    return root


def test_build_caches_and_rebuilds_only_when_a_raw_file_changes(tmp_path: Path):
    root = make_sources(tmp_path)
    first = build_panel(root)
    assert not first.from_cache and first.cache_path is not None and first.cache_path.exists()
    assert first.cache_path.parent == root / "_processed" and first.cache_path.name.startswith("panel-")
    assert list(first.panel.columns) == PANEL_COLUMNS
    p = first.panel.set_index(["unit", "year", "variable"])["value"]
    assert p[("UKR", 2022, "ucdp/war")] == 1 and p[("NOR", 2016, "paris/ratified")] == 1
    assert p[("IRN", 2020, "paris/ratified")] == 0
    assert first.dropped_aggregates == {"paris_agreement_status": ["EUU"]}
    assert "wb_wgi" in first.missing_sources

    second = build_panel(root)
    assert second.from_cache and second.cache_path == first.cache_path
    assert second.panel.equals(first.panel)
    assert second.dropped_aggregates == first.dropped_aggregates

    csv = root / "ucdp_prio_acd" / "UcdpPrioConflict_v23_1.csv"
    csv.write_text('"year","intensity_level","gwno_loc"\n"2022","1","369"\n')
    third = build_panel(root)
    assert not third.from_cache and third.cache_path != first.cache_path
    assert not first.cache_path.exists()  # the stale panel is pruned
    assert third.panel.set_index(["unit", "year", "variable"]).loc[("UKR", 2022, "ucdp/war"), "value"] == 0


def test_requested_source_missing_or_unknown_is_an_error(tmp_path: Path):
    root = make_sources(tmp_path)
    with pytest.raises(MarcError) as err:
        build_panel(root, sources=["wb_wgi"])
    assert "marc pull wb_wgi" in str(err.value)
    with pytest.raises(MarcError):
        build_panel(root, sources=["no_such_source"])
    with pytest.raises(MarcError) as err:
        build_panel(tmp_path / "empty")
    assert "marc pull" in str(err.value)


def test_only_requested_sources_are_read(tmp_path: Path):
    root = make_sources(tmp_path)
    panel = load_panel(root, sources=["paris_agreement_status"])
    assert set(panel["variable"]) == {"paris/ratified"}


@pytest.mark.integration
def test_full_build_on_the_mirror(tmp_path: Path):
    if not MIRROR.is_dir():
        pytest.skip(f"mirror {MIRROR} absent (set MARC_TEST_MIRROR)")
    for folder in MIRROR.iterdir():  # link, never copy, the raw data into the test cache
        if folder.is_dir():
            (tmp_path / folder.name).symlink_to(folder)
    build = build_panel(tmp_path)
    panel = build.panel
    assert not build.missing_sources
    wgi22 = panel[(panel.variable == "wgi/va") & (panel.year == 2022)]
    assert wgi22["unit"].nunique() >= 180
    for var in ("wgi/va", "ndgain/gain", "inform/risk", "ucdp/active_conflict", "wdi/SP.POP.TOTL"):
        assert {"FRA", "NOR"} <= set(panel.loc[panel.variable == var, "unit"]), var
    assert panel.duplicated(["unit", "year", "variable"]).sum() == 0
    assert set(panel.loc[panel.variable == "wdi/EN.ATM.CO2E.PC", "source"]) == {"wb_wdi_api_csv"}  # newer release kept
    assert {u.raw for u in build.unmatched} >= {"CHI", "ANT"}
    assert "WLD" in build.dropped_aggregates["wb_wdi_datasets_pkg"]
    assert build_panel(tmp_path).from_cache
