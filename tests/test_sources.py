"""The source registry (data/sources.yaml), cache locations and the lock file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from marc.core.atomic import file_hash
from marc.core.errors import MarcError
from marc.data import pull, sources

MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))

MIRROR_IDS = [
    "wb_wdi_datasets_pkg", "wb_wdi_api_csv", "wb_wgi", "nd_gain", "inform_risk", "inform_climate_change",
    "gcf_open_data", "ucdp_prio_acd", "un_peacekeeping_missions", "country_groups", "unfccc_ndc_registry",
    "paris_agreement_status", "sipri_milex", "natural_earth", "gpw_v4_popcount_2020_1deg", "ibtracs",
    "gdis_subset_MODIFIED", "usgs_comcat_m5plus_2013_2023", "noaa_ncei_significant_earthquakes",
    "smithsonian_gvp_volcanoes",
    "unsd_minset_female_police", "un_pko_contribution_ranks_2021-01", "unsd_sdg_drr_ddf_2020_MODIFIED",
    "ne_10m_admin1_orange3geo_MODIFIED", "gpw_v4_popcount_2020_30min",
]

GOOD = """\
version: 1
sources:
  demo:
    title: Demo
    publisher: Test
    urls: [https://example.org/a.csv]
    files: [a.csv]
    licence: CC0
    redistribution: true
    commercial_use: true
    citation: Test
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MARC_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MARC_DATA_MIRROR", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_registry_loads_minimal(tmp_path):
    reg = sources.load_registry(write(tmp_path, GOOD))
    src = reg.sources["demo"]
    assert (src.id, src.urls[0].url, src.urls[0].target(), src.files) == ("demo", "https://example.org/a.csv", "a.csv", ["a.csv"])


def test_unknown_key_is_located(tmp_path):
    path = write(tmp_path, GOOD.replace("    licence: CC0\n", "    licnce: CC0\n"))
    with pytest.raises(MarcError) as err:
        sources.load_registry(path)
    codes = {(p.code, p.line, p.column) for p in err.value.problems}
    assert ("unknown-key", 8, 5) in codes  # the misspelt key, at its line and column
    assert ("missing-key", 3, 3) in codes  # and the licence it should have been, on the source
    assert all(p.file == str(path) for p in err.value.problems)


def test_duplicate_key_is_located(tmp_path):
    path = write(tmp_path, GOOD + "    licence: CC BY 4.0\n")
    with pytest.raises(MarcError) as err:
        sources.load_registry(path)
    (problem,) = err.value.problems
    assert (problem.code, problem.line) == ("duplicate-key", 12)
    assert str(problem).startswith(f"{path}:12:")


def test_download_source_needs_urls_and_safe_paths(tmp_path):
    text = GOOD.replace("    urls: [https://example.org/a.csv]\n", "").replace("files: [a.csv]", "files: [../a.csv]")
    with pytest.raises(MarcError) as err:
        sources.load_registry(write(tmp_path, text))
    codes = sorted(p.code for p in err.value.problems)
    assert codes == ["bad-path"]  # the field error comes first; fix it and the next appears
    with pytest.raises(MarcError) as err:
        sources.load_registry(write(tmp_path, GOOD.replace("    urls: [https://example.org/a.csv]\n", "")))
    assert [p.code for p in err.value.problems] == ["missing-key"]
    assert "manual: true" in err.value.problems[0].message


def test_bad_url_scheme(tmp_path):
    with pytest.raises(MarcError) as err:
        sources.load_registry(write(tmp_path, GOOD.replace("https://example.org", "ftp://example.org")))
    (problem,) = err.value.problems
    assert (problem.code, problem.line) == ("bad-url", 6)


def test_project_registry_covers_every_mirror_folder():
    reg = sources.load_registry()
    assert set(MIRROR_IDS) | {"geoboundaries", "etopo_2022_60s"} == set(reg.sources)
    for sid in MIRROR_IDS:
        src = reg.sources[sid]
        assert src.files and src.citation and src.licence, sid
        assert src.manual or src.urls, sid
    not_open = {sid for sid, s in reg.sources.items() if not s.open_licence}
    assert {"sipri_milex", "gcf_open_data", "un_peacekeeping_missions", "nd_gain", "unsd_minset_female_police",
            "un_pko_contribution_ranks_2021-01"} <= not_open
    assert not reg.sources["sipri_milex"].redistribution
    assert {sid for sid, s in reg.sources.items() if s.manual} == {"gcf_open_data", "gpw_v4_popcount_2020_1deg",
                                                                   "gdis_subset_MODIFIED"}
    etopo = reg.sources["etopo_2022_60s"]  # online-only elevation (466 MB): pulled when named, never in bulk
    assert etopo.on_demand and etopo.urls[0].url.startswith("https://www.ngdc.noaa.gov/mgg/global/relief/ETOPO2022/")
    assert reg.sources["ne_10m_admin1_orange3geo_MODIFIED"].urls[0].url == (
        "https://naciscdn.org/naturalearth/10m/cultural/ne_10m_admin_1_states_provinces.zip")
    assert "sedac.ciesin.columbia.edu" in reg.sources["gpw_v4_popcount_2020_30min"].urls[0].url
    geob = reg.sources["geoboundaries"]
    assert geob.on_demand and geob.licence.startswith("CC BY 4.0") and "gbOpen" in geob.api
    wdi = [u.url for u in reg.sources["wb_wdi_api_csv"].urls]
    assert "https://api.worldbank.org/v2/en/indicator/EN.GHG.CO2.PC.CE.AR5?downloadformat=csv" in wdi


def test_project_registry_patterns_match_mirror():
    if not MIRROR.is_dir():
        pytest.skip(f"mirror {MIRROR} absent (set MARC_TEST_MIRROR)")
    reg = sources.load_registry()
    for sid in MIRROR_IDS:
        assert sources.missing_patterns(reg.sources[sid], MIRROR / sid) == [], sid


def test_locations_follow_environment(tmp_path, monkeypatch):
    assert sources.cache_root() == (tmp_path / "cache").resolve()
    assert sources.source_dir("wb_wgi") == (tmp_path / "cache" / "wb_wgi").resolve()
    assert sources.lock_path() == (tmp_path / "cache" / "sources.lock").resolve()
    monkeypatch.setenv("MARC_DATA_MIRROR", str(tmp_path / "m"))
    assert sources.default_mirror() == tmp_path / "m"
    monkeypatch.delenv("MARC_DATA_DIR")
    assert sources.cache_root() == sources.project_root() / "data" / "cache"
    assert sources.lock_path() == sources.project_root() / "data" / "sources.lock"
    assert (sources.project_root() / "data" / "sources.yaml").is_file()


def test_is_available_needs_every_pattern(tmp_path):
    reg = sources.load_registry(write(tmp_path, GOOD.replace("files: [a.csv]", "files: [a.csv, 'sub/*.txt']")))
    folder = sources.source_dir("demo")
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text("x")
    assert not sources.is_available("demo", reg)
    (folder / "sub").mkdir()
    (folder / "sub" / "n.txt").write_text("y")
    assert sources.is_available("demo", reg)


def test_unknown_source_id(tmp_path):
    reg = sources.load_registry(write(tmp_path, GOOD))
    with pytest.raises(MarcError) as err:
        pull.ensure_report(["nope"], progress=False, registry=reg)
    (problem,) = err.value.problems
    assert (problem.file, problem.code) == ("nope", "unknown-source")
    assert "demo" in problem.message


def test_corrupt_lock_is_located(tmp_path):
    sources.lock_path().parent.mkdir(parents=True)
    sources.lock_path().write_text('{"version": 1,\n  "sources": {,}}\n')
    with pytest.raises(MarcError) as err:
        sources.read_lock()
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("lock-syntax", 2, 15)  # the stray comma


@pytest.mark.integration
def test_ensure_from_shared_mirror():
    if not MIRROR.is_dir():
        pytest.skip(f"mirror {MIRROR} absent (set MARC_TEST_MIRROR); integration test skipped")
    paths = pull.ensure(["wb_wgi", "country_groups"], mirror=MIRROR, progress=False)
    assert paths == {"wb_wgi": sources.source_dir("wb_wgi"), "country_groups": sources.source_dir("country_groups")}
    xlsx = paths["wb_wgi"] / "wgidataset.xlsx"
    assert xlsx.stat().st_size == 3_111_893  # SOURCES.md
    assert (paths["country_groups"] / "data" / "sids.csv").is_file()
    lock = sources.read_lock()["sources"]
    entry = lock["wb_wgi"]["files"]["wgidataset.xlsx"]
    assert entry["sha256"] == file_hash(MIRROR / "wb_wgi" / "wgidataset.xlsx") == file_hash(xlsx)
    assert entry["origin"] == f"mirror:{(MIRROR / 'wb_wgi' / 'wgidataset.xlsx').resolve()}"
    assert len(lock["country_groups"]["files"]) == len(sources.list_files(MIRROR / "country_groups"))
    manifest = (MIRROR / "MANIFEST.sha256").read_text()
    assert f"{entry['sha256']}  ./wb_wgi/wgidataset.xlsx" in manifest
    again = pull.ensure_report(["wb_wgi", "country_groups"], mirror=MIRROR, progress=False)
    assert [o.action for o in again] == ["cached", "cached"]
    assert os.access(xlsx, os.W_OK)  # copies are ours to replace, even from a read-only mirror
