"""build_hazards end to end on a synthetic data root: tracks, points, polygons, cache, Dask engine."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from test_hazards_geometry import write_asc

from marc.core.errors import MarcError
from marc.core.yamlio import parse_text
from marc.core.yamlmodel import parse_model
from marc.hazards import build_hazards, input_hash
from marc.hazards.schema import HazardConfig

CONFIG = """
population: {dataset: pop, file: pop.asc, crs: EPSG:4326}
layers:
  - id: storms
    label: Storm winds
    component: events
    source: {kind: tracks, dataset: tracks, file: t.nc}
    swath: {radius: {quadrants: usa_r34, units: km}}
    statistic: {kind: population_exposed}
    time: {per: year, window: [2021, 2022]}
    normalise: {min: 0, max: 1000}
  - id: quakes
    label: Quakes
    component: events
    source: {kind: csv, dataset: pts, file: p.csv, year: year}
    filters: [{field: kind, eq: quake}, {field: mag, ge: 6}]
    statistic: {kind: count_distinct, field: event}
    time: {per: window, window: [2000, 2009], aggregate: sum}
    normalise: {min: 0, max: 10}
exposure: {combine: arithmetic, components: {events: 1}}
"""


@pytest.fixture()
def data_root(tmp_path):
    root = tmp_path / "data"
    for d in ("pop", "tracks", "pts"):
        (root / d).mkdir(parents=True)
    # uniform population: 100 people per 1-degree cell over [0,10] x [-5,5]
    write_asc(root / "pop" / "pop.asc", np.full((10, 10), 100.0), 0, -5)
    # one storm in 2021 moving east along the equator from 2E to 4E with 50 km radii everywhere
    n = 3
    ds = xr.Dataset({
        "sid": (("storm",), np.array([b"S1"])),
        "iso_time": (("storm", "date_time"), np.array([[b"2021-08-01 00:00:00", b"2021-08-01 03:00:00", b"2021-08-01 06:00:00"]])),
        "lat": (("storm", "date_time"), np.zeros((1, n), "float32")),
        "lon": (("storm", "date_time"), np.array([[2.0, 3.0, 4.0]], "float32")),
        "usa_r34": (("storm", "date_time", "quadrant"), np.full((1, n, 4), 50.0, "float32")),
    })
    ds.to_netcdf(root / "tracks" / "t.nc", engine="h5netcdf")
    pd.DataFrame({"event": ["e1", "e1", "e2", "e3", "e4"], "kind": ["quake"] * 4 + ["flood"],
                  "mag": [6.5, 6.5, 7.0, 5.0, 7.0], "year": [2001, 2001, 2005, 2005, 2005],
                  "latitude": [0.5, 0.6, 0.5, 0.5, 0.5], "longitude": [2.5, 2.6, 7.5, 2.5, 2.5]}
                 ).to_csv(root / "pts" / "p.csv", index=False)
    return root


@pytest.fixture()
def config():
    return parse_model(parse_text(CONFIG, "h.yaml"), HazardConfig)


def grid_units():
    return gpd.GeoDataFrame({"unit": ["W", "E", "FAR"]},
                            geometry=[shapely.box(0, -5, 5, 5), shapely.box(5, -5, 10, 5), shapely.box(20, 20, 21, 21)],
                            crs=4326)


def test_build_values_by_hand(config, data_root, tmp_path):
    df = build_hazards(config, grid_units(), data_root, cache_dir=tmp_path / "c")
    v = df.set_index(["variable", "unit", "year"])["value"]
    # swath: 2 deg corridor x 100 km + a disc of 50 km radius; density 100 per cell of ~111.3 km square
    cell = 111_320.0 * 110_574.0
    area = 2 * 111_320.0 * 100e3 + math.pi * 50e3**2
    assert v["hazard/storms", "W", 2021] == pytest.approx(100 * area / cell, rel=0.03)
    assert v["hazard/storms", "E", 2021] == 0.0
    assert v["hazard/storms", "W", 2022] == 0.0  # no storm that year: 0, not missing
    # distinct quake events >= M6 in 2000-2009: W has e1 (twice located) -> 1, E has e2 -> 1
    assert v["hazard/quakes", "W", 2009] == 1.0 and v["hazard/quakes", "E", 2009] == 1.0
    assert v["hazard/quakes", "FAR", 2009] == 0.0
    assert set(df["source"]) == {"tracks", "pts"}


def test_cache_by_input_hash(config, data_root, tmp_path):
    units = grid_units()
    calls = []
    first = build_hazards(config, units, data_root, cache_dir=tmp_path / "c")
    again = build_hazards(config, units, data_root, cache_dir=tmp_path / "c", progress=lambda s, d, t: calls.append(s))
    assert calls == ["cached"]
    pd.testing.assert_frame_equal(first, again)
    before = input_hash(config, units, data_root)
    with open(data_root / "pts" / "p.csv", "a") as fh:
        fh.write("e9,quake,6.1,2003,0.5,7.5\n")
    assert input_hash(config, units, data_root) != before
    changed = build_hazards(config, units, data_root, cache_dir=tmp_path / "c")
    assert changed.set_index(["variable", "unit"]).loc[("hazard/quakes", "E"), "value"] == 2.0


def test_units_in_another_crs_give_the_same_result(config, data_root, tmp_path):
    a = build_hazards(config, grid_units(), data_root, use_cache=False)
    b = build_hazards(config, grid_units().to_crs(3857), data_root, use_cache=False)
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)
    with pytest.raises(MarcError) as err:
        build_hazards(config, grid_units().set_crs(None, allow_override=True), data_root, use_cache=False)
    assert err.value.problems[0].code == "undefined-crs"


def test_dask_engine_equals_local(config, data_root):
    from distributed import Client, LocalCluster

    local = build_hazards(config, grid_units(), data_root, use_cache=False)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, Client(cluster):
        dask = build_hazards(config, grid_units(), data_root, engine="dask", use_cache=False)
    pd.testing.assert_frame_equal(local, dask, rtol=1e-9, atol=0)
    assert local["value"].sum() > 0


def test_missing_source_file_is_located(config, data_root):
    (data_root / "pts" / "p.csv").unlink()
    with pytest.raises(MarcError) as err:
        build_hazards(config, grid_units(), data_root, use_cache=False)
    assert err.value.problems[0].code == "missing-file" and err.value.problems[0].file == "pts"
