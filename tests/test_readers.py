"""Readers: unit tests on small fixtures, integration tests on the mirror (../shared/data)."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from marc.core.errors import MarcError
from marc.data.readers import READERS, gcf, inform, ndc, ndgain, peacekeeping, sipri, ucdp, wdi, wgi

MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def mirror(source: str) -> Path:
    folder = MIRROR / source
    if not folder.is_dir():
        pytest.skip(f"mirror folder {folder} absent (set MARC_TEST_MIRROR to the shared data mirror)")
    return folder


# --------------------------------------------------------------------------- unit fixtures

YEARS = [str(y) for y in range(2018, 2021)]


def write_api(folder: Path, code: str, rows: list[tuple[str, str, list[str]]], preamble: bool = True,
              indicator_cols: bool = True) -> Path:
    """A World Bank API_*.csv (quoted, trailing comma), optionally with the 4-line preamble."""
    sub = folder / "batch"
    sub.mkdir(parents=True, exist_ok=True)
    q = lambda cells: ",".join(f'"{c}"' for c in cells) + ",\n"  # noqa: E731
    extra = ["Indicator Name", "Indicator Code"] if indicator_cols else []
    text = '\ufeff"Data Source","World Development Indicators",\n\n"Last Updated Date","2024-03-28",\n\n' if preamble else "\ufeff"
    text += q(["Country Name", "Country Code", *extra, *YEARS])
    for name, iso, values in rows:
        text += q([name, iso, *(["Name", code] if indicator_cols else []), *values])
    path = sub / f"API_{code}_DS2_en_csv_v2_1.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_wdi_wide_with_preamble_aggregates_and_unknown_code(tmp_path: Path):
    write_api(tmp_path, "EN.GHG.CO2.PC.CE.AR5", [
        ("Norway", "NOR", ["7.1", "7.0", "6.5"]),
        ("World", "WLD", ["4.5", "4.4", "4.2"]),
        ("Tuvalu", "TUV", ["0", "0", "0"]),
        ("Congo, Dem. Rep.", "ZAR", ["0.03", "", "0.04"]),
        ("Channel Islands", "CHI", ["", "", ""]),
    ])
    result = wdi.read_api(tmp_path)
    p = result.panel.set_index(["unit", "year", "variable"])["value"]
    assert p[("NOR", 2019, "wdi/EN.GHG.CO2.PC.CE.AR5")] == 7.0
    assert p[("COD", 2020, "wdi/EN.GHG.CO2.PC.CE.AR5")] == 0.04
    assert ("COD", 2019, "wdi/EN.GHG.CO2.PC.CE.AR5") not in p.index
    assert "TUV" not in set(result.panel["unit"])  # all-zero placeholder series -> missing
    assert any("TUV" in n and "placeholder" in n for n in result.notes)
    assert result.aggregates == ["WLD"]
    assert [(u.raw, u.row) for u in result.unmatched] == [("CHI", "10")]  # line 10 of the file
    assert set(result.panel["source"]) == {"wb_wdi_api_csv"}


def test_wdi_modified_layout_without_indicator_columns(tmp_path: Path):
    write_api(tmp_path, "MS.MIL.TOTL.P1", [("Norway", "NOR", ["23000", "23250", "23000"])], indicator_cols=False)
    result = wdi.read_api(tmp_path)
    assert result.panel["variable"].unique().tolist() == ["wdi/MS.MIL.TOTL.P1"]
    assert result.panel["value"].tolist() == [23000.0, 23250.0, 23000.0]


def test_wdi_non_numeric_value_names_source_and_row(tmp_path: Path):
    write_api(tmp_path, "SP.POP.GROW", [("Norway", "NOR", ["1.1", "abc", "0.9"])], preamble=False)
    with pytest.raises(MarcError) as err:
        wdi.read_api(tmp_path)
    text = str(err.value)
    assert "wb_wdi_api_csv" in text and "row 2" in text and "'abc'" in text and "non-numeric" in text


def test_wdi_duplicate_rows_are_an_error(tmp_path: Path):
    write_api(tmp_path, "SP.POP.GROW", [("Romania", "ROM", ["1", "2", "3"]), ("Romania", "ROU", ["1", "2", "3"])])
    with pytest.raises(MarcError) as err:
        wdi.read_api(tmp_path)
    assert "duplicate-rows" in str(err.value) and "ROU" in str(err.value)


def test_wdi_overlap_keeps_the_newer_release(tmp_path: Path):
    pkg = tmp_path / "pkg" / "indicators" / "sp.pop.grow"
    pkg.mkdir(parents=True)
    (pkg / "data.csv").write_text("Country Name,Country Code,Year,Value\nNorway,NOR,2021,0.5\nNorway,NOR,2022,0.6\n")
    write_api(tmp_path / "api", "SP.POP.GROW", [("Norway", "NOR", ["1", "2", "3"])])
    a, b = wdi.read_package(tmp_path / "pkg"), wdi.read_api(tmp_path / "api")
    notes = wdi.resolve_overlap(a, b)
    assert len(b.panel) == 0 and a.panel["value"].tolist() == [0.5, 0.6]
    assert "kept wb_wdi_datasets_pkg" in notes[0]


def write_wgi(folder: Path, rows: list[tuple]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["codeindyr", "code", "countryname", "year", "indicator", "estimate", "stddev", "nsource",
               "pctrank", "pctranklower", "pctrankupper"])
    for r in rows:
        ws.append(list(r))
    wb.save(folder / "wgidataset.xlsx")


def test_wgi_xlsx_estimate_se_pctrank_and_legacy_codes(tmp_path: Path):
    write_wgi(tmp_path, [
        ("NORva2022", "NOR", "Norway", 2022, "va", 1.780675411224365, 0.1419, 10, 100.0, 98, 100),
        ("ZARva2022", "ZAR", "Congo, Dem. Rep.", 2022, "va", -1.35, 0.12, 9, 8.2, 3, 15),
        ("ASMva2022", "ASM", "American Samoa", 2022, "va", "..", "..", "..", "..", "..", ".."),
        ("ANTva2022", "ANT", "Netherlands Antilles (former)", 2022, "va", 0.5, 0.3, 1, 50, 40, 60),
    ])
    result = wgi.read(tmp_path)
    p = result.panel.set_index(["unit", "variable"])["value"]
    assert p[("NOR", "wgi/va")] == 1.780675411224365  # full precision, unchanged
    assert p[("NOR", "wgi/va.se")] == 0.1419 and p[("NOR", "wgi/va.pctrank")] == 100.0
    assert p[("COD", "wgi/va")] == -1.35
    assert "ASM" not in set(result.panel["unit"])
    assert [(u.raw, u.row) for u in result.unmatched] == [("ANT", "5")]


def test_wgi_non_numeric_estimate_is_an_error(tmp_path: Path):
    write_wgi(tmp_path, [("NORva2022", "NOR", "Norway", 2022, "va", "high", 0.1, 1, 90, 80, 95)])
    with pytest.raises(MarcError) as err:
        wgi.read(tmp_path)
    assert "wb_wgi" in str(err.value) and "row 2" in str(err.value)


def test_ucdp_multi_valued_locations_and_explicit_zeros(tmp_path: Path):
    (tmp_path / "UcdpPrioConflict_v23_1.csv").write_text(
        '"conflict_id","year","intensity_level","gwno_loc"\n'
        '"1","2021","1","651, 666"\n'
        '"2","2022","2","369"\n'
        '"3","2022","1","999"\n')
    result = ucdp.read(tmp_path, units=["NOR", "UKR", "EGY", "ISR"])
    p = result.panel.set_index(["unit", "year", "variable"])["value"]
    assert p[("EGY", 2021, "ucdp/active_conflict")] == 1 and p[("ISR", 2021, "ucdp/active_conflict")] == 1
    assert p[("UKR", 2022, "ucdp/war")] == 1 and p[("UKR", 2021, "ucdp/active_conflict")] == 0
    assert p[("NOR", 2022, "ucdp/active_conflict")] == 0
    assert ("NOR", 2023, "ucdp/active_conflict") not in p.index
    assert [(u.raw, u.row) for u in result.unmatched] == [("999", "4")]


def test_ucdp_bad_intensity_is_an_error(tmp_path: Path):
    (tmp_path / "UcdpPrioConflict_v23_1.csv").write_text('"year","intensity_level","gwno_loc"\n"2022","3","369"\n')
    with pytest.raises(MarcError) as err:
        ucdp.read(tmp_path)
    assert "ucdp_prio_acd" in str(err.value) and "row 2" in str(err.value)


def test_missing_folder_says_how_to_fix(tmp_path: Path):
    with pytest.raises(MarcError) as err:
        wgi.read(tmp_path)
    assert "marc pull wb_wgi" in str(err.value)


# --------------------------------------------------------------------------- integration on the mirror

@pytest.fixture(scope="module")
def wgi_result():
    return wgi.read(mirror("wb_wgi"))


@pytest.mark.integration
def test_wgi_norway_va_2022_equals_the_xlsx_cell(wgi_result):
    wb = openpyxl.load_workbook(mirror("wb_wgi") / "wgidataset.xlsx", read_only=True)
    cell = next(r[5] for r in wb.active.iter_rows(values_only=True) if r[0] == "NORva2022")
    wb.close()
    p = wgi_result.panel
    value = p[(p.unit == "NOR") & (p.year == 2022) & (p.variable == "wgi/va")]["value"].item()
    assert value == cell
    assert p[(p.year == 2022) & (p.variable == "wgi/va")]["unit"].nunique() >= 180
    assert "COD" in set(p["unit"]) and {"FRA", "NOR"} <= set(p["unit"])


@pytest.mark.integration
@pytest.mark.parametrize("source", sorted(READERS))
def test_every_reader_has_france_and_norway(source):
    result = READERS[source](mirror(source))
    units = set(result.panel["unit"])
    assert {"FRA", "NOR"} <= units, f"{source} lacks FRA or NOR"
    assert result.panel["value"].notna().all()


@pytest.mark.integration
def test_ucdp_ukraine_2022_active_norway_not():
    p = ucdp.read(mirror("ucdp_prio_acd")).panel.set_index(["unit", "year", "variable"])["value"]
    assert p[("UKR", 2022, "ucdp/active_conflict")] == 1 and p[("UKR", 2022, "ucdp/war")] == 1
    assert p[("NOR", 2022, "ucdp/active_conflict")] == 0


@pytest.mark.integration
def test_tuvalu_co2_is_missing_not_zero():
    raw = pd.read_csv(next(mirror("wb_wdi_api_csv").glob("co2_pc_ar5/API_*.csv")), dtype=str, keep_default_na=False)
    tuv = raw[raw["Country Code"] == "TUV"].filter(regex=r"^\d{4}$").replace("", None).dropna(axis=1)
    assert (tuv.astype(float) == 0).all(axis=None)  # the raw file really says 0
    p = wdi.read_api(mirror("wb_wdi_api_csv")).panel
    co2 = p[p.variable == "wdi/EN.GHG.CO2.PC.CE.AR5"]
    assert "TUV" not in set(co2["unit"]) and "NRU" not in set(co2["unit"])
    nor_2020 = float(raw.loc[raw["Country Code"] == "NOR", "2020"].item())
    assert co2[(co2.unit == "NOR") & (co2.year == 2020)]["value"].item() == nor_2020


@pytest.mark.integration
def test_inform_values_flow_unchanged_and_no_formulas():
    r = inform.read_risk(mirror("inform_risk")).panel.set_index(["unit", "variable"])["value"]
    assert r[("AFG", "inform/risk")] == 7.8 and r[("AFG", "inform/lack_of_coping_capacity")] == 7.4
    assert r[("ALB", "inform/river_flood")] == 4.6
    cc = inform.read_climate_change(mirror("inform_climate_change")).panel.set_index(["unit", "variable"])["value"]
    assert cc[("AGO", "informcc/risk")] == 4.5 and cc[("AGO", "informcc/risk_2050_pessimistic")] == 5.4
    assert cc[("CIV", "informcc/risk")] > 0


@pytest.mark.integration
def test_peacekeeping_minusma_closed_2023():
    result = peacekeeping.read(mirror("un_peacekeeping_missions"))
    p = result.panel.set_index(["unit", "year", "variable"])["value"]
    assert p[("MLI", 2023, "pko/host")] == 1 and p[("MLI", 2024, "pko/host")] == 0
    assert p[("MLI", 2024, "pko/years_since_end")] == 1
    assert p[("COD", 2024, "pko/host")] == 1 and p[("NOR", 2000, "pko/host")] == 0
    assert any("MINUSMA" in n for n in result.notes)


@pytest.mark.integration
def test_ndc_paris_gcf_ndgain_sipri_spot_values():
    n = ndc.read_ndc(mirror("unfccc_ndc_registry")).panel.set_index(["unit", "year", "variable"])["value"]
    assert n[("GBR", 2016, "ndc/latest_generation")] == 1 and n[("GBR", 2025, "ndc/ndc3_submitted")] == 1
    assert n[("MLI", 2021, "ndc/latest_generation")] == 2
    # timeliness: GBR's 2035 NDC came on 30 Jan 2025, 11 days before the 10 Feb 2025 due date
    assert n[("GBR", 2025, "ndc/months_late_cycle3")] == pytest.approx(-11 / 30.4375)
    assert n[("YEM", 2024, "ndc/months_late_cycle1")] == 36  # no NDC until its NDC 3.0 in November 2025
    assert ("GBR", 2024, "ndc/months_late_cycle3") not in n.index  # not yet due
    assert n[("CHL", 2025, "ndc/months_late")] == pytest.approx(
        (n[("CHL", 2025, "ndc/months_late_cycle1")] + n[("CHL", 2025, "ndc/months_late_cycle2")]
         + n[("CHL", 2025, "ndc/months_late_cycle3")]) / 3)
    pa = ndc.read_paris(mirror("paris_agreement_status")).panel.set_index(["unit", "year", "variable"])["value"]
    assert pa[("FRA", 2016, "paris/ratified")] == 1 and pa[("IRN", 2022, "paris/ratified")] == 0
    g = ndgain.read(mirror("nd_gain")).panel.set_index(["unit", "year", "variable"])["value"]
    assert round(g[("TCD", 2020, "ndgain/vulnerability.capacity")], 3) == 0.891
    s = sipri.read(mirror("sipri_milex")).panel.set_index(["unit", "year", "variable"])["value"]
    assert round(s[("NOR", 2023, "sipri/milex_gdp")], 2) == 1.61
    c = gcf.read(mirror("gcf_open_data")).panel.set_index(["unit", "year", "variable"])["value"]
    assert c[("IND", 2025, "gcf/direct_access_entities")] >= c[("IND", 2016, "gcf/direct_access_entities")] > 0


def test_wdi_package_reads_an_official_download_beside_mirror_series(tmp_path: Path):
    """`marc pull` from the World Bank API puts API_<CODE>_DS2_*.csv in indicators/<code>/."""
    root = tmp_path / "pkg"
    mirror_style = root / "indicators" / "sp.pop.totl"
    mirror_style.mkdir(parents=True)
    (mirror_style / "data.csv").write_text("Country Name,Country Code,Year,Value\nNorway,NOR,2021,5400000\n")
    official = write_api(root / "indicators", "EG.ELC.ACCS.ZS", [("Norway", "NOR", ["100", "100", "100"]),
                                                                 ("World", "WLD", ["90", "91", "92"])])
    target = root / "indicators" / "eg.elc.accs.zs"
    target.mkdir()
    official.rename(target / official.name)
    (root / "indicators" / "batch").rmdir()
    result = wdi.read_package(root)
    got = result.panel.groupby("variable")["value"].apply(list).to_dict()
    assert got == {"wdi/EG.ELC.ACCS.ZS": [100.0, 100.0, 100.0], "wdi/SP.POP.TOTL": [5400000.0]}
    assert result.aggregates == ["WLD"]
    assert any("official download" in n for n in result.notes)


def test_ndc_months_late_grades_each_cycle_due_by_then():
    ts = pd.Timestamp
    firsts = {1: ts("2016-09-21"), 2: ts("2021-12-31"), 3: ts("2025-11-10")}
    assert ndc.months_late(firsts, 2016) == {1: pytest.approx(-44 / 30.4375)}
    assert ndc.months_late(firsts, 2020)[2] == 0.0  # due on 31 Dec 2020, not yet late
    assert ndc.months_late(firsts, 2021)[2] == pytest.approx(365 / 30.4375)
    late = ndc.months_late({}, 2025)  # never submitted: elapsed months, capped
    assert late[1] == ndc.MONTHS_CAP and late[2] == ndc.MONTHS_CAP
    assert late[3] == ndc.MONTHS_CAP  # counted from the first cycle it never answered
    assert ndc.months_late({1: ts("2016-11-04"), 2: ts("2020-12-01")}, 2025)[3] == pytest.approx(
        (ts("2025-12-31") - ts("2025-02-10")).days / 30.4375)
    assert 3 not in ndc.months_late(firsts, 2024)
    # a Party without its first NDC is as late for the second cycle the day it opens
    assert ndc.months_late({}, 2020)[2] == ndc.MONTHS_CAP  # 49.9 months since 4 Nov 2016, capped
    assert ndc.months_late({}, 2017)[1] == pytest.approx((ts("2017-12-31") - ts("2016-11-04")).days / 30.4375)


def test_a_workbook_without_the_expected_sheet_names_the_sheets_it_has(tmp_path: Path):
    from marc.data.readers.base import sheet_rows

    wb = openpyxl.Workbook()
    wb.active.title = "Notes"
    wb.active.append(["Country", 2023])
    wb.create_sheet("Constant USD").append(["Norway", 1.5])
    path = tmp_path / "SIPRI-Milex-data-1949-2023.xlsx"
    wb.save(path)
    assert sheet_rows(path, None, "sipri_milex") == ("Notes", [("Country", 2023)])  # the first sheet
    assert sheet_rows(path, "Constant USD", "sipri_milex")[1] == [("Norway", 1.5)]
    with pytest.raises(MarcError) as err:
        sipri.read(tmp_path)  # the reader needs "Share of GDP"
    assert "[sheet-missing]" in str(err.value) and "'Notes', 'Constant USD'" in str(err.value)
