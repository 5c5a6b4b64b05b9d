"""Security-sector proxies (SOURCES.md entries 9a-9c): police, peace-operation contributions, Sendai DRR.

* ``unsd_minset_female_police`` (9a): UNODC UN-CTS "share of female police officers" as compiled by
  UNSD for the Minimum Set of Gender Indicators (IV.4), a tab-separated series file (2019 release,
  2004-2017) -> ``unodc/female_police_share`` (%).  Police only.
* ``un_pko_contribution_ranks_2021-01`` (9b): UN DPO uniformed personnel by contributing country and
  sex, 31 January 2021 -> ``unpko/uniformed_personnel`` (persons) and ``unpko/female_share_deployed``
  (%, only where at least :data:`MIN_DEPLOYED` are deployed: shares of a handful of people say
  nothing).  Countries absent from the list contributed no one; the indicator declares that with
  ``absent_means`` and ``applies_to: un_member``.
* ``unsd_sdg_drr_ddf_2020_MODIFIED`` (9c): UNSD Global SDG Database series in Gapminder's DDF layout
  (M49 codes) -> ``sdg/<SERIES>`` for the Sendai-aligned national DRR strategy score (SG_DSR_LGRGSR,
  0-1), local DRR strategies (SG_DSR_SILS, %), disaster deaths and affected per 100,000
  (VC_DSR_MTMP, VC_DSR_DAFF).

Each reader checks the layout it knows (the columns of the files in the mirror) and fails with a
located message naming the file and the columns it expected: the publishers' current downloads
(the UNODC data portal's xlsx, HDX's monthly ``odp_contributionsbygender.csv``, the SDG API's CSV)
are laid out differently and are not read yet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pycountry

from marc.core.errors import MarcError
from marc.data.countries import Unmatched, iso3_from_codes
from marc.data.readers.base import ReaderResult, finish, numeric, require

POLICE = "unsd_minset_female_police"
PKO = "un_pko_contribution_ranks_2021-01"
SDG = "unsd_sdg_drr_ddf_2020_MODIFIED"
MIN_DEPLOYED = 50
SDG_SERIES = {"sg_dsr_lgrgsr": "SG_DSR_LGRGSR", "sg_dsr_sils": "SG_DSR_SILS", "vc_dsr_mtmp": "VC_DSR_MTMP",
              "vc_dsr_daff": "VC_DSR_DAFF"}


def _columns(df: pd.DataFrame, needed: set[str], source: str, path: Path, layout: str) -> None:
    if missing := needed - set(df.columns):
        raise MarcError.single(f"{source}/{path.name}", "unknown-layout",
                               f"missing column(s) {sorted(missing)}: MARC reads the {layout} layout (columns "
                               f"{sorted(needed)}); this file is laid out differently. Use the mirror's copy or "
                               "convert the file to that layout")


def _rows(n: int) -> list[str]:
    return [str(i + 2) for i in range(n)]


def read_police(folder: Path) -> ReaderResult:
    path = require(folder, POLICE, "*__IV_4__*.csv")[0]
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    _columns(df, {"ISO3", "TIME_PERIOD", "SEX", "OBS_VALUE", "UNIT_MEASURE"}, POLICE, path,
             "UNSD Minimum Set series (tab-separated)")
    df["_row"] = _rows(len(df))
    result = ReaderResult(POLICE)
    other = df[(df["SEX"] != "F") | (df["UNIT_MEASURE"] != "PT")]
    if len(other):
        result.notes.append(f"{POLICE}: {len(other)} rows not 'female, percent' skipped")
    df = df[(df["SEX"] == "F") & (df["UNIT_MEASURE"] == "PT")]
    res = iso3_from_codes(df["ISO3"].tolist(), f"{POLICE}/{path.name}", df["_row"].tolist())
    result.unmatched.extend(res.unmatched)
    df = df.assign(unit=res.iso3)[[u is not None for u in res.iso3]]
    value = numeric(df["OBS_VALUE"], POLICE, path.name, rows=df["_row"])
    year = numeric(df["TIME_PERIOD"], POLICE, path.name, rows=df["_row"])
    out = pd.DataFrame({"unit": df["unit"].to_numpy(), "year": year.astype("int64").to_numpy(),
                        "variable": "unodc/female_police_share", "value": value.to_numpy()})
    result.panel = finish([out.dropna(subset=["value"])], POLICE)
    return result


def read_pko_contributions(folder: Path) -> ReaderResult:
    path = require(folder, PKO, "*.csv")[0]
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    _columns(df, {"ISOCode3", "Female_Personnel", "Male_Personnel", "Total_Uniformed_Personnel", "Last_Reporting_Date"},
             PKO, path, "UN DPO contribution ranking (Rank.csv / odp_contributionranks.csv)")
    df["_row"] = _rows(len(df))
    result = ReaderResult(PKO)
    res = iso3_from_codes(df["ISOCode3"].tolist(), f"{PKO}/{path.name}", df["_row"].tolist())
    result.unmatched.extend(res.unmatched)
    df = df.assign(unit=res.iso3)[[u is not None for u in res.iso3]]
    when = pd.to_datetime(df["Last_Reporting_Date"], format="%d-%b-%y", errors="coerce")
    if when.isna().any():
        i = int(when.isna().to_numpy().nonzero()[0][0])
        raise MarcError.single(f"{PKO}/{path.name}", "bad-date", f"row {df['_row'].iloc[i]}: reporting date "
                               f"{df['Last_Reporting_Date'].iloc[i]!r} is not of the form 31-Jan-21")
    female, male, total = (numeric(df[c], PKO, path.name, rows=df["_row"])
                           for c in ("Female_Personnel", "Male_Personnel", "Total_Uniformed_Personnel"))
    if (off := (female + male - total).abs() > 0.5).any():
        result.notes.append(f"{PKO}: female + male differs from the total in {int(off.sum())} rows")
    small = total < MIN_DEPLOYED
    result.notes.append(f"{PKO}: female share left missing for {int(small.sum())} contributors with fewer than "
                        f"{MIN_DEPLOYED} uniformed personnel")
    years = when.dt.year.astype("int64").to_numpy()
    frames = [pd.DataFrame({"unit": df["unit"].to_numpy(), "year": years, "variable": "unpko/uniformed_personnel",
                            "value": total.to_numpy()}),
              pd.DataFrame({"unit": df["unit"].to_numpy(), "year": years, "variable": "unpko/female_share_deployed",
                            "value": (100.0 * female / total).where(~small).to_numpy()}).dropna(subset=["value"])]
    result.panel = finish(frames, PKO)
    return result


M49_EXTRA = {412: "XKX"}  # Kosovo: UNSD's code, outside ISO 3166


def m49_to_iso3(code: str) -> str | None:
    """ISO3 of an M49 numeric country code (None for regions and unknown codes)."""
    try:
        if int(code) in M49_EXTRA:
            return M49_EXTRA[int(code)]
        country = pycountry.countries.get(numeric=f"{int(code):03d}")
    except (TypeError, ValueError):
        return None
    return country.alpha_3 if country is not None else None


def read_sdg(folder: Path) -> ReaderResult:
    result = ReaderResult(SDG)
    frames = []
    for stem, series in SDG_SERIES.items():
        path = require(folder, SDG, f"ddf--datapoints--{stem}--by--geo_area*.csv")[0]
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        _columns(df, {"geo_area", "year", stem}, SDG, path, "Gapminder DDF datapoints")
        df["_row"] = _rows(len(df))
        iso = [m49_to_iso3(c) for c in df["geo_area"]]
        for code, row, hit in zip(df["geo_area"], df["_row"], iso):
            if hit is None:
                result.unmatched.append(Unmatched(f"{SDG}/{path.name}", code, row))
        df = df.assign(unit=iso)[[u is not None for u in iso]]
        value = numeric(df[stem], SDG, path.name, rows=df["_row"])
        year = numeric(df["year"], SDG, path.name, rows=df["_row"])
        frames.append(pd.DataFrame({"unit": df["unit"].to_numpy(), "year": year.astype("int64").to_numpy(),
                                    "variable": f"sdg/{series}", "value": value.to_numpy()}).dropna(subset=["value"]))
    result.panel = finish(frames, SDG)
    return result
