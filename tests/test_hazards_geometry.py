"""Synthetic geometry and zonal-statistics tests with values computed by hand."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from marc.core.errors import MarcError
from marc.data import geometry
from marc.data.boundaries import load_units
from marc.hazards import zonal
from marc.hazards.raster import Grid, read_raster


def write_asc(path, values, xll, yll, cell=1.0, nodata=-9999):
    ny, nx = values.shape
    head = f"ncols {nx}\nnrows {ny}\nxllcorner {xll}\nyllcorner {yll}\ncellsize {cell}\nNODATA_value {nodata}\n"
    body = "\n".join(" ".join(f"{v:g}" for v in row) for row in np.where(np.isnan(values), nodata, values))
    path.write_text(head + body + "\n")
    return path


def units(**geoms):
    return gpd.GeoDataFrame({"unit": list(geoms)}, geometry=list(geoms.values()), crs=4326)


def test_partial_pixels_hand_computed(tmp_path):
    # 2x2 grid over [0,2]x[0,2]; north row first: [[1, 2], [3, 4]]
    grid = read_raster(write_asc(tmp_path / "g.asc", np.array([[1.0, 2.0], [3.0, 4.0]]), 0, 0), crs="EPSG:4326")
    u = units(A=shapely.box(0.5, 0.5, 1.5, 1.5))  # a quarter of each cell
    assert zonal.raster_stat(u, grid, "sum")["A"] == pytest.approx(0.25 * (1 + 2 + 3 + 4))
    assert zonal.raster_stat(u, grid, "max")["A"] == 4.0
    # mean is area-weighted; cells near the equator are almost equal in area
    assert zonal.raster_stat(u, grid, "mean")["A"] == pytest.approx(2.5, rel=1e-3)
    assert zonal.raster_stat(u, grid, "area_share_above", 2.5)["A"] == pytest.approx(0.5, rel=1e-3)


def test_raster_without_crs_is_an_error(tmp_path):
    path = write_asc(tmp_path / "g.asc", np.ones((2, 2)), 0, 0)
    with pytest.raises(MarcError) as err:
        read_raster(path)
    assert err.value.problems[0].code == "undefined-crs"


def test_island_smaller_than_a_pixel_gets_the_covering_cell():
    g = Grid(np.array([[7.0, np.nan], [1.0, 2.0]]), 0, 0, 2, 2, "t")
    u = units(isle=shapely.box(0.40, 1.40, 0.41, 1.41), sea_isle=shapely.box(1.5, 1.5, 1.51, 1.51))
    mean = zonal.raster_stat(u, g, "mean")
    assert mean["isle"] == pytest.approx(7.0)
    # its cell is no data (ocean): nearest valid cell (the 2.0 cell below is centred 0.5 deg closer than 7.0)
    assert not math.isnan(mean["sea_isle"])
    assert mean["sea_isle"] in (7.0, 2.0)
    assert zonal.raster_stat(u, g, "sum")["isle"] == pytest.approx(7.0 * 1e-4, rel=1e-6)


def test_antimeridian_polygon_is_split_and_sums_both_sides(tmp_path):
    # global 1-degree grid with 1 in every cell
    grid = Grid(np.ones((180, 360)), -180, -90, 180, 90, "t")
    ring = [[170, -5], [-170, -5], [-170, 5], [170, 5], [170, -5]]  # meant: 170E..170W, 20 x 10 degrees
    path = tmp_path / "am.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "X"},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    u = load_units(path, "id")
    geom = u.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(200.0)  # 20 x 10 degrees, not 340 x 10
    assert zonal.raster_stat(u, grid, "sum")["X"] == pytest.approx(200.0)


def test_crs_mismatch_is_reprojected_and_undefined_crs_is_an_error(tmp_path):
    box = shapely.box(10, 10, 12, 12)
    ea = gpd.GeoDataFrame({"id": ["A"]}, geometry=[box], crs=4326).to_crs(3857)
    ea.to_file(tmp_path / "u.gpkg")
    u = load_units(tmp_path / "u.gpkg", "id")
    assert u.crs.to_epsg() == 4326
    assert u.geometry.iloc[0].bounds == pytest.approx((10, 10, 12, 12), abs=1e-6)
    (tmp_path / "nocrs.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"}, "geometry": shapely.geometry.mapping(box)}]}))
    # GeoJSON implies WGS84: strip it by writing a shapefile without .prj
    gpd.GeoDataFrame({"id": ["A"]}, geometry=[box]).to_file(tmp_path / "nocrs.shp")
    with pytest.raises(MarcError) as err:
        load_units(tmp_path / "nocrs.shp", "id")
    assert err.value.problems[0].code == "undefined-crs"


def test_bow_tie_polygon_is_made_valid(tmp_path):
    bow = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert not bow.is_valid
    gpd.GeoDataFrame({"id": ["B"]}, geometry=[bow], crs=4326).to_file(tmp_path / "bow.gpkg")
    u = load_units(tmp_path / "bow.gpkg", "id")
    g = u.geometry.iloc[0]
    assert g.is_valid and g.area == pytest.approx(2.0)  # two triangles of area 1
    grid = Grid(np.ones((2, 2)), 0, 0, 2, 2, "t")
    assert zonal.raster_stat(u, grid, "sum")["B"] == pytest.approx(2.0)


def test_point_on_a_border_is_assigned_once_and_deterministically():
    a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    for order in (units(B=b, A=a), units(A=a, B=b)):
        got = zonal.assign_points(order, np.array([1.0, 0.5, 1.5, 5.0]), np.array([0.5, 0.5, 0.5, 5.0]))
        assert list(got) == ["A", "A", "B", None]
    snapped = zonal.assign_points(units(A=a), np.array([1.05]), np.array([0.5]), snap_km=10)
    assert list(snapped) == ["A"]


def test_geodesic_buffer_area_and_antimeridian():
    r = 10_000.0
    buf = geometry.geodesic_buffer(shapely.Point(30, 45), r)
    assert zonal.equal_area([buf])[0] == pytest.approx(math.pi * r**2, rel=0.01)
    near = geometry.geodesic_buffer(shapely.Point(179.95, 0), r)
    assert near.geom_type == "MultiPolygon" and near.bounds[0] == pytest.approx(-180) and near.bounds[2] == pytest.approx(180)
    assert zonal.equal_area([near])[0] == pytest.approx(math.pi * r**2, rel=0.01)


def test_quadrant_footprint_areas():
    r = np.array([[100e3, 100e3, 100e3, 100e3], [100e3, 0.0, 0.0, 0.0]])
    feet = geometry.quadrant_footprints(np.array([0.0, 0.0]), np.array([20.0, 20.0]), r)
    area = zonal.equal_area(feet)
    assert area[0] == pytest.approx(math.pi * 1e10, rel=0.02)
    assert area[1] == pytest.approx(math.pi * 1e10 / 4, rel=0.03)  # only the NE quadrant


def test_storm_swath_across_antimeridian():
    lon = np.array([178.0, 179.5, -179.0, -177.5])  # wraps in the data
    lat = np.zeros(4)
    radii = np.full((4, 4), 50e3)
    sw = geometry.storm_swath(lon, lat, radii)
    assert sw.bounds[0] == pytest.approx(-180) and sw.bounds[2] == pytest.approx(180)
    # a corridor ~4.5 deg long x 100 km wide plus two half-discs, not a band round the globe
    length = 4.5 * 111_320
    expected = length * 100e3 + math.pi * 50e3**2
    assert zonal.equal_area([sw])[0] == pytest.approx(expected, rel=0.03)


def test_footprint_population_share_and_fallback():
    pop = Grid(np.array([[100.0, 0.0]]), 0, 0, 2, 1, "t")
    u = units(L=shapely.box(0, 0, 1, 1), R=shapely.box(1, 0, 2, 1))
    foot = shapely.box(0.5, 0, 1.5, 1)  # half of each unit
    exposed = zonal.footprint_stat(u, foot, "population_exposed", pop)
    assert exposed["L"] == pytest.approx(50.0) and exposed["R"] == pytest.approx(0.0)
    share = zonal.footprint_stat(u, foot, "population_share", pop)
    assert share["L"] == pytest.approx(0.5)
    assert share["R"] == pytest.approx(0.5, rel=1e-3)  # no population on the grid: area share


def test_raster_in_a_projected_crs_is_reprojected(tmp_path):
    """A Web Mercator GeoTIFF: left half 1, right half 5, split at 10°E; after the warp to EPSG:4326
    the zonal means on either side of the split are 1 and 5."""
    import geopandas as gpd
    import rasterio
    from pyproj import Transformer
    from rasterio.transform import from_bounds
    from shapely.geometry import box

    from marc.hazards import zonal

    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    (x0, y0), (x1, y1) = to_merc.transform(0, 0), to_merc.transform(20, 20)
    arr = np.ones((200, 200), dtype="float32")
    arr[:, 100:] = 5.0
    path = tmp_path / "merc.tif"
    with rasterio.open(path, "w", driver="GTiff", width=200, height=200, count=1, dtype="float32", crs="EPSG:3857",
                       transform=from_bounds(x0, y0, x1, y1, 200, 200), nodata=-9999) as dst:
        dst.write(arr, 1)
    grid = read_raster(path)
    assert grid.xmin == pytest.approx(0, abs=1e-6) and grid.xmax == pytest.approx(20, abs=1e-6)
    units = gpd.GeoDataFrame({"unit": ["W", "E"]}, geometry=[box(1, 2, 8, 18), box(12, 2, 19, 18)], crs=4326)
    means = zonal.raster_stat(units, grid, "mean")
    assert means["W"] == pytest.approx(1.0) and means["E"] == pytest.approx(5.0)


def test_population_weighted_mean_by_hand():
    """Hazard 10 | 20 over two cells holding 1 and 3 people: the average inhabitant faces
    (10·1 + 20·3) / 4 = 17.5, while the land mean is 15."""
    import geopandas as gpd
    from shapely.geometry import box

    from marc.hazards import zonal

    hazard = Grid(np.array([[10.0, 20.0]]), 0, 0, 2, 1, "hazard")
    pop = Grid(np.array([[1.0, 3.0]]), 0, 0, 2, 1, "pop")
    units = gpd.GeoDataFrame({"unit": ["A", "ISLAND"]}, geometry=[box(0, 0, 2, 1), box(1.4, 0.4, 1.401, 0.401)], crs=4326)
    got = zonal.raster_stat(units, hazard, "population_weighted_mean", pop=pop)
    assert got["A"] == pytest.approx(17.5)
    assert got["ISLAND"] == pytest.approx(20.0)  # sub-pixel: the covering cell
    assert zonal.raster_stat(units, hazard, "mean")["A"] == pytest.approx(15.0, rel=1e-3)
