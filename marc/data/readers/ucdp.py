"""UCDP/PRIO Armed Conflict Dataset (v23.1, 1946-2022).

One row per conflict-year; ``gwno_loc`` lists the Gleditsch-Ward numbers of the countries whose
territory the conflict is located in, possibly several (``"651, 666"``).  Historical states map to
their successor (see :data:`marc.data.countries.GW_OVERRIDES`).

* ``ucdp/active_conflict``: 1 in each year at least one conflict (>= 25 battle deaths) is located
  in the country;
* ``ucdp/war``: 1 in each year a conflict located there reached intensity level 2 (>= 1,000 deaths).

"No record" means none: zeros are emitted explicitly for every country of
:func:`marc.data.countries.base_units` (and any country found in the file) for every year of the file's
range (1946-2022 in v23.1); years after the last year are missing, not 0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import base_units, gw_to_iso3
from marc.data.readers.base import ReaderResult, explicit_zeros, finish, numeric, require

SOURCE = "ucdp_prio_acd"


def read(folder: Path, units: list[str] | None = None) -> ReaderResult:
    path = require(folder, SOURCE, "UcdpPrioConflict_*.csv")[-1]
    where = path.name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    if missing := {"year", "intensity_level", "gwno_loc"} - set(raw.columns):
        raise MarcError.single(SOURCE, "ucdp-columns", f"{where}: missing column(s) {sorted(missing)}")
    rows = [str(i + 2) for i in range(len(raw))]
    year = numeric(raw["year"], SOURCE, f"{where} column year", rows=rows)
    intensity = numeric(raw["intensity_level"], SOURCE, f"{where} column intensity_level", rows=rows)
    bad = year.isna() | ~intensity.isin([1.0, 2.0])
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise MarcError.single(SOURCE, "ucdp-row", f"{where} row {rows[i]}: year {raw['year'].iloc[i]!r} / "
                               f"intensity_level {raw['intensity_level'].iloc[i]!r} (expected a year and 1 or 2)")
    locations, unmatched = gw_to_iso3(raw["gwno_loc"], f"{SOURCE}/{where}", rows)
    events = pd.DataFrame({"unit": locations, "year": year.astype(int), "war": intensity == 2}).explode("unit")
    events = events[events["unit"].notna()]
    years = range(int(year.min()), int(year.max()) + 1)
    universe = sorted(set(units or base_units()) | set(events["unit"]))
    frames = [explicit_zeros(events, universe, years, "ucdp/active_conflict"),
              explicit_zeros(events[events["war"]], universe, years, "ucdp/war")]
    notes = [f"{SOURCE}: zeros emitted for {len(universe)} countries, {years.start}-{years.stop - 1}"]
    return ReaderResult(SOURCE, finish(frames, SOURCE), unmatched, [], notes)
