"""The tables every export carries: scores, indicators, method, sources (licence, citation), hazards, and the
framework's identity (short hash; whether it is the default) with the citation line.

Plain DataFrames over an :class:`marc.pipeline.project.Outcome`; the writers (CSV, XLSX, GeoJSON/GPKG, maps) are
:mod:`marc.reporting.export`, :mod:`marc.reporting.export_xlsx` and :mod:`marc.reporting.export_gis`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from marc.core.errors import MarcError
from marc.pipeline.project import ROOT, Outcome
from marc.reporting import spreadsheet

NON_OPEN_FLAG = "NOT an open licence: check the terms before reuse"
#: panel datasets (variable prefixes) read for context, hazards and briefs besides the indicators
CONTEXT_DATASETS = ("ucdp/", "pko/", "gcf/", "informcc/", "inform/")


# --------------------------------------------------------------------------- framework identity


@lru_cache(maxsize=4)
def default_digest(folder: str | None = None) -> str | None:
    """Digest of the repository's default framework (``indicators/``), or None when it cannot load."""
    from marc.method.loader import load_framework

    try:
        return load_framework(Path(folder) if folder else ROOT / "indicators").digest
    except MarcError:
        return None


def framework_label(outcome: Outcome) -> str:
    """``"MARC default framework 87ab1525f3"`` or a warning naming a non-default framework's hash."""
    digest = outcome.framework.digest
    if digest == default_digest():
        return f"MARC default framework {digest}"
    return f"NON-DEFAULT framework {digest} (differs from the default {default_digest() or 'unavailable'})"


def marc_version() -> str:
    """The installed MARC version (``dev`` in a source checkout that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("marc")
    except PackageNotFoundError:
        return "dev"


def is_default(outcome: Outcome) -> bool:
    return outcome.framework.digest == default_digest()


def edition(outcome: Outcome, year: int | None) -> int:
    """The edition to export: *year* if scored, else the outcome's latest."""
    if year is None:
        return int(outcome.years[-1])
    have = set(outcome.results.components["year"].unique())
    if year not in have:
        raise MarcError.single("--year", "bad-edition", f"edition {year} is not scored; choose one of "
                               f"{min(have)}–{max(have)} (run with years=None to score every edition)")
    return int(year)


# --------------------------------------------------------------------------- tables


def scores_table(outcome: Outcome, year: int | None = None) -> pd.DataFrame:
    """The wide scores (name, rank, percentile, pillars, exposure, priority, flags), one row per unit."""
    table = outcome.table(edition(outcome, year))
    if outcome.countries is not None:
        groups = outcome.countries.set_index("unit")
        for col in ("region", "income_group", "ldc", "sids", "non_annex_i"):
            if col in groups.columns and col not in table.columns:
                table[col] = table["unit"].map(groups[col])
    table["framework"] = outcome.framework.digest
    return table


def indicators_table(outcome: Outcome, year: int | None = None) -> pd.DataFrame:
    """The tidy indicator table with provenance (raw value, data year, flags, source) for one edition."""
    y = edition(outcome, year)
    out = outcome.tidy(y).copy()
    names = {i.id: i.name for i in outcome.framework.indicators}
    out.insert(3, "indicator_name", out["indicator"].map(names))
    if outcome.countries is not None:
        out.insert(1, "name", out["unit"].map(outcome.countries.set_index("unit")["name"]))
    out["framework"] = outcome.framework.digest
    return out.sort_values(["unit", "parent", "indicator"], ignore_index=True)


def method_table(outcome: Outcome) -> pd.DataFrame:
    """The method as rows: every component and indicator with weight, aggregation, transform, normalisation."""
    fw = outcome.framework
    rows = [{"level": "index", "id": fw.index.id, "name": fw.index.name, "parent": "", "weight": fw.index.weight,
             "method": f"{fw.index.aggregation} mean; min coverage {fw.index.min_coverage:g}; "
                       f"max imputed share {fw.index.max_imputed_share:g}", "rationale": fw.index.description.strip()}]
    for cid, comp in fw.components.items():
        rows.append({"level": fw.roles.get(cid, "component"), "id": cid, "name": comp.name,
                     "parent": fw.parents.get(cid, ""), "weight": comp.weight,
                     "method": f"{comp.aggregation} mean; min coverage {comp.min_coverage:g}",
                     "rationale": comp.description.strip()})
    for ind in fw.indicators:
        miss = fw.missing_policy(ind)
        norm = _describe(ind.normalise.model_dump(mode="json", by_alias=True, exclude_none=True)) if ind.normalise else ""
        transform = _describe(ind.transform.model_dump(mode="json", by_alias=True, exclude_none=True))
        rows.append({"level": "indicator (expert-coded)" if ind.kind == "expert" else "indicator", "id": ind.id,
                     "name": ind.name, "parent": fw.parents.get(ind.id, ind.parent or ""), "weight": ind.weight,
                     "source": ind.source or ind.expression or f"expert/{ind.id}", "unit": ind.unit,
                     "direction": str(ind.direction), "transform": str(transform or "none"),
                     "normalise": norm or "none", "missing": f"{miss.policy} (max {miss.max_years} years)",
                     "max_lag": fw.max_lag(ind), "method": "", "rationale": ind.rationale.strip(),
                     "caveat": ind.caveat.strip(), "references": "; ".join(ind.references)})
    return pd.DataFrame(rows)


def _describe(spec: dict) -> str:
    """A declared option as short text: ``goalposts min 0 max 1``, ``change years 10 kind percent``."""
    parts = [str(spec.pop("method"))] if "method" in spec else []
    for key, value in spec.items():
        parts.append(f"{key} ({_describe(dict(value))})" if isinstance(value, dict) else f"{key} {value}")
    return " ".join(parts)


def used_sources(outcome: Outcome, extra: tuple[str, ...] = ()) -> list[str]:
    """Source ids behind the scores, hazards and context (plus *extra*), in registry order."""
    ids = {part.strip() for text in outcome.results.indicators["source"].dropna().astype(str).unique()
           for part in text.split(";")} | set(extra)  # a derived indicator lists its sources "a; b"
    if outcome.panel is not None:
        p = outcome.panel
        ids |= set(p.loc[p["variable"].str.startswith(CONTEXT_DATASETS), "source"].astype(str))
    config = outcome.hazards
    if config is not None:
        ids.add(config.population.dataset)
        for layer in config.layers:
            if layer.enabled and layer.source is not None:
                ids.add(layer.source.dataset)
            elif layer.enabled and layer.variable and outcome.panel is not None:
                ids |= set(outcome.panel.loc[outcome.panel["variable"] == layer.variable, "source"].astype(str))
    if outcome.countries is not None:
        ids.add("country_groups")
    from marc.data.sources import load_registry

    return [s for s in load_registry().sources if s in ids]


def sources_table(ids: list[str]) -> pd.DataFrame:
    """Licence and citation of each source; ``licence_flag`` marks non-open licences."""
    from marc.data.sources import load_registry

    reg = load_registry()
    rows = []
    for sid in ids:
        s = reg.get(sid)
        rows.append({"source": sid, "title": s.title, "publisher": s.publisher, "licence": s.licence,
                     "open_licence": s.open_licence, "licence_flag": "" if s.open_licence else NON_OPEN_FLAG,
                     "redistribution": s.redistribution, "commercial_use": s.commercial_use,
                     "citation": " ".join(s.citation.split()),
                     "url": s.homepage or (s.urls[0].url if s.urls else "")})
    return pd.DataFrame(rows, columns=["source", "title", "publisher", "licence", "open_licence", "licence_flag",
                                       "redistribution", "commercial_use", "citation", "url"])


# --------------------------------------------------------------------------- writers (bytes)


def csv_bytes(outcome: Outcome, year: int | None = None, tidy: bool = False, raw: bool = False) -> bytes:
    """The scores (or the tidy indicator table) as CSV: no comment lines; text cells escaped unless *raw*."""
    table = indicators_table(outcome, year) if tidy else scores_table(outcome, year)
    return spreadsheet.csv_bytes(table, raw=raw)


def hazards_table(outcome: Outcome, year: int | None = None) -> pd.DataFrame | None:
    """The hazard layers (0–100) of every unit as of the edition (latest year at or before it)."""
    hz = outcome.hazard_table
    if hz is None or hz.empty:
        return None
    y = edition(outcome, year)
    rows = hz[hz["year"] <= y].sort_values("year").groupby("unit").tail(1)
    return rows.sort_values("unit", ignore_index=True)


def cite_as(outcome: Outcome, year: int | None = None) -> str:
    """The footer of every brief and export: version, edition, framework and data lock."""
    return (f"cite as: MARC v{marc_version()}, edition {edition(outcome, year)}, framework {outcome.framework.digest}, "
            f"data lock {_lock() or 'unknown'}")


# --------------------------------------------------------------------------- maps


def _lock() -> str | None:
    from marc.pipeline.release import data_lock_digest

    return data_lock_digest()
