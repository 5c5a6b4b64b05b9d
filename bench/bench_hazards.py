"""Benchmark the hazard pipeline on the real mirror (prints figures; no assertions).

1. exactextract (partial-pixel weights) against rasterstats (cell-centre rasterisation) for the
   population sum of every Natural Earth 1:50m country on the GPWv4 1-degree grid: speed ratio and
   the mean absolute difference in values.
2. The whole default hazard build (indicators/hazards.yaml), cold (no cache) and warm (input-hash cache).

Usage: .venv/bin/python bench/bench_hazards.py [--mirror ../shared/data]
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
    args = ap.parse_args()

    from affine import Affine
    from rasterstats import zonal_stats

    from marc.boundaries import countries
    from marc.hazards import build_hazards, load_hazards
    from marc.hazards import zonal
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


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
