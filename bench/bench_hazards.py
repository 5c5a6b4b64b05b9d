"""Benchmark the hazard pipeline on the real mirror (prints figures; no assertions).

1. exactextract (partial-pixel weights) against rasterstats (cell-centre rasterisation) for the
   population sum of every Natural Earth 1:50m country on the GPWv4 1-degree grid: speed ratio and
   the mean absolute difference in values.
2. The whole default hazard build (indicators/hazards.yaml), cold (no cache) and warm (input-hash cache).
3. The world admin-1 build (Natural Earth 1:10m admin-1, every country; the ``admin1`` level of
   hazards.yaml on GPWv4 30'), cold and warm, in-process; then the same build on a two-worker Dask
   cluster (a real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1), cold.

Usage: .venv/bin/python bench/bench_hazards.py [--mirror ../shared/data] [--admin1-only] [--no-cluster]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cluster", action="store_true", help="skip the two-worker Dask cluster run")
    ap.add_argument("--admin1-only", action="store_true", help="only the admin-1 figures (section 3)")
    args = ap.parse_args()
    if not args.admin1_only:
        countries_bench(args)
    admin1_bench(args)


def countries_bench(args) -> None:

    from affine import Affine
    from rasterstats import zonal_stats

    from marc.data.boundaries import countries
    from marc.hazards import build_hazards, load_hazards, zonal
    from marc.hazards.raster import read_raster

    world = countries(args.mirror / "natural_earth")
    pop = read_raster(args.mirror / "gpw_v4_popcount_2020_1deg" / "gpw_v4_population_count_rev11_2020_1_deg.asc",
                      crs="EPSG:4326")
    dx, dy = pop.cellsize
    affine = Affine(dx, 0, pop.xmin, 0, -dy, pop.ymax)
    arr = np.where(np.isnan(pop.values), -9999.0, pop.values)
    geoms = list(world.geometry.values)

    def run_ee():
        return zonal.unit_population(world, pop).to_numpy()

    def run_rs():
        res = zonal_stats(geoms, arr, affine=affine, nodata=-9999.0, stats=["sum"])
        return np.array([r["sum"] or 0.0 for r in res], dtype=float)

    t_ee = min(_timed(run_ee) for _ in range(args.repeat))
    t_rs = min(_timed(run_rs) for _ in range(args.repeat))
    ee, rs = run_ee(), run_rs()
    print(f"units: {len(world)} Natural Earth 1:50m countries x GPWv4 1-degree ({arr.shape[1]}x{arr.shape[0]})")
    print(f"exactextract: {t_ee * 1000:.1f} ms   rasterstats: {t_rs * 1000:.1f} ms   "
          f"speed ratio rasterstats/exactextract: {t_rs / t_ee:.2f}x")
    diff = np.abs(ee - rs)
    print(f"population sum: mean |difference| {diff.mean():,.0f} people per country "
          f"(median {np.median(diff):,.0f}); total exactextract {ee.sum() / 1e9:.3f} bn vs rasterstats {rs.sum() / 1e9:.3f} bn")
    zero_rs = int(((rs == 0) & (ee > 0)).sum())
    print(f"countries with population 0 under cell-centre rasterstats but > 0 with exactextract: {zero_rs}")

    cfg = load_hazards(REPO / "indicators" / "hazards.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t0 = time.perf_counter()
        df = build_hazards(cfg, world, args.mirror, cache_dir=cache)
        cold = time.perf_counter() - t0
        warm = min(_timed(lambda: build_hazards(cfg, world, args.mirror, cache_dir=cache)) for _ in range(args.repeat))
    print(f"default hazard build ({len(cfg.geospatial)} geospatial layers, {len(df)} rows): "
          f"cold {cold:.1f} s (target < 60 s), warm {warm * 1000:.0f} ms (target < 1 s)")


def admin1_bench(args) -> None:
    import os
    import shutil
    import subprocess
    import sys

    from marc.hazards import build_hazards, load_hazards, subnational

    cfg, disabled = subnational.level_config(load_hazards(REPO / "indicators" / "hazards.yaml"), args.mirror)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t0 = time.perf_counter()
        units = subnational.load_admin1(args.mirror / subnational.SOURCE, args.mirror / "natural_earth",
                                        cache_dir=cache / "units").units
        t_units = time.perf_counter() - t0
        df = build_hazards(cfg, units, args.mirror, cache_dir=cache / "hz")
        cold = time.perf_counter() - t0

        def warm_run():
            u = subnational.load_admin1(args.mirror / subnational.SOURCE, args.mirror / "natural_earth",
                                        cache_dir=cache / "units").units
            build_hazards(cfg, u, args.mirror, cache_dir=cache / "hz")

        warm = min(_timed(warm_run) for _ in range(args.repeat))
        print(f"world admin-1 build ({len(units)} units, {len(cfg.geospatial)} layers, {len(df)} rows; "
              f"disabled offline: {[d.split(' ')[0] for d in disabled]}): cold {cold:.1f} s including "
              f"{t_units:.1f} s to read the units (target < 60 s), warm {warm * 1000:.0f} ms (target < 0.5 s)")
        if args.no_cluster:
            return
        dask_cli = Path(sys.executable).parent / "dask"
        if not dask_cli.exists() or not shutil.which(str(dask_cli)):
            print("two-worker cluster: skipped (no dask command line beside the interpreter)")
            return
        from distributed import Client

        from marc.hazards.distributed import ENV_SCHEDULER

        port = _free_port()
        address = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop(ENV_SCHEDULER, None)
        procs = [subprocess.Popen([str(dask_cli), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        time.sleep(1.0)
        procs += [subprocess.Popen([str(dask_cli), "worker", address, "--nthreads", "1", "--nworkers", "1",
                                    "--no-dashboard", "--local-directory", str(cache / f"w{i}")],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2)]
        try:
            with Client(address, timeout="30s") as c:
                c.wait_for_workers(2, timeout=60)
            t0 = time.perf_counter()
            remote = build_hazards(cfg, units, args.mirror, engine="dask", scheduler=address, use_cache=False,
                                   cache_dir=cache / "hz-dask")
            t_cluster = time.perf_counter() - t0
            t0 = time.perf_counter()
            local = build_hazards(cfg, units, args.mirror, use_cache=False)
            t_local = time.perf_counter() - t0
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                p.wait(timeout=30)
        m = local.merge(remote, on=["unit", "year", "variable"])
        print(f"admin-1 build, no cache: local {t_local:.1f} s, two-worker cluster {t_cluster:.1f} s "
              f"(ratio local/cluster {t_local / t_cluster:.2f}); max |difference| {(m['value_x'] - m['value_y']).abs().max():.2g} "
              f"over {len(m)} values")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
