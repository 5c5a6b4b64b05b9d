"""Territories: opt-in, ranked apart from sovereign states with their sovereign named; dropped rows reported."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from builders import make_panel, write_framework

from marc.analysis.rank_intervals import rank_desc, rank_desc_within
from marc.core.errors import MarcError
from marc.data import territories
from marc.data.countries import country_table
from marc.method.loader import load_framework
from marc.pipeline import project

# Natural Earth attributes, as published in v5.1.1 Admin-0 (1:50m), for the units of these tests
NE_ROWS = [("United States of America", "United States of America", "US1", "USA", "Country"),
           ("Puerto Rico", "United States of America", "US1", "PRI", "Dependency"),
           ("Denmark", "Denmark", "DN1", "DNK", "Country"),
           ("Greenland", "Denmark", "DN1", "GRL", "Country"),
           ("Taiwan", "Taiwan", "TWN", "TWN", "Sovereign country"),
           ("Kenya", "Kenya", "KEN", "KEN", "Sovereign country")]
A = {("KEN", 2003): 30, ("NOR", 2003): 70, ("PRI", 2003): 55, ("GRL", 2003): 20, ("TWN", 2003): 90}
B = {("KEN", 2003): 50, ("NOR", 2003): 30, ("PRI", 2003): 60, ("GRL", 2003): 40, ("TWN", 2003): 80}


def _natural_earth(root):
    """A Natural Earth Admin-0 zip with the attribute columns marc.data.territories reads."""
    import geopandas as gpd
    from shapely.geometry import Point

    folder = root / "natural_earth"
    folder.mkdir(parents=True)
    gdf = gpd.GeoDataFrame(pd.DataFrame(NE_ROWS, columns=territories.FIELDS),
                           geometry=[Point(i, i).buffer(0.5) for i in range(len(NE_ROWS))], crs="EPSG:4326")
    gdf.to_file(folder / "ne.shp")
    with zipfile.ZipFile(folder / "ne_50m_admin_0_countries.zip", "w") as z:
        for p in sorted(folder.glob("ne.*")):
            z.write(p, "ne_50m_admin_0_countries" + p.suffix)


@pytest.fixture
def case(tmp_path, monkeypatch):
    data = tmp_path / "data"
    _natural_earth(data)
    monkeypatch.setenv("MARC_DATA_DIR", str(data))
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]}, first=2003, last=2003)
    panel = make_panel({"a": A, "b": B})
    countries = country_table(data, units=["KEN", "NOR"])
    return fw, panel, countries, data


def _opt_in(fw):
    (fw / "index.yaml").write_text((fw / "index.yaml").read_text() + "territories: include\n")


def test_territories_are_dropped_by_default_and_every_row_is_reported(case):
    fw, panel, countries, _ = case
    out = project.compute(fw, years=[2003], panel=panel, countries=countries, hazards=False)
    table = out.table()
    assert sorted(table["unit"]) == ["KEN", "NOR"] and "sovereign" not in table.columns
    assert table.set_index("unit")["rank"].to_dict() == {"NOR": 1, "KEN": 2}
    dropped = out.dropped.set_index("unit")
    assert dropped["rows"].to_dict() == {"GRL": 2, "PRI": 2, "TWN": 2}
    assert dropped["first_row"].to_dict() == {"PRI": 2, "GRL": 3, "TWN": 4}  # positions in the panel
    assert dropped["territory"].all()
    [message] = [w for w in out.framework.warnings if "row(s) of" in w]
    assert message.startswith("6 panel row(s) of 3 unit(s) dropped (territories and other units outside the sovereign states")
    assert "set 'territories: include' in index.yaml" in message and "rows by source: test 6;" in message
    assert message.endswith("units: GRL (Greenland) 2, PRI (Puerto Rico) 2, TWN (Taiwan) 2")


def test_opted_in_territories_are_ranked_apart_with_their_sovereign(case):
    fw, panel, countries, _ = case
    _opt_in(fw)
    out = project.compute(fw, years=[2003], panel=panel, countries=countries, hazards=False)
    t = out.table().set_index("unit")
    assert not [w for w in out.framework.warnings if "row(s) of" in w] and out.dropped.empty
    # scores (equal weights): KEN 40, NOR 50; PRI 57.5, GRL 30, TWN 85
    assert t["readiness"].to_dict() == pytest.approx({"KEN": 40, "NOR": 50, "PRI": 57.5, "GRL": 30, "TWN": 85})
    assert t["ranked_among"].to_dict() == {"KEN": "state", "NOR": "state", "PRI": "territory", "GRL": "territory",
                                           "TWN": "territory"}
    assert t["rank"].to_dict() == {"NOR": 1, "KEN": 2, "TWN": 1, "PRI": 2, "GRL": 3}  # PRI (57.5) is not above NOR (50)
    assert t["n_ranked"].to_dict() == {"KEN": 2, "NOR": 2, "TWN": 3, "PRI": 3, "GRL": 3}
    assert t.loc["PRI", "percentile"] == pytest.approx(200 / 3)
    assert t.loc["PRI", "sovereign"] == "USA" and t.loc["PRI", "sovereign_name"] == "United States"
    assert t.loc["GRL", "sovereign"] == "DNK" and t.loc["GRL", "sovereign_name"] == "Denmark"
    assert pd.isna(t.loc["TWN", "sovereign"])  # Natural Earth names Taiwan its own sovereign: left empty
    assert pd.isna(t.loc["KEN", "sovereign"]) and t.loc["PRI", "name"] == "Puerto Rico"
    assert list(out.table()["unit"]) == ["NOR", "KEN", "TWN", "PRI", "GRL"]  # states first, then territories


def test_rank_intervals_rank_territories_apart(case):
    fw, panel, countries, _ = case
    _opt_in(fw)
    out = project.compute(fw, years=[2003], panel=panel, countries=countries, hazards=False)
    summary = out.add_uncertainty(n=100, seed=5).set_index("unit")
    assert summary.loc["TWN", "rank"] == 1 and summary.loc["NOR", "rank"] == 1 and summary.loc["PRI", "rank"] == 2
    assert summary.loc[["PRI", "GRL", "TWN"], "rank_p95"].max() <= 3
    assert summary.loc[["KEN", "NOR"], "rank_p95"].max() <= 2
    assert summary.loc["PRI", "ranked_among"] == "territory"


def test_panel_without_country_table_drops_territories_unless_opted_in(case):
    fw, panel, _, _ = case
    custom = pd.concat([panel, make_panel({"a": {("basin-1", 2003): 10}, "b": {("basin-1", 2003): 10}})])
    out = project.compute(fw, years=[2003], panel=custom, hazards=False)
    assert sorted(out.table()["unit"]) == ["KEN", "NOR", "basin-1"]  # non-ISO units of a panel stay
    assert any("PRI (Puerto Rico) 2" in w for w in out.framework.warnings)
    _opt_in(fw)
    out = project.compute(fw, years=[2003], panel=custom, hazards=False)
    t = out.table().set_index("unit")
    assert sorted(t.index) == ["GRL", "KEN", "NOR", "PRI", "TWN", "basin-1"]
    assert t.loc["PRI", "rank"] == 2 and t.loc["PRI", "sovereign"] == "USA" and t.loc["basin-1", "ranked_among"] == "state"


def test_bad_territories_option_is_located(case):
    fw, *_ = case
    (fw / "index.yaml").write_text((fw / "index.yaml").read_text() + "territories: yes please\n")
    with pytest.raises(MarcError) as err:
        load_framework(fw)
    n = len((fw / "index.yaml").read_text().splitlines())
    assert f"index.yaml:{n}:1: [bad-value] 'yes please'" in str(err.value) and "'exclude' or 'include'" in str(err.value)


def test_rank_within_groups_equals_ranking_each_group_alone():
    rng = np.random.default_rng(3)
    scores = np.round(rng.uniform(0, 100, (12, 7)), 1)
    scores[2, 3] = np.nan
    groups = np.array(["state", "territory"] * 6)
    within = rank_desc_within(scores, groups)
    for g in ("state", "territory"):
        np.testing.assert_array_equal(within[groups == g], rank_desc(scores[groups == g]))
    np.testing.assert_array_equal(rank_desc_within(scores, None), rank_desc(scores))


def test_sovereigns_from_the_real_natural_earth_file(mirror):
    sov = territories.sovereigns(mirror).set_index("unit")
    expect = {"PRI": ("USA", "United States"), "GRL": ("DNK", "Denmark"), "HKG": ("CHN", "China"),
              "ABW": ("NLD", "Netherlands"), "NCL": ("FRA", "France"), "BMU": ("GBR", "United Kingdom")}
    for unit, (iso, name) in expect.items():
        assert (sov.loc[unit, "sovereign"], sov.loc[unit, "sovereign_name"]) == (iso, name)
    assert "TWN" not in sov.index and "ESH" not in sov.index and "USA" not in sov.index
    assert set(territories.territory_units(["PRI", "KEN", "PSE", "XKX", "GRL", "basin-1"])) == {"PRI", "GRL"}


def test_map_and_ranking_views_rank_territories_apart(case):
    from marc.reporting import views

    fw, panel, countries, _ = case
    _opt_in(fw)
    out = project.compute(fw, years=[2003], panel=panel, countries=countries, hazards=False)
    frame = views.map_frame(out.table(), views.Metric("readiness", "Readiness", "score"), 2003).set_index("unit")
    assert frame["rank"].to_dict() == {"NOR": 1, "KEN": 2, "TWN": 1, "PRI": 2, "GRL": 3}
    assert frame["n_ranked"].to_dict() == {"NOR": 2, "KEN": 2, "TWN": 3, "PRI": 3, "GRL": 3}
    assert frame.loc["PRI", "ranked_among"] == "territory"
    head = views.headline(out.table(), out.framework, "PRI", 2003).set_index("component")
    assert (head.loc["readiness", "rank"], head.loc["readiness", "n_ranked"]) == (2, 3)
    head = views.headline(out.table(), out.framework, "KEN", 2003).set_index("component")
    assert (head.loc["readiness", "rank"], head.loc["readiness", "n_ranked"]) == (2, 2)


def test_group_names_are_translated():
    from marc.core.i18n import tr

    assert (tr("state", "fr"), tr("territory", "fr")) == ("État", "territoire")
    assert (tr("state", "en"), tr("territory", "en")) == ("state", "territory")


def test_a_damaged_natural_earth_file_is_a_located_error(tmp_path):
    folder = tmp_path / "natural_earth"
    folder.mkdir()
    (folder / "ne_50m_admin_0_countries.zip").write_bytes(b"not a zip")
    with pytest.raises(MarcError) as err:
        territories.sovereigns(tmp_path)
    assert "ne_50m_admin_0_countries.zip" in str(err.value) and "[bad-file]" in str(err.value)
    assert territories.sovereigns(tmp_path / "nowhere").empty  # no file: sovereigns left empty


def test_dropped_rows_are_found_by_position_whatever_the_index():
    panel = pd.concat([make_panel({"a": {("KEN", 2003): 1, ("PRI", 2003): 2}}),
                       make_panel({"a": {("PRI", 2004): 3, ("NOR", 2004): 4}})])  # index 0, 1, 0, 1
    out = territories.dropped_rows(panel, ["KEN", "NOR"])
    assert out[["unit", "rows", "first_row", "year"]].values.tolist() == [["PRI", 2, 1, 2003]]
