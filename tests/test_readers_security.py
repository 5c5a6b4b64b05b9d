"""Readers of the security-sector proxies (SOURCES.md 9a-9c): fixtures built here, then the mirror."""

from __future__ import annotations

from pathlib import Path

import pytest

from marc.core.errors import MarcError
from marc.data.readers import security
from marc.data.readers.security import MIN_DEPLOYED, m49_to_iso3

POLICE_HEADER = "ISO3\tREF_AREA_DESC\tTIME_PERIOD\tSEX\tOBS_VALUE\tUNIT_MEASURE\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_police_share_reads_female_percent_rows_only(tmp_path):
    folder = write(tmp_path / "p", "7500__IV_4__x.csv", POLICE_HEADER +
                   "KEN\tKenya\t2015\tF\t13.0\tPT\nKEN\tKenya\t2015\tM\t87.0\tPT\nNOR\tNorway\t2017\tF\t29\tPT\n")
    r = security.read_police(folder)
    p = r.panel.set_index(["unit", "year"])["value"]
    assert p[("KEN", 2015)] == 13.0 and p[("NOR", 2017)] == 29.0 and len(p) == 2
    assert set(r.panel["variable"]) == {"unodc/female_police_share"}
    assert any("1 rows not" in n for n in r.notes)


def test_police_unknown_layout_is_located(tmp_path):
    folder = write(tmp_path / "p", "7500__IV_4__x.csv", "Country\tYear\tValue\nKenya\t2015\t13\n")
    with pytest.raises(MarcError) as e:
        security.read_police(folder)
    p = e.value.problems[0]
    assert p.code == "unknown-layout" and p.file.endswith("7500__IV_4__x.csv") and "OBS_VALUE" in p.message


def test_police_non_numeric_value_names_row(tmp_path):
    folder = write(tmp_path / "p", "7500__IV_4__x.csv", POLICE_HEADER + "KEN\tKenya\t2015\tF\tabout 13\tPT\n")
    with pytest.raises(MarcError) as e:
        security.read_police(folder)
    assert e.value.problems[0].code == "non-numeric" and "row 2" in e.value.problems[0].message


PKO_HEADER = ("\ufeffISOCode3,M49_Code,Contributing_Country,Personnel_Contribution_Rank,Female_Personnel,Male_Personnel,"
              "Total_Uniformed_Personnel,Last_Reporting_Date\n")


def test_pko_female_share_only_from_fifty_deployed(tmp_path):
    folder = write(tmp_path / "k", "Rank.csv", PKO_HEADER +
                   "BGD,50,Bangladesh,1,317,6394,6711,31-Jan-21\nISL,352,Iceland,120,1,2,3,31-Jan-21\n")
    r = security.read_pko_contributions(folder)
    p = r.panel.set_index(["unit", "variable"])["value"]
    assert p[("BGD", "unpko/uniformed_personnel")] == 6711
    assert p[("BGD", "unpko/female_share_deployed")] == pytest.approx(100 * 317 / 6711)
    assert p[("ISL", "unpko/uniformed_personnel")] == 3
    assert ("ISL", "unpko/female_share_deployed") not in p.index  # 1 of 3 people says nothing
    assert set(r.panel["year"]) == {2021}


def test_pko_bad_date_is_located(tmp_path):
    folder = write(tmp_path / "k", "Rank.csv", PKO_HEADER + "BGD,50,Bangladesh,1,317,6394,6711,2021-01-31\n")
    with pytest.raises(MarcError) as e:
        security.read_pko_contributions(folder)
    assert e.value.problems[0].code == "bad-date" and "row 2" in e.value.problems[0].message


def test_pko_monthly_gender_file_layout_is_refused(tmp_path):
    folder = write(tmp_path / "k", "odp_contributionsbygender.csv", "Contributing_Country,Personnel_Type,Female,Male\n")
    with pytest.raises(MarcError) as e:
        security.read_pko_contributions(folder)
    assert e.value.problems[0].code == "unknown-layout"


def test_sdg_m49_codes_and_kosovo(tmp_path):
    folder = tmp_path / "s"
    for stem in security.SDG_SERIES:
        write(folder, f"ddf--datapoints--{stem}--by--geo_area--nature--units--year.csv",
              f"geo_area,nature,units,year,{stem}\n4,c,index,2019,0.725\n412,c,index,2018,0.5\n1,c,index,2019,0.4\n")
    r = security.read_sdg(folder)
    p = r.panel[r.panel["variable"] == "sdg/SG_DSR_LGRGSR"].set_index("unit")["value"]
    assert p["AFG"] == 0.725 and p["XKX"] == 0.5 and "001" not in p.index
    assert {u.raw for u in r.unmatched} == {"1"}  # the World aggregate is reported, not dropped silently
    assert m49_to_iso3("250") == "FRA" and m49_to_iso3("x") is None


# --------------------------------------------------------------------------- integration on the mirror

def mirror(source: str) -> Path:
    from conftest import MIRROR

    folder = MIRROR / source
    if not folder.exists():
        pytest.skip(f"integration data mirror not found at {folder}")
    return folder


@pytest.mark.integration
def test_mirror_police_coverage_and_a_value():
    p = security.read_police(mirror(security.POLICE)).panel
    assert p["unit"].nunique() == 104 and p["year"].min() == 2004 and p["year"].max() == 2017
    assert p.set_index(["unit", "year"]).loc[("KEN", 2015), "value"] == 13.0


@pytest.mark.integration
def test_mirror_pko_totals_and_threshold():
    r = security.read_pko_contributions(mirror(security.PKO))
    p = r.panel
    total = p[p["variable"] == "unpko/uniformed_personnel"]
    assert total["unit"].nunique() == 122 and total["value"].sum() == 81932
    share = p[p["variable"] == "unpko/female_share_deployed"]
    assert set(share["unit"]) == set(total.loc[total["value"] >= MIN_DEPLOYED, "unit"])
    assert share.set_index("unit").loc["BGD", "value"] == pytest.approx(100 * 317 / 6711)


@pytest.mark.integration
def test_mirror_sdg_drr_strategy_score():
    p = security.read_sdg(mirror(security.SDG)).panel
    score = p[p["variable"] == "sdg/SG_DSR_LGRGSR"]
    assert score["unit"].nunique() == 93 and score["value"].between(0, 1).all()
    assert score.set_index(["unit", "year"]).loc[("AFG", 2019), "value"] == 0.725
