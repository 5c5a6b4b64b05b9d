"""Country identity: every source's codes and names harmonised to ISO 3166-1 alpha-3.

Three kinds of input are handled:

* **codes** (World Bank / ISO3-like): checked against pycountry, with the World Bank's legacy codes
  mapped by :data:`CODE_OVERRIDES` (ZAR->COD, ROM->ROU, TMP->TLS, KSV->XKX, WBG->PSE, ADO->AND, ...);
* **Gleditsch-Ward numbers** (UCDP ``gwno_*``, possibly multi-valued ``"651, 666"``): through
  country_converter's ``GWcode`` column, with historical states mapped to their successor by
  :data:`GW_OVERRIDES` (North/South Vietnam -> VNM, North/South Yemen -> YEM, ...);
* **names only** (INFORM Climate Change, SIPRI, GCF): footnote symbols are stripped, then
  :data:`NAME_OVERRIDES` and country_converter's regular expressions are tried.

Aggregates (World, regions, income and lending groups, EU) are dropped *explicitly* and listed; any
other value that cannot be matched is returned as an :class:`Unmatched` record, never dropped
silently.  Kosovo uses the World Bank's user-assigned code ``XKX`` (not in ISO 3166).

country_converter 1.3 cannot build its default table under pandas 3 (Namibia's ``NA`` becomes NaN),
so its bundled ``country_data.tsv`` is loaded here with ``keep_default_na=False`` and handed over.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import country_converter as coco
import pandas as pd
import pycountry

log = logging.getLogger(__name__)

#: World Bank (and WGI) legacy or non-ISO economy codes -> ISO3.
CODE_OVERRIDES: dict[str, str] = {
    "ZAR": "COD",  # Congo, Dem. Rep. (pre-1997 code, still used by WGI)
    "ROM": "ROU",  # Romania (pre-2002 ISO code)
    "TMP": "TLS",  # Timor-Leste (East Timor)
    "KSV": "XKX",  # Kosovo (WGI) -> World Bank user-assigned XKX
    "WBG": "PSE",  # West Bank and Gaza
    "ADO": "AND",  # Andorra
    "IMY": "IMN",  # Isle of Man (older WDI code)
    "YAR": "YEM",  # Yemen Arab Republic (UN peacekeeping crosswalk) -> Yemen
}

#: Units accepted although pycountry does not list them.
EXTRA_UNITS: dict[str, str] = {"XKX": "Kosovo"}

#: Display names where neither pycountry's common name nor country_converter's is readable.
DISPLAY_NAMES: dict[str, str] = {"FSM": "Micronesia", "RUS": "Russia"}

#: World Bank aggregate codes (regions, income and lending groups, demographic groups, EU ...).
AGGREGATE_CODES: frozenset[str] = frozenset(
    "AFE AFR AFW ARB CEB CSS EAP EAR EAS ECA ECS EMU EUU FCS HIC HPC IBD IBT IDA IDB IDX INX LAC LCN "
    "LDC LIC LMC LMY LTE MEA MIC MNA NAC OED OSS PRE PSS PST SAS SSA SSF SST TEA TEC TLA TMN TSA "
    "TSS UMC WLD".split()
)

#: Names of aggregates found in name-only tables (lower case).
AGGREGATE_NAMES: frozenset[str] = frozenset(
    {"world", "africa", "americas", "asia", "asia & oceania", "europe", "oceania", "middle east",
     "north africa", "sub-saharan africa", "central america and the caribbean", "north america",
     "south america", "east asia", "south asia", "south east asia", "south-east asia", "central asia",
     "central europe", "western europe", "eastern europe", "central and western europe",
     "east europe", "european union", "multiple", "global"}
)

#: Gleditsch-Ward numbers of historical states -> successor ISO3 (documented choice).
GW_OVERRIDES: dict[str, str] = {
    "260": "DEU",  # German Federal Republic (West Germany)
    "265": "DEU",  # German Democratic Republic
    "315": "CZE",  # Czechoslovakia
    "345": "SRB",  # Yugoslavia / Serbia and Montenegro
    "347": "XKX",  # Kosovo
    "365": "RUS",  # Russia / USSR
    "678": "YEM",  # Yemen Arab Republic (North Yemen)
    "680": "YEM",  # People's Republic of Yemen (South Yemen)
    "816": "VNM",  # Democratic Republic of Vietnam (North)
    "817": "VNM",  # Republic of Vietnam (South)
    "711": "CHN",  # Tibet (1946-1950)
    "751": "IND",  # Hyderabad (1948)
}

#: Names country_converter's regular expressions miss or get wrong (lower case keys).
NAME_OVERRIDES: dict[str, str] = {
    "kosovo": "XKX",
    "türkiye": "TUR",
    "turkiye": "TUR",
    "congo, dr": "COD",
    "congo, democratic republic of": "COD",
    "dr congo": "COD",
    "congo, republic of": "COG",
    "korea, north": "PRK",
    "korea, south": "KOR",
    "state of palestine": "PSE",
    "palestine": "PSE",
    "micronesia": "FSM",
    "eswatini": "SWZ",
    "cabo verde": "CPV",
    "timor leste": "TLS",
    "côte d’ivoire": "CIV",
}

_FOOTNOTES = re.compile(r"[\*†‡§¶#¤]+\d*|\(\s*[a-z]\s*\)|\[\s*\w+\s*\]|\s+\d+$")


@dataclass(frozen=True, order=True)
class Unmatched:
    """A code or name a reader could not harmonise (kept and reported, never silently dropped)."""

    source: str
    raw: str
    row: str  # row number in the raw file, or a locator such as "sheet!row" / "file:row"


@dataclass
class Resolution:
    """The outcome of harmonising a column: one ISO3 (or None) per input value."""

    iso3: list[str | None]
    unmatched: list[Unmatched] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def converter() -> coco.CountryConverter:
    """country_converter with its bundled table loaded pandas-3-safely."""
    path = Path(coco.__file__).with_name("country_data.tsv")
    data = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    data["ISO2"] = data["ISO2"].fillna("")
    data["regex"] = data["regex"].fillna("^$")
    return coco.CountryConverter(country_data=data)


@functools.lru_cache(maxsize=1)
def _iso3_set() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.countries) | frozenset(EXTRA_UNITS)


@functools.lru_cache(maxsize=1)
def _gw_table() -> dict[str, str]:
    data = converter().data[["GWcode", "ISO3"]].dropna()
    table = {str(int(float(g))): iso for g, iso in zip(data["GWcode"], data["ISO3"]) if str(g).strip()}
    table.update(GW_OVERRIDES)
    return table


def _rows(rows: Sequence[object] | None, n: int) -> list[str]:
    return [str(r) for r in rows] if rows is not None else [str(i + 1) for i in range(n)]


def _resolve(values: Sequence[object], source: str, rows: Sequence[object] | None, one) -> Resolution:
    """Resolve unique values once with ``one(raw) -> (iso3 | None, is_aggregate)``."""
    out: list[str | None] = []
    unmatched: list[Unmatched] = []
    aggregates: set[str] = set()
    cache: dict[str, tuple[str | None, bool]] = {}
    row_ids = _rows(rows, len(values))
    for raw, row in zip(values, row_ids):
        key = "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw).strip()
        if key not in cache:
            cache[key] = one(key) if key else (None, False)
        iso, is_agg = cache[key]
        if is_agg:
            aggregates.add(key)
        elif iso is None:
            unmatched.append(Unmatched(source, key, row))
        out.append(iso)
    if unmatched:
        log.info("%s: %d unmatched value(s), e.g. %s", source, len(unmatched), unmatched[0].raw)
    return Resolution(out, unmatched, sorted(aggregates))


def code_to_iso3(code: str) -> tuple[str | None, bool]:
    """One World Bank / ISO3-like code -> (ISO3 or None, is_aggregate)."""
    c = code.strip().upper()
    if c in AGGREGATE_CODES:
        return None, True
    c = CODE_OVERRIDES.get(c, c)
    return (c, False) if c in _iso3_set() else (None, False)


def clean_name(name: str) -> str:
    """Strip footnote symbols and markers (SIPRI ``"Algeria §4"``, ``"Yemen*"``) and spaces."""
    return re.sub(r"\s+", " ", _FOOTNOTES.sub("", name)).strip(" ,")


@functools.lru_cache(maxsize=4096)
def name_to_iso3(name: str) -> tuple[str | None, bool]:
    """One country name -> (ISO3 or None, is_aggregate)."""
    clean = clean_name(name)
    low = clean.lower()
    if not clean:
        return None, False
    if low in AGGREGATE_NAMES:
        return None, True
    if low in NAME_OVERRIDES:
        return NAME_OVERRIDES[low], False
    if re.fullmatch(r"[A-Za-z]{3}", clean):
        iso, agg = code_to_iso3(clean)
        if iso or agg:
            return iso, agg
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    found = converter().convert(clean, to="ISO3", not_found=None)
    if isinstance(found, list):  # ambiguous: several regexes matched
        return None, False
    return (found, False) if found in _iso3_set() else (None, False)


def iso3_from_codes(codes: Sequence[object], source: str, rows: Sequence[object] | None = None) -> Resolution:
    """Harmonise World Bank / ISO3-like codes (legacy codes mapped, aggregates dropped and listed)."""
    return _resolve(codes, source, rows, code_to_iso3)


def iso3_from_names(names: Sequence[object], source: str, rows: Sequence[object] | None = None) -> Resolution:
    """Harmonise country names (footnote symbols stripped; aggregates dropped and listed)."""
    return _resolve(names, source, rows, name_to_iso3)


def gw_to_iso3(values: Iterable[object], source: str, rows: Sequence[object] | None = None
               ) -> tuple[list[list[str]], list[Unmatched]]:
    """Harmonise Gleditsch-Ward numbers; each value may list several (``"651, 666"``).

    Returns one list of ISO3 per input value, plus the unmatched numbers.
    """
    table = _gw_table()
    values = list(values)
    row_ids = _rows(rows, len(values))
    out: list[list[str]] = []
    unmatched: list[Unmatched] = []
    for raw, row in zip(values, row_ids):
        isos: list[str] = []
        for part in re.split(r"[,;]", "" if raw is None or pd.isna(raw) else str(raw)):
            part = part.strip()
            if not part:
                continue
            key = str(int(float(part))) if re.fullmatch(r"\d+(\.0)?", part) else part
            if key in table:
                isos.append(table[key])
            else:
                unmatched.append(Unmatched(source, part, row))
        out.append(sorted(set(isos)))
    return out, unmatched


@functools.lru_cache(maxsize=1)
def _un_member_codes() -> frozenset[str]:
    """country_converter's UNmember column, read straight from its bundled table (no converter built)."""
    path = Path(coco.__file__).with_name("country_data.tsv")
    data = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, usecols=["ISO3", "UNmember"], encoding="utf-8")
    return frozenset(data.loc[data["UNmember"].str.strip() != "", "ISO3"])


def un_members() -> set[str]:
    """The 193 UN member states (country_converter's UNmember column)."""
    return set(_un_member_codes())


def base_units() -> list[str]:
    """The reference set of countries: the 193 UN member states plus Palestine (PSE) and Kosovo (XKX)."""
    return sorted(un_members() | {"PSE", "XKX"})


def short_name(iso3: str) -> str:
    """A readable English short name ("Côte d'Ivoire", "Bolivia", "South Korea")."""
    if iso3 in DISPLAY_NAMES or iso3 in EXTRA_UNITS:
        return DISPLAY_NAMES.get(iso3) or EXTRA_UNITS[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    name = getattr(country, "common_name", None) or country.name
    if "," in name:  # "Korea, Republic of" -> country_converter's short name
        found = converter().convert(iso3, src="ISO3", to="name_short", not_found=None)
        name = found if isinstance(found, str) else name
    return name


def _default_root() -> Path:
    from marc.data.sources import cache_root  # the one definition of where the cache lives

    return cache_root()


def _groups(folder: Path, name: str) -> set[str]:
    path = folder / "data" / name
    if not path.exists():
        return set()
    return {str(c).strip().upper() for c in pd.read_csv(path, dtype=str, keep_default_na=False)["Code"]}


def _inform_regions(path: Path) -> pd.DataFrame:
    regions = pd.read_excel(path, sheet_name="Regions", header=1, dtype=str)
    regions = regions.rename(columns={"ISO3": "unit", "WB Region": "region", "WB IncomeGroup": "income_group"})
    return regions.dropna(subset=["unit"])[["unit", "region", "income_group"]]


def _wdi_regions(folder: Path) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(folder.rglob("Metadata_Country_*.csv"))[:1]]
    if not frames:
        return pd.DataFrame(columns=["unit", "region", "income_group"])
    meta = frames[0].rename(columns={"Country Code": "unit", "Region": "region", "IncomeGroup": "income_group"})
    meta["unit"] = [code_to_iso3(c)[0] for c in meta["unit"]]
    meta = meta[(meta["region"] != "") & meta["unit"].notna()]
    return meta[["unit", "region", "income_group"]]


def country_table(root: Path | None = None, units: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per country of :func:`base_units`: unit, name, region, income_group, ldc, sids, lldc,
    non_annex_i, annex_i, un_member and, when the Paris Agreement status list is present, unfccc_party.

    ``root`` is the folder holding the source folders (default: env ``MARC_DATA_DIR`` or
    ``data/cache``).  Region and income group are the World Bank's, taken from the INFORM Risk
    2025 "Regions" sheet and, for countries INFORM lacks, from the WDI country metadata; group
    flags come from ``country_groups`` (UN LDC, SIDS, LLDC lists and UNFCCC non-Annex I).  Missing
    folders leave the columns empty/False rather than failing.  *units* replaces the reference set
    (for example with territories, :mod:`marc.data.territories`).
    """
    root = Path(root) if root is not None else _default_root()
    table = pd.DataFrame({"unit": sorted(units) if units is not None else base_units()})
    table["name"] = [short_name(u) for u in table["unit"]]
    parts = []
    inform = root / "inform_risk" / "inform_risk_2025_v070.xlsx"
    if inform.exists():
        parts.append(_inform_regions(inform))
    if (root / "wb_wdi_api_csv").exists():
        parts.append(_wdi_regions(root / "wb_wdi_api_csv"))
    if parts:
        regions = pd.concat(parts).drop_duplicates("unit", keep="first")
        table = table.merge(regions, on="unit", how="left")
    else:
        table["region"] = pd.NA
        table["income_group"] = pd.NA
    groups = root / "country_groups"
    for column, file in (("ldc", "ldc.csv"), ("sids", "sids.csv"), ("lldc", "lldc.csv"),
                         ("non_annex_i", "non-annex-one.csv"), ("annex_i", "annex-one.csv")):
        members = _groups(groups, file)
        table[column] = table["unit"].isin(members)
    table["un_member"] = table["unit"].isin(un_members())
    # UNFCCC Parties: the Paris Agreement status list (UN Treaty Collection) names every Party to the
    # Convention, whether or not it ratified the Agreement (Iran); a unit absent from it (Kosovo) is not a Party
    paris = root / "paris_agreement_status" / "data" / "paris-agreement-entry-into-force.csv"
    if paris.exists():
        codes = pd.read_csv(paris, dtype=str, keep_default_na=False).get("Code", pd.Series(dtype=str))
        table["unfccc_party"] = table["unit"].isin({code_to_iso3(c)[0] for c in codes})
    for col in ("unit", "name", "region", "income_group"):
        table[col] = table[col].astype("string")
    return table.sort_values("unit").reset_index(drop=True)
