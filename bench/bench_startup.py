"""Start-up benchmark (issue 15, item 8): loading a framework of 50 custom CSVs, and ``marc score``
end to end on that small framework.

Builds (in a temporary folder) 5 pillars × 10 indicators, each reading its own ``custom/<id>.csv``
of 60 countries × 10 years, and an empty panel file.  Prints:

* in-process ``load_framework``, median of 7: first ever (in-process cache and on-disk parse store
  both empty: every file parsed), first in a process (in-process cache empty, the parse store
  filled by an earlier run: what a new ``marc score`` or a restarted app does), and warm (the same
  process loading the same, unchanged folder again, as the app and notebooks do);
* ``marc score --framework F --panel empty.parquet --out x.csv``: wall and CPU (user + sys) of the
  child process, median of 7 with the parse store filled and median of 3 with it emptied first,
  beside ``python -c "import pandas"`` as the floor set by pandas alone under the same load; and the
  load average, since the machine is shared;
* which heavy modules the score path imported (geopandas, altair, streamlit must be absent), run
  as ``python -m marc`` runs it (only the ``score`` command's module registered).

The parse store used is a temporary folder (``MARC_PARSE_CACHE``), never the project's data cache.

    .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from builders import write_framework  # noqa: E402

from marc.core import parsecache, parsestore  # noqa: E402
from marc.method.loader import load_framework  # noqa: E402

HEAVY = ("geopandas", "altair", "streamlit", "shapely", "pyogrio", "exactextract", "vl_convert", "docx", "fpdf",
         "xlsxwriter", "openpyxl", "dask", "httpx")


def build(tmp: Path) -> tuple[Path, Path]:
    import pycountry

    units = sorted(c.alpha_3 for c in pycountry.countries)[:60]
    pillars = {f"p{k}": [{"id": f"i{k}_{j}"} for j in range(10)] for k in range(5)}
    root = write_framework(tmp / "fw", pillars, first=2015, last=2024)
    (root / "custom").mkdir()
    rng = np.random.default_rng(1)
    for inds in pillars.values():
        for ind in inds:
            rows = [f"{u},{y},{rng.uniform(0, 100):.3f}" for u in units for y in range(2015, 2025)]
            (root / "custom" / f"{ind['id']}.csv").write_text("unit,year,value\n" + "\n".join(rows) + "\n")
    panel = tmp / "empty.parquet"
    pd.DataFrame({"unit": pd.Series([], dtype=object), "year": pd.Series([], dtype="int64"),
                  "variable": pd.Series([], dtype=object), "value": pd.Series([], dtype="float64"),
                  "source": pd.Series([], dtype=object)}).to_parquet(panel)
    return root, panel


def child(args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + sys) of one child process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    run = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), run.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MARC_PARSE_CACHE"] = str(Path(tmp) / "parse-store")
        root, panel = build(Path(tmp))
        n_csv = len(list((root / "custom").glob("*.csv")))
        runs: dict[str, list[tuple[float, float]]] = {"first": [], "process": [], "warm": []}

        def timed(kind: str):
            t, c = time.perf_counter(), time.process_time()
            fw = load_framework(root)
            runs[kind].append((time.perf_counter() - t, time.process_time() - c))
            return fw

        for _ in range(7):
            parsestore.clear()
            parsecache.clear()
            timed("first")
            parsecache.clear()
            timed("process")
            fw = timed("warm")
        assert len(fw.custom) == n_csv * 600
        print(f"load_framework, {len(fw.indicators)} indicators, {n_csv} custom CSVs ({len(fw.custom):,} values):")
        labels = {"first": "first ever (nothing stored)        ", "process": "first in a process (store filled) ",
                  "warm": "warm (unchanged folder again)     "}
        for kind, label in labels.items():
            wall, cpu = [x[0] for x in runs[kind]], [x[1] for x in runs[kind]]
            print(f"  {label} median {statistics.median(wall) * 1e3:6.1f} ms (min {min(wall) * 1e3:6.1f}), "
                  f"CPU median {statistics.median(cpu) * 1e3:6.1f} ms   target < 30 ms")

        out = Path(tmp) / "scores.csv"
        args = ["score", "--framework", str(root), "--panel", str(panel), "--out", str(out)]
        probe = ("import runpy, sys; sys.argv = ['marc', *{args!r}]\n"
                 "try:\n    runpy.run_module('marc', run_name='__main__', alter_sys=True)\nexcept SystemExit:\n    pass\n"
                 "print('HEAVY', [m for m in {heavy!r} if m in sys.modules])").format(args=args, heavy=HEAVY)
        score, first, floor = [], [], []
        child(["-m", "marc", *args])  # fills the parse store
        for k in range(7):
            floor.append(child(["-c", "import pandas"]))
            score.append(child(["-m", "marc", *args]))
            if k < 3:
                parsestore.clear()
                first.append(child(["-m", "marc", *args]))
        heavy = child(["-c", probe])[2].split("HEAVY", 1)[1].strip()
        med = lambda xs, k: statistics.median(x[k] for x in xs)  # noqa: E731
        print(f"marc score end to end (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
        print(f"  parse store filled: wall median {med(score, 0):.2f} s (min {min(x[0] for x in score):.2f}), "
              f"CPU median {med(score, 1):.2f} s   target <= 1.0 s wall")
        print(f"  first ever run:     wall median {med(first, 0):.2f} s (min {min(x[0] for x in first):.2f}), "
              f"CPU median {med(first, 1):.2f} s")
        print(f"  floor: python -c 'import pandas' wall median {med(floor, 0):.2f} s (min {min(x[0] for x in floor):.2f}), "
              f"CPU {med(floor, 1):.2f} s")
        print(f"  heavy modules imported on the score path: {heavy}")
        print(f"  scored rows: {len(pd.read_csv(out))}")


if __name__ == "__main__":
    main()
