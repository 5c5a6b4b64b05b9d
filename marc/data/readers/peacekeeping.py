"""UN peacekeeping missions (UN Peace and Security Data Hub) with a mission -> host crosswalk.

The missions file gives start and end dates (HQ coordinates use decimal commas and are not
needed here); the crosswalk (``unpko_country_crosswalk_REPO_AUTHOR_DERIVED.xlsx``, made by a
third party, not the UN) maps each mission acronym to host-country ISO3 codes.

* ``pko/host``: 1 in each year a mission was active in the country (start year .. end year), 0
  otherwise, emitted for every country of :func:`marc.data.countries.base_units` from the first mission
  year to the snapshot year (the file's ``last_update``, 2024);
* ``pko/years_since_end``: in each year, the years since the most recent end of a mission in that
  country (0 in the year it ended); missing before any mission there ended.  A country can host
  another, still active mission at the same time (see ``pko/host``).

**Correction**: MINUSMA (Mali) is still flagged active in the 2024-02-19 snapshot although it
closed on 31 December 2023 (UN Security Council resolution 2690 (2023)); its end is set to
2023-12-31 (:data:`END_DATE_CORRECTIONS`).  Missions without a start date are skipped and noted.
Active missions without an end date run to the snapshot year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.data.countries import base_units, iso3_from_codes
from marc.data.readers.base import ReaderResult, explicit_zeros, finish, require

SOURCE = "un_peacekeeping_missions"
END_DATE_CORRECTIONS = {"MINUSMA": "2023-12-31"}


def read(folder: Path, units: list[str] | None = None) -> ReaderResult:
    folder = Path(folder)
    missions_path = require(folder, SOURCE, "DPPADPOSS-PKO.csv")[0]
    cross_path = require(folder, SOURCE, "unpko_country_crosswalk*.xlsx")[0]
    result = ReaderResult(SOURCE)
    missions = pd.read_csv(missions_path, dtype=str, keep_default_na=False)
    if missing := {"mission_acronym", "start_date", "end_date", "last_update"} - set(missions.columns):
        raise MarcError.single(SOURCE, "pko-columns", f"{missions_path.name}: missing column(s) {sorted(missing)}")
    missions["_row"] = [str(i + 2) for i in range(len(missions))]
    snapshot = pd.to_datetime(missions["last_update"].replace("", None), errors="coerce").max()
    snapshot_year = int(snapshot.year) if pd.notna(snapshot) else pd.Timestamp.now().year
    for acronym, end in END_DATE_CORRECTIONS.items():
        hit = missions["mission_acronym"] == acronym
        if hit.any() and missions.loc[hit, "end_date"].eq("").all():
            missions.loc[hit, "end_date"] = end
            result.notes.append(f"{SOURCE}: {acronym} flagged active in the snapshot; end date corrected to {end}")
    start = pd.to_datetime(missions["start_date"].replace("", None), errors="coerce")
    end = pd.to_datetime(missions["end_date"].replace("", None), errors="coerce")
    bad = (start.isna() & missions["start_date"].ne("")) | (end.isna() & missions["end_date"].ne(""))
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise MarcError.single(SOURCE, "bad-date", f"{missions_path.name} row {missions['_row'].iloc[i]}: start/end date "
                               f"{missions['start_date'].iloc[i]!r}/{missions['end_date'].iloc[i]!r} is not YYYY-MM-DD")
    for acronym in missions.loc[start.isna(), "mission_acronym"]:
        result.notes.append(f"{SOURCE}: {acronym} has no start date; skipped")
    missions = missions.assign(start=start.dt.year, end=end.dt.year)[start.notna()]

    cross = pd.read_excel(cross_path, dtype=str)
    cross["_row"] = [str(i + 2) for i in range(len(cross))]
    res = iso3_from_codes(cross["iso3c"].tolist(), f"{SOURCE}/{cross_path.name}", cross["_row"].tolist())
    result.unmatched.extend(res.unmatched)
    cross = cross.assign(unit=res.iso3)[[u is not None for u in res.iso3]]
    hosted = missions.merge(cross[["mission_acronym", "unit"]], on="mission_acronym", how="inner")
    for acronym in sorted(set(missions["mission_acronym"]) - set(cross["mission_acronym"])):
        result.notes.append(f"{SOURCE}: mission {acronym} has no host country in the crosswalk")

    active = [(u, y) for u, s, e in zip(hosted["unit"], hosted["start"], hosted["end"])
              for y in range(int(s), int(e if pd.notna(e) else snapshot_year) + 1)]
    ones = pd.DataFrame(active, columns=["unit", "year"]).drop_duplicates()
    first = int(missions["start"].min())
    years = range(first, snapshot_year + 1)
    universe = sorted(set(units or base_units()) | set(ones["unit"]))
    frames = [explicit_zeros(ones, universe, years, "pko/host")]

    ended = hosted[hosted["end"].notna() & (hosted["end"] <= snapshot_year)]
    since = []
    for unit, ends in ended.groupby("unit")["end"]:
        ends = sorted(int(e) for e in ends)
        for y in range(ends[0], snapshot_year + 1):
            since.append((unit, y, float(y - max(e for e in ends if e <= y))))
    frames.append(pd.DataFrame(since, columns=["unit", "year", "value"]).assign(variable="pko/years_since_end"))
    result.notes.append(f"{SOURCE}: pko/* emitted {first}-{snapshot_year} (snapshot {snapshot.date() if pd.notna(snapshot) else '?'})")
    result.panel = finish(frames, SOURCE)
    return result
