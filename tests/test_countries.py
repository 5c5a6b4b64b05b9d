"""Country harmonisation: legacy codes, aggregates, GW numbers, names, the country table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.data.countries import (
    Unmatched,
    base_units,
    clean_name,
    country_table,
    gw_to_iso3,
    iso3_from_codes,
    iso3_from_names,
    short_name,
)


def test_world_bank_legacy_codes_map_to_iso3():
    res = iso3_from_codes(["ZAR", "ROM", "TMP", "KSV", "WBG", "ADO", "fra", "NOR"], "t")
    assert res.iso3 == ["COD", "ROU", "TLS", "XKX", "PSE", "AND", "FRA", "NOR"]
    assert res.unmatched == [] and res.aggregates == []


def test_aggregates_are_dropped_and_listed_unknown_codes_reported_with_row():
    res = iso3_from_codes(["WLD", "AFE", "HIC", "LMY", "CHI", "NOR", "QQQ"], "wdi/x.csv", rows=[2, 3, 4, 5, 6, 7, 8])
    assert res.iso3 == [None, None, None, None, None, "NOR", None]
    assert res.aggregates == ["AFE", "HIC", "LMY", "WLD"]
    assert res.unmatched == [Unmatched("wdi/x.csv", "CHI", "6"), Unmatched("wdi/x.csv", "QQQ", "8")]


def test_gleditsch_ward_numbers_multi_valued_and_historical():
    isos, unmatched = gw_to_iso3(["651, 666", "2", "816", "678", "365", "", "999"], "ucdp", rows=list("abcdefg"))
    assert isos == [["EGY", "ISR"], ["USA"], ["VNM"], ["YEM"], ["RUS"], [], []]
    assert unmatched == [Unmatched("ucdp", "999", "g")]


def test_names_with_footnotes_and_un_style_names():
    assert clean_name("Algeria §4") == "Algeria"
    assert clean_name("Yemen*") == "Yemen"
    res = iso3_from_names(["Algeria §4", "Cote d'Ivoire", "Congo, DR", "Bolivia (Plurinational State of)",
                           "Niger (the)", "Türkiye", "Congo", "Kosovo", "World", "Atlantis"], "sipri")
    assert res.iso3 == ["DZA", "CIV", "COD", "BOL", "NER", "TUR", "COG", "XKX", None, None]
    assert res.aggregates == ["World"]
    assert [u.raw for u in res.unmatched] == ["Atlantis"]


def test_readable_short_names():
    assert short_name("CIV") == "Côte d'Ivoire"
    assert short_name("BOL") == "Bolivia"
    assert short_name("KOR") == "South Korea"
    assert short_name("FSM") == "Micronesia"
    assert short_name("XKX") == "Kosovo"


def test_country_table_flags_from_group_files(tmp_path: Path):
    groups = tmp_path / "country_groups" / "data"
    groups.mkdir(parents=True)
    (groups / "ldc.csv").write_text("Code,Name,Year-Of-Inclusion\nAFG,Afghanistan,1971\nTUV,Tuvalu,1986\n")
    (groups / "sids.csv").write_text("Code,Name,Region\nTUV,Tuvalu,Pacific\n")
    (groups / "lldc.csv").write_text("Code,Name\nAFG,Afghanistan\n")
    (groups / "non-annex-one.csv").write_text("Code,Name\nAFG,Afghanistan\nTUV,Tuvalu\n")
    table = country_table(tmp_path)
    assert len(table) == len(base_units()) == 195
    row = table.set_index("unit")
    assert bool(row.loc["TUV", "sids"]) and bool(row.loc["TUV", "ldc"]) and not bool(row.loc["TUV", "lldc"])
    assert bool(row.loc["AFG", "lldc"]) and not bool(row.loc["NOR", "non_annex_i"])
    assert row.loc["CIV", "name"] == "Côte d'Ivoire"
    assert {"unit", "name", "region", "income_group", "ldc", "sids", "lldc", "non_annex_i"} <= set(table.columns)
    assert pd.isna(row.loc["NOR", "region"])  # no INFORM / WDI metadata given
