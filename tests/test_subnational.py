"""Admin-1 units for every country: the Natural Earth reader, population scaling, level configs, and the
admin-1 hazard build on a real Dask cluster (a `dask scheduler` and two `dask worker` processes)."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from marc.core.errors import MarcError
from marc.core.yamlio import parse_text
from marc.core.yamlmodel import parse_model
from marc.hazards import load_hazards, subnational
from marc.hazards.schema import HazardConfig

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _feature(uid, name, adm0, geom):
    return {"type": "Feature", "properties": {"_id": uid, "name": name, "type": "Region", "adm0_a3": adm0},
            "geometry": shapely.geometry.mapping(geom)}


@pytest.fixture()
def admin_folders(tmp_path):
    """A mirror-style admin-1 zip (per-country GeoJSON) and a Natural Earth admin-0 shapefile zip."""
    box = shapely.box
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])  # self-intersecting: invalid
    files = {
        "admin1-SOM.json": [_feature("SOM-1", "Banaadir", "SOM", box(45, 1, 46, 2)),
                            _feature("SOM-2", None, "SOM", box(46, 1, 47, 2))],       # null name
        "admin1-SOL.json": [_feature("SOL-1", "Somaliland", "SOL", box(44, 9, 47, 11))],  # parent: Somalia
        "admin1-SDS.json": [_feature("SDS-1", "Upper Nile", "SDS", bowtie)],             # SDS -> SSD, invalid
        "admin1-UMI.json": [_feature("UMI-1", "Wake", "UMI", box(166, 19, 167, 20))],     # absent from admin-0
    }
    a1 = tmp_path / "a1"
    a1.mkdir()
    with zipfile.ZipFile(a1 / subnational.MIRROR_FILE, "w") as zf:
        for name, feats in files.items():
            zf.writestr(name, json.dumps({"type": "FeatureCollection", "features": feats}))
    ne = tmp_path / "ne"
    shp = tmp_path / "shp"
    shp.mkdir()
    gpd.GeoDataFrame({"ADM0_A3": ["SOM", "SOL", "SDS"], "ISO_A3_EH": ["SOM", "-99", "SSD"], "NAME": ["a", "b", "c"]},
                     geometry=[box(41, -2, 51, 12), box(43, 8, 49, 12), box(24, 3, 36, 13)], crs=4326
                     ).to_file(shp / "ne_50m_admin_0_countries.shp")
    ne.mkdir()
    with zipfile.ZipFile(ne / "ne_50m_admin_0_countries.zip", "w") as zf:
        for f in shp.iterdir():
            zf.write(f, f.name)
    return a1, ne


def test_admin1_reader_handles_the_caveats(admin_folders, tmp_path):
    a1, ne = admin_folders
    got = subnational.load_admin1(a1, ne, cache_dir=tmp_path / "cache")
    u = got.units.set_index("unit")
    assert sorted(u.index) == ["SDS-1", "SOL-1", "SOM-1", "SOM-2"]
    assert u.loc["SOL-1", "parent"] == "SOM" and u.loc["SOL-1", "group"] == "SOL"   # Somaliland -> Somalia
    assert u.loc["SDS-1", "parent"] == "SSD"
    assert u.loc["SOM-2", "name"] == "SOM-2"                                        # null name filled with the id
    assert bool(u.geometry.is_valid.all())
    assert u.loc["SDS-1"].geometry.area == pytest.approx(2.0)                        # both bow-tie lobes kept
    assert got.excluded.to_dict("records") == [{"adm0_a3": "UMI", "n_units": 1, "why": "absent from Natural Earth Admin-0"}]
    assert "UMI (1, absent" in got.report() and got.vintage == "Natural Earth 4.0 (2017)"
    again = subnational.load_admin1(a1, ne, cache_dir=tmp_path / "cache")           # warm: the GeoParquet cache
    assert again.units["unit"].tolist() == got.units["unit"].tolist()


def test_missing_admin1_file_is_a_located_error(tmp_path):
    with pytest.raises(MarcError) as err:
        subnational.load_admin1(tmp_path, tmp_path)
    assert "marc pull ne_10m_admin1_orange3geo_MODIFIED" in str(err.value)


def test_population_shares_scaled_to_the_national_total():
    units = gpd.GeoDataFrame({"unit": ["A1", "A2", "B1", "C1", "C2"], "parent": ["AAA", "AAA", "BBB", "CCC", "CCC"]},
                             geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6),
                                       shapely.box(10, 0, 11, 1), shapely.box(11, 0, 13, 1)], crs=4326)
    grid = pd.Series({"A1": 30.0, "A2": 10.0, "B1": 5.0, "C1": 0.0, "C2": 0.0})
    out = subnational.scaled_population(units, grid, pd.Series({"AAA": 1000.0, "CCC": 90.0})).set_index("unit")
    assert out.loc["A1", "population"] == pytest.approx(750.0) and out.loc["A2", "population"] == pytest.approx(250.0)
    assert np.isnan(out.loc["B1", "population"])                                    # no national total: no count
    assert out.loc["C2", "population"] == pytest.approx(60.0, rel=1e-3)             # no grid people: split by area


LEVELS = """
population: {dataset: pop, file: pop.asc}
layers:
  - id: modelled
    label: Modelled
    component: main
    variable: inform/x
    normalise: {min: 0, max: 10}
  - id: quakes
    label: Quakes
    component: main
    source: {kind: csv, dataset: pts, file: p.csv}
    statistic: {kind: count}
    time: {window: [2000, 2009]}
    normalise: {min: 0, max: 40}
  - id: dem
    label: Low land
    enabled: false
    source: {kind: raster, dataset: dem, file: dem.tif}
    statistic: {kind: population_share_below, threshold: 5}
    time: {window: [2022, 2022]}
    normalise: {min: 0, max: 1}
exposure: {components: {main: 1}}
levels:
  admin1:
    label: Admin-1
    population: {dataset: pop30, file: pop30.tif}
    layers:
      quakes: {component: events, normalise: {min: 0, max: 4}}
      dem: {component: coast, optional: true, normalise: {min: 0, max: 0.3}}
    exposure: {components: {events: 2, coast: 1}}
"""


def test_level_config_uses_its_own_goalposts_and_disables_absent_optional_layers(tmp_path):
    cfg = parse_model(parse_text(LEVELS, "h.yaml"), HazardConfig)
    level, notes = subnational.level_config(cfg, tmp_path)
    assert [lyr.id for lyr in level.geospatial] == ["quakes"]                       # per-polygon only, dem absent
    assert level.geospatial[0].normalise.max == 4 and level.geospatial[0].component == "events"
    assert level.population.dataset == "pop30" and dict(level.exposure.components) == {"events": 2}
    assert notes and notes[0].startswith("dem (disabled: dem/dem.tif")
    (tmp_path / "dem").mkdir()
    (tmp_path / "dem" / "dem.tif").write_bytes(b"x")
    level, notes = subnational.level_config(cfg, tmp_path)
    assert [lyr.id for lyr in level.geospatial] == ["quakes", "dem"] and not notes
    assert cfg.layers[1].normalise.max == 40                                         # countries keep theirs


def test_level_must_name_geospatial_layers():
    bad = LEVELS.replace("      quakes: {component: events", "      modelled: {component: events")
    with pytest.raises(MarcError) as err:
        parse_model(parse_text(bad, "h.yaml"), HazardConfig)
    assert "per-polygon layers only" in str(err.value)


def test_population_share_below_weights_by_population():
    from marc.hazards import zonal
    from marc.hazards.raster import Grid

    dem = Grid(np.array([[1.0, 100.0], [2.0, 3.0]]), 0, 0, 2, 2, "dem")           # rows north to south
    pop = Grid(np.array([[10.0, 30.0], [0.0, 60.0]]), 0, 0, 2, 2, "pop")
    units = gpd.GeoDataFrame({"unit": ["U"]}, geometry=[shapely.box(0, 0, 2, 2)], crs=4326)
    got = zonal.raster_stat(units, dem, "population_share_below", 5.0, pop=pop)
    assert got["U"] == pytest.approx(70 / 100)


# ----------------------------------------------------------------------------------- real data, real cluster

SUBSET = ["BGD", "HTI", "MDG", "MOZ", "PHL", "SOM", "VNM"]


@pytest.fixture(scope="module")
def admin1_real(real_data):
    from marc.data import sources

    return subnational.load_admin1(sources.source_dir(subnational.SOURCE), sources.source_dir("natural_earth"))


def test_world_admin1_covers_every_country(admin1_real, real_outcome):
    countries = set(real_outcome.results.components["unit"])
    assert len(admin1_real.units) > 3000
    assert len(countries & set(admin1_real.units["parent"])) >= 185
    assert set(admin1_real.excluded["adm0_a3"]) >= {"UMI", "GIB"}
    assert admin1_real.units.loc[admin1_real.units["group"] == "SOL", "parent"].tolist() == ["SOM"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(real_data, tmp_path_factory):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    dask_cli = BIN / "dask"
    if not dask_cli.exists():
        pytest.skip(f"the dask command line is not installed beside {sys.executable}")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "MARC_DATA_DIR": str(real_data)}
    logs = tmp_path_factory.mktemp("dask")
    procs = [subprocess.Popen([str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=env, stdout=open(logs / "scheduler.log", "w"), stderr=subprocess.STDOUT)]
    time.sleep(1.0)
    for i in range(2):
        procs.append(subprocess.Popen([str(dask_cli), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--name", f"w{i}", "--local-directory", str(logs / f"w{i}")],
                                      env=env, stdout=open(logs / f"worker{i}.log", "w"), stderr=subprocess.STDOUT))
    from distributed import Client

    try:
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
            assert len(c.scheduler_info()["workers"]) == 2
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_admin1_build_on_a_real_cluster_equals_local(cluster, admin1_real, real_data, tmp_path):
    from marc.hazards import build_hazards

    cfg, _ = subnational.level_config(load_hazards(REPO / "indicators" / "hazards.yaml"), real_data)
    units = admin1_real.units[admin1_real.units["parent"].isin(SUBSET)]
    assert len(units) > 200
    local = build_hazards(cfg, units, real_data, engine="local", use_cache=False, cache_dir=tmp_path / "l")
    remote = build_hazards(cfg, units, real_data, engine="dask", scheduler=cluster, use_cache=False,
                           cache_dir=real_data / "_derived" / "test-cluster", partitions=4)
    assert len(local) == len(remote) > 0
    m = local.merge(remote, on=["unit", "year", "variable"], suffixes=("_l", "_d"))
    assert len(m) == len(local)
    assert np.allclose(m["value_l"], m["value_d"], rtol=0, atol=1e-9)
    assert m.loc[m["variable"] == "hazard/tc_wind_recent", "value_l"].max() > 0     # a real, non-zero comparison


def test_task_graph_holds_paths_not_arrays(admin1_real, real_data, tmp_path):
    import cloudpickle

    from marc.hazards import build

    cfg, _ = subnational.level_config(load_hazards(REPO / "indicators" / "hazards.yaml"), real_data)
    units = build._prepare_units(admin1_real.units)
    prepared = {lyr.id: build._prepare_layer(lyr, units, real_data) for lyr in cfg.geospatial}
    parts = [units.iloc[i::4] for i in range(4)]
    tasks = build.dask_tasks(cfg, parts, prepared, real_data, tmp_path / "stage")
    graph = {k: v for t in tasks for k, v in dict(t.__dask_graph__()).items()}
    assert len(graph) == 4
    blob = cloudpickle.dumps(graph)
    assert len(blob) < 1_000_000, len(blob)
    assert len(pickle.dumps(units)) > 5 * len(blob)            # the units alone would be far larger
    assert str(real_data / subnational.POPULATION_SOURCE / subnational.POPULATION_FILE).encode() in blob
    assert b"numpy" not in blob and b"shapely" not in blob     # no array or geometry is pickled into the graph
    assert (tmp_path / "stage" / "units.parquet").exists()


def test_marc_score_units_admin1_without_a_file(real_data, tmp_path):
    """The acceptance run: `marc score --units admin1 --out sub.csv` on the pulled data."""
    out = tmp_path / "sub.csv"
    env = {**os.environ, "COLUMNS": "200", "MARC_DATA_DIR": str(real_data)}
    run = subprocess.run([sys.executable, "-m", "marc", "score", "--units", "admin1", "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Natural Earth 4.0 (2017)" in run.stdout and "UMI (8, absent from Natural Earth Admin-0)" in run.stdout
    assert "national readiness × subnational exposure" in run.stdout and "every exposure layer at zero" in run.stdout
    t = pd.read_csv(out)
    exposed = t[t["exposure"].notna()]
    assert exposed["unit"].nunique() > 3000
    assert exposed["country"].nunique() >= 185
    assert t["readiness_inherited"].all() and (t["view"] == "national readiness × subnational exposure").all()
    assert "Somaliland" in set(t.loc[t["country"] == "SOM", "name"])              # SOL's unit sits under Somalia
    share = t["exposure_all_zero"].mean()
    assert 0 < share < 0.6
    from marc.pipeline import project

    panel, _ = project.load_data(progress=False)
    national = subnational.national_population(panel)
    for iso3 in ("NGA", "PHL", "SOM", "HTI"):  # regions add up to the WDI 2020 total despite coastal cell loss
        assert t.loc[t["country"] == iso3, "population"].sum() == pytest.approx(national[iso3], rel=1e-9), iso3


def test_marc_score_units_missing_file_is_a_clear_error(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    run = subprocess.run([sys.executable, "-m", "marc", "score", "--units", str(tmp_path / "nope.geojson"),
                          "--id-field", "id", "--out", str(tmp_path / "x.csv")], capture_output=True, text=True,
                         cwd=REPO, env=env)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "nope.geojson" in run.stderr
