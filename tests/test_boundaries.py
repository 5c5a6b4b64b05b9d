"""Country boundaries from the Natural Earth 1:50m mirror, display GeoJSON, and subnational units."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shapely

from marc.data.boundaries import countries, display_geojson, load_units

MIRROR = Path(os.environ.get("MARC_TEST_MIRROR", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
NE = MIRROR / "natural_earth"
ADMIN1 = NE / "geojson_conversions_martynafford/50m/cultural/ne_50m_admin_1_states_provinces.json"


@pytest.fixture(scope="module")
def world():
    if not (NE / "ne_50m_admin_0_countries.zip").exists():
        pytest.skip(f"Natural Earth mirror not found at {NE} (set MARC_TEST_MIRROR)")
    return countries(NE)


@pytest.mark.integration
def test_countries_join_and_overrides(world):
    units = set(world["unit"])
    assert len(world) == len(units) and 230 <= len(units) <= 240
    # ISO_A3 is -99 for France and Norway; small island states are present at 1:50m
    assert {"FRA", "NOR", "TUV", "KIR", "MHL", "TON", "MDV", "MUS", "BRB", "DMA"} <= units
    # the override table
    assert {"XKX", "SSD", "PSE", "ESH"} <= units
    assert not {"-99", "KOS", "SOL", "CYN", "KAS", "SDS", "PSX", "SAH"} & units
    assert world.geometry.is_valid.all()
    som = world.set_index("unit").loc["SOM"]
    assert som["name"] == "Somalia" and som.geometry.area > 50  # Somaliland dissolved in (about 56 sq deg)
    assert world.set_index("unit").loc["AUS", "name"] == "Australia"


@pytest.mark.integration
def test_display_geojson_clockwise_cached_with_small_state_points(world, tmp_path):
    out = display_geojson(world, 0.05, cache_dir=tmp_path)
    assert len(out["features"]) == len(world)
    for feat in out["features"][:50]:
        geom = shapely.geometry.shape(feat["geometry"])
        for poly in shapely.get_parts(geom):
            assert not poly.exterior.is_ccw  # Vega draws a CCW ring as the globe minus the polygon
    pts = {p["unit"] for p in out["points"]}
    assert {"TUV", "MDV", "BRB"} <= pts and "FRA" not in pts
    assert len(list(tmp_path.glob("display-*.json"))) == 1
    again = display_geojson(world, 0.05, cache_dir=tmp_path)
    assert again == out


@pytest.mark.integration
def test_admin1_units_load():
    if not ADMIN1.exists():
        pytest.skip(f"Natural Earth admin-1 mirror not found at {ADMIN1}")
    units = load_units(ADMIN1, "adm1_code", "name", "adm0_a3")
    assert len(units) == 100 and set(units["parent"]) == {"AUS", "BRA", "CAN", "USA"}
    assert units.crs.to_epsg() == 4326 and units.geometry.is_valid.all()


def test_load_units_errors(tmp_path):
    from marc.core.errors import MarcError

    with pytest.raises(MarcError) as err:
        load_units(tmp_path / "nope.gpkg", "id")
    assert err.value.problems[0].code == "unreadable-vector"
    import geopandas as gpd

    gpd.GeoDataFrame({"id": ["A", "A"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], crs=4326
                     ).to_file(tmp_path / "dup.gpkg")
    with pytest.raises(MarcError) as err:
        load_units(tmp_path / "dup.gpkg", "id")
    assert err.value.problems[0].code == "duplicate-unit"
    with pytest.raises(MarcError) as err:
        load_units(tmp_path / "dup.gpkg", "code")
    assert err.value.problems[0].code == "missing-field"
