"""ND-GAIN Country Index (University of Notre Dame), the ``resources/`` tree of a release.

Every file is wide (``ISO3, Name, 1995 ... 2020``).  Values are kept as published: GAIN is 0-100;
readiness, vulnerability and their components are 0-1; indicator ``score`` files are 0-1 and
``raw`` files are in the indicator's own unit.

Variables:

* ``ndgain/gain``; ``ndgain/readiness`` and ``ndgain/readiness.<economic|governance|social>``;
  ``ndgain/vulnerability`` and ``ndgain/vulnerability.<exposure|sensitivity|capacity|food|water|
  health|ecosystems|habitat|infrastructure>``;
* ``ndgain/<id_xxxx_nn>.score`` and ``ndgain/<id_xxxx_nn>.raw`` for each ``indicators/id_*`` folder
  (lower-case ids).

Directions: vulnerability and all its components are higher-is-worse; in particular
``vulnerability.capacity`` measures *lack* of adaptive capacity (Chad 0.89, Norway 0.21).
``readiness.governance`` contains WGI items (ID_GOVE_01..04), so do not count it with WGI.
Where an indicator file lists a country twice (``id_econ_01``: "Brazil" and "Brazil São Paulo"),
the first (national) row is used and the other is noted.  ``*_delta`` (GDP-adjusted) and ``trends/`` files are not read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import iso3_from_codes
from marc.data.readers.base import ReaderResult, finish, long_from_wide, require

SOURCE = "nd_gain"
COMPONENTS = {
    "gain/gain.csv": "gain",
    "readiness/readiness.csv": "readiness",
    **{f"readiness/{c}.csv": f"readiness.{c}" for c in ("economic", "governance", "social")},
    "vulnerability/vulnerability.csv": "vulnerability",
    **{f"vulnerability/{c}.csv": f"vulnerability.{c}" for c in (
        "exposure", "sensitivity", "capacity", "food", "water", "health", "ecosystems", "habitat", "infrastructure")},
}


def _files(folder: Path) -> list[tuple[Path, str]]:
    root = folder / "resources" if (folder / "resources").is_dir() else folder
    require(root, SOURCE, "gain/gain.csv")
    out = []
    for rel, name in COMPONENTS.items():
        if not (root / rel).exists():
            raise MarcError.single(SOURCE, "source-files-missing", f"{root / rel} is missing; run `marc pull {SOURCE}`")
        out.append((root / rel, name))
    for ind in sorted((root / "indicators").glob("id_*")):
        for kind in ("score", "raw"):
            if (ind / f"{kind}.csv").exists():
                out.append((ind / f"{kind}.csv", f"{ind.name.lower()}.{kind}"))
    return out


def read(folder: Path) -> ReaderResult:
    result = ReaderResult(SOURCE)
    frames = []
    for path, name in _files(Path(folder)):
        where = str(path.relative_to(folder))
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "ISO3" not in raw.columns:
            raise MarcError.single(SOURCE, "ndgain-columns", f"{where}: no ISO3 column")
        raw["_row"] = [str(i + 2) for i in range(len(raw))]
        res = iso3_from_codes(raw["ISO3"].tolist(), f"{SOURCE}/{where}", raw["_row"].tolist())
        result.unmatched.extend(res.unmatched)
        result.aggregates.extend(res.aggregates)
        raw["unit"] = res.iso3
        dup = raw["unit"].notna() & raw.duplicated("unit", keep="first")
        if dup.any():  # e.g. id_econ_01 lists "Brazil" and "Brazil São Paulo" (Doing Business cities)
            for row_id, unit, label in zip(raw.loc[dup, "_row"], raw.loc[dup, "unit"], raw.loc[dup, "Name"]):
                result.notes.append(f"{SOURCE}: {where} row {row_id}: second row for {unit} "
                                    f"({label!r}) ignored; the first (national) row is used")
            raw = raw[~dup]
        frames.append(long_from_wide(raw[raw["unit"].notna()], "unit", f"ndgain/{name}", SOURCE, where))
    result.panel = finish(frames, SOURCE)
    result.aggregates = sorted(set(result.aggregates))
    return result
