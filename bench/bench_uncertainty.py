"""Benchmark the vectorised Monte Carlo against a loop that calls the production ``score()`` per replication.

Data: the default framework (indicators/) on the real panel (pulled into the cache, from
``--mirror`` or ../shared/data when present).  Both sides run the same design (the same seed): every
factor of the ``uncertainty:`` block (weights, normalisation, aggregation, missing data, indicator
set, WGI measurement error).  The loop rebuilds each replication as a framework and a panel
(``marc.analysis.replication``) and calls ``marc.scoring.engine.score`` once; the bench checks that both give the
same ranks, then prints the times and the ratio (target ≥ 20×; N = 1000 in < 3 s).

    .venv/bin/python bench/bench_uncertainty.py [--n 1000] [--loop 1000] [--seed 20240601] [--mirror DIR]

``--loop`` < n times the loop on the first replications only and extrapolates per replication.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from marc.analysis import uncertainty as unc
from marc.analysis.replication import replication_framework, replication_panel
from marc.pipeline import project
from marc.scoring import engine

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--loop", type=int, default=1000, help="replications run through the engine loop (≤ n)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--mirror", type=Path, default=None)
    args = ap.parse_args()
    mirror = args.mirror or (REPO.parent / "shared" / "data" if (REPO.parent / "shared" / "data").exists() else None)
    panel, countries = project.load_data(mirror, progress=False)
    outcome = project.compute(REPO / "indicators", panel=panel, countries=countries, progress=False)
    fw, year = outcome.framework, outcome.years[-1]
    groups = countries.set_index("unit")
    units = sorted(outcome.results.components["unit"].unique())
    seed = fw.uncertainty.seed if args.seed is None else args.seed

    t0 = time.perf_counter()
    model = unc.build(fw, panel, year, groups=groups, units=units)
    t1 = time.perf_counter()
    design = unc.draw(model, args.n, seed)
    scores = unc.evaluate(model, design)
    result = unc.result_from(model, scores, seed)
    result.summary()
    t2 = time.perf_counter()
    vec = t2 - t0
    print(f"vectorised: N = {args.n} replications × {len(units)} units, factors {', '.join(model.factors)}")
    print(f"  build (indicator stage, {len(model.missings)} prepare calls): {t1 - t0:.3f} s; replications + summary: "
          f"{t2 - t1:.3f} s; total {vec:.3f} s")

    draws = unc.decode(model, design)
    needed = engine._needed(fw) | {e["variable"] for e in model.me.values()}
    data = panel[panel["variable"].isin(needed)].reset_index(drop=True)
    m = min(args.loop, args.n)
    mismatches = 0
    t3 = time.perf_counter()
    in_score = 0.0
    for r in range(m):
        fw_r, panel_r = replication_framework(model, draws, r), replication_panel(model, draws, r, data)
        ts = time.perf_counter()
        res = engine.score(fw_r, panel_r, [year], groups=groups, units=units)
        in_score += time.perf_counter() - ts
        comp = res.components[res.components["component"] == fw.index.id].set_index("unit")["score"].reindex(model.units)
        loop_rank = comp.rank(ascending=False, method="min").to_numpy()
        if not np.array_equal(np.nan_to_num(loop_rank, nan=-1), np.nan_to_num(result.ranks[:, r], nan=-1)):
            mismatches += 1
    loop = (time.perf_counter() - t3) / m * args.n
    print(f"loop over engine.score(): {m} replications in {loop * m / args.n:.2f} s "
          f"({loop / args.n * 1000:.1f} ms each){'' if m == args.n else f'; {args.n} extrapolated: {loop:.1f} s'}")
    print(f"  of which inside score(): {in_score / m * 1000:.1f} ms each; ratio on score() alone: "
          f"{in_score / m * args.n / vec:.0f}×")
    print(f"same ranks in {m - mismatches} of {m} replications compared")
    print(f"ratio: {loop / vec:.0f}× (target ≥ 20×); vectorised N = {args.n} in {vec:.2f} s (target < 3 s)")
    if mismatches:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
