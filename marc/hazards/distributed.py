"""The hazard build's per-unit work on a Dask ``distributed`` cluster, with inputs on shared storage.

The client never ships arrays or geometries in the task graph.  Before submitting, it stages what
the workers need as files beside the hazard cache (``<cache>/stage/<input hash>/``):

* ``units.parquet``: the unit layer (GeoParquet) with a ``_part`` column; each task reads its part;
* ``feet-<layer>.parquet``: each footprint layer's yearly footprints (swaths, buffers), built once;

and each task names the raster files (hazard rasters and the population grid) by path, read by the
worker (once per worker process, memoised by path, size and modification time).  A task is thus a
few hundred bytes: a folder, a part number, the layer declarations and file paths.  The folder must
be on storage every worker can read at the same path (set ``MARC_DATA_DIR`` to a shared folder), and
the workers must be able to import ``marc`` (install it, or start them with ``PYTHONPATH``).

Staged files are written once per input hash (GeoParquet WKB is lossless), so the cluster computes
on exactly the coordinates the in-process engine uses and the results agree to floating-point
rounding (the tests check 1e-9).
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import geopandas as gpd
import pandas as pd
import shapely

from marc.core.atomic import write_bytes
from marc.core.errors import MarcError
from marc.hazards.raster import Grid, read_raster
from marc.hazards.schema import Layer, Population, RasterSource

ENV_SCHEDULER = "DASK_SCHEDULER_ADDRESS"
NO_YEAR = -1  # a static footprint's year key in the staged file


def _parquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    buf = io.BytesIO()
    gdf.to_parquet(buf, index=False)
    write_bytes(path, buf.getvalue(), keep_backup=False)


def stage(folder: Path, parts: list[gpd.GeoDataFrame], prepared: dict[str, dict]) -> Path:
    """Write the unit partitions and the footprints under *folder* (skipped when already there)."""
    folder = Path(folder)
    done = folder / "units.parquet"
    if done.exists():
        return folder
    for lid, p in prepared.items():
        if p["type"] == "footprint":
            feet = p["feet"]
            years = [NO_YEAR if y is None else int(y) for y in feet]
            _parquet(gpd.GeoDataFrame({"year": years}, geometry=list(feet.values()), crs=4326), folder / f"feet-{lid}.parquet")
    units = pd.concat([p.assign(_part=i) for i, p in enumerate(parts)], ignore_index=True)
    _parquet(gpd.GeoDataFrame(units, geometry="geometry", crs=4326), done)  # last: marks the stage complete
    return folder


@lru_cache(maxsize=8)
def _grid_cached(path: str, size: int, mtime: float, variable: str | None, band: int, crs: str | None,
                 resampling: str) -> Grid:
    return read_raster(Path(path), variable=variable, band=band, crs=crs, resampling=resampling)


def _grid(ref: dict[str, Any]) -> Grid:
    path = Path(ref["path"])
    if not path.exists():
        raise MarcError.single(str(path), "worker-missing-file",
                               "a Dask worker cannot read this raster: keep the data on storage every worker "
                               "sees at the same path (MARC_DATA_DIR)")
    st = path.stat()
    return _grid_cached(str(path), st.st_size, st.st_mtime, ref.get("variable"), ref.get("band", 1), ref.get("crs"),
                        ref.get("resampling", "nearest"))


def raster_ref(path: Path, src: RasterSource | Population) -> dict[str, Any]:
    """What a worker needs to read a raster: its path and how to read it (no array)."""
    return {"path": str(path), "variable": src.variable, "band": src.band, "crs": src.crs,
            "resampling": getattr(src, "resampling", "nearest")}


def per_units_task(folder: str, part: int, layers: list[Layer], rasters: dict[str, dict], kinds: dict[str, str],
                   pop: dict[str, Any] | None) -> pd.DataFrame:
    """One partition's per-unit values, computed on a worker from the staged files and raster paths."""
    from marc.hazards.zonal import per_units

    base = Path(folder)
    if not (base / "units.parquet").exists():
        raise MarcError.single(str(base), "worker-missing-file",
                               "a Dask worker cannot read the staged units: keep MARC_DATA_DIR on shared storage")
    units = gpd.read_parquet(base / "units.parquet", filters=[("_part", "==", part)])[["unit", "geometry"]]
    prepared: dict[str, dict] = {}
    for layer in layers:
        kind = kinds[layer.id]
        if kind == "raster":
            prepared[layer.id] = {"type": "raster", "grid": _grid(rasters[layer.id])}
        elif kind == "footprint":
            feet = gpd.read_parquet(base / f"feet-{layer.id}.parquet")
            geoms = feet.geometry.values
            shapely.prepare(geoms)
            prepared[layer.id] = {"type": "footprint",
                                  "feet": {None if y == NO_YEAR else int(y): g for y, g in zip(feet["year"], geoms)}}
        else:
            prepared[layer.id] = {"type": kind}
    return per_units(units, layers, prepared, _grid(pop) if pop else None)


def plan(folder: Path, n_parts: int, layers: list[Layer], prepared: dict[str, dict], rasters: dict[str, dict],
         pop: dict[str, Any] | None) -> list:
    """The delayed tasks (one per partition): paths and small declarations only."""
    import dask

    kinds = {lid: p["type"] for lid, p in prepared.items()}
    task = dask.delayed(per_units_task, pure=True)
    return [task(str(folder), i, layers, rasters, kinds, pop) for i in range(n_parts)]


@contextmanager
def client(scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed`` client: *scheduler* or ``$DASK_SCHEDULER_ADDRESS`` (an existing cluster), else the
    current client, else a LocalCluster (two in-process workers) started for the call."""
    from distributed import Client, LocalCluster, get_client

    address = scheduler or os.environ.get(ENV_SCHEDULER)
    if address:
        try:
            c = Client(address, timeout="15s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise MarcError.single("dask", "scheduler-unreachable",
                                   f"cannot reach the Dask scheduler at {address}: {str(exc).splitlines()[0]}; "
                                   "start one (`dask scheduler`, then `dask worker ADDRESS`) or check the address") from None
        try:
            if not c.scheduler_info().get("workers"):
                c.wait_for_workers(1, timeout=30)
            yield c
        except TimeoutError:
            raise MarcError.single("dask", "no-workers", f"the scheduler at {address} has no workers; start `dask worker {address}`") from None
        finally:
            c.close()
        return
    try:
        current = get_client()
    except ValueError:
        current = None
    if current is not None:
        yield current
        return
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as c:
        yield c


def compute(tasks: list, scheduler: str | None = None) -> list[pd.DataFrame]:
    """Run the tasks on the cluster; a worker that cannot import marc or read a file gives one clear error."""
    with client(scheduler) as c:
        try:
            return list(c.gather(c.compute(tasks)))
        except MarcError:
            raise
        except ModuleNotFoundError as exc:
            raise MarcError.single("dask", "worker-import", f"a Dask worker cannot import {exc.name!r}: install marc on "
                                   "every worker (or start them with PYTHONPATH pointing at the project)") from None
