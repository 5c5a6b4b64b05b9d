"""Exports for proposal writers: score tables (CSV/XLSX), boundaries with scores (GeoJSON/GPKG) and
maps (PNG/SVG via vl-convert, self-contained HTML).

Every export carries the framework it was scored with (short hash, and whether it is the default)
and the sources it used, with licence and citation; non-open licences are flagged.  Each writer
returns ``bytes`` (for a download button); :func:`export` writes them atomically to a file.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache
from pathlib import Path

import pandas as pd

from marc.reporting import spreadsheet
from marc.core.atomic import write_bytes
from marc.core.errors import MarcError
from marc.pipeline.project import ROOT, Outcome

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "png", "svg", "html")
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


def metric_values(outcome: Outcome, year: int | None, metric: str) -> pd.Series:
    """One value per unit for *metric*: the index, a component, exposure, priority or a hazard layer."""
    y = edition(outcome, year)
    table = scores_table(outcome, y).set_index("unit")
    if metric in table.columns and metric not in ("name", "year"):
        return pd.to_numeric(table[metric], errors="coerce")
    hz = outcome.hazard_table
    if hz is not None and metric in hz.columns:
        rows = hz[hz["year"] <= y].sort_values("year").groupby("unit").tail(1)
        return rows.set_index("unit")[metric].astype(float)
    choices = [outcome.results.index_id, *outcome.framework.components, "exposure", "priority"]
    raise MarcError.single("--metric", "unknown-metric", f"unknown metric {metric!r}; use one of {', '.join(choices)}"
                           + (" or a hazard layer id" if hz is not None else ""))


def metric_label(outcome: Outcome, metric: str, lang: str = "en") -> str:
    from marc.method.framework import name_in
    from marc.core.i18n import t, tr

    fw = outcome.framework
    if metric == fw.index.id:
        return name_in(fw.index.name, lang)
    if metric in fw.components:
        return name_in(fw.components[metric].name, lang)
    if outcome.hazards is not None:
        for layer in outcome.hazards.layers:
            if layer.id == metric:
                return tr(layer.label, lang, "hazard")
    return t(f"metric_{metric}", lang) if metric in ("exposure", "priority") else metric


def map_chart(outcome: Outcome, year: int | None = None, metric: str = "readiness", width: int = 900, lang: str = "en"):
    """An Altair world map of *metric* on a grey base (no data stays grey), built from GeoJSON features;
    titles and legend in *lang*, sources named by publisher, with the cite-as line."""
    import altair as alt

    from marc.data import boundaries, sources
    from marc.core.i18n import t

    y = edition(outcome, year)
    values = metric_values(outcome, y, metric)
    shapes = boundaries.display_geojson(boundaries.countries(sources.source_dir("natural_earth")))
    features = []
    for f in shapes["features"]:
        v = values.get(f["properties"]["unit"])
        props = {**f["properties"], "value": None if v is None or pd.isna(v) else round(float(v), 1)}
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    label = metric_label(outcome, metric, lang)
    publishers = list(dict.fromkeys(sources_table(used_sources(outcome, ("natural_earth",)))["publisher"]))
    framework = (t("framework_default", lang, digest=outcome.framework.digest) if is_default(outcome) else
                 t("framework_custom", lang, digest=outcome.framework.digest, default=default_digest() or "?"))
    subtitle = [t("map_subtitle", lang, year=y, framework=framework),
                *textwrap.wrap(t("map_sources", lang, sources="; ".join(publishers)), 150),
                t("cite_as", lang, version=marc_version(), edition=y, framework=outcome.framework.digest,
                  lock=_lock() or t("unknown", lang))]
    base = alt.Chart(alt.Data(values=features)).mark_geoshape(fill="#d9d9d9", stroke="white", strokeWidth=0.3)
    readiness_like = metric == outcome.results.index_id or metric in outcome.framework.components
    scheme = "blues" if readiness_like else "orangered"  # darker = more ready / more exposed
    layer = (alt.Chart(alt.Data(values=features)).mark_geoshape(stroke="white", strokeWidth=0.3)
             .transform_filter("isValid(datum.properties.value)")
             .encode(color=alt.Color("properties.value:Q", title=f"{label} (0–100)",
                                     scale=alt.Scale(domain=[0, 100], scheme=scheme, type="quantize", nice=False),
                                     legend=alt.Legend(orient="bottom-left")),
                     tooltip=[alt.Tooltip("properties.name:N", title=t("col_country", lang)),
                              alt.Tooltip("properties.value:Q", title=label, format=".1f")]))
    return ((base + layer).project("equalEarth")
            .properties(width=width, height=int(width * 0.5),
                        title=alt.TitleParams(f"{label}, {y}", subtitle=subtitle, anchor="start"))
            .configure_view(stroke=None))


def _lock() -> str | None:
    from marc.pipeline.release import data_lock_digest

    return data_lock_digest()


def map_bytes(outcome: Outcome, fmt: str, year: int | None = None, metric: str = "readiness", lang: str = "en") -> bytes:
    """The map as PNG, SVG (vl-convert, offline) or self-contained HTML (JavaScript inlined)."""
    import vl_convert as vlc

    chart = map_chart(outcome, year, metric, lang=lang)
    locale = "fr-FR" if lang == "fr" else "en-US"
    if fmt == "png":
        return vlc.vegalite_to_png(chart.to_json(), scale=2, format_locale=locale)
    if fmt == "svg":
        return vlc.vegalite_to_svg(chart.to_json(), format_locale=locale).encode("utf-8")
    if fmt == "html":
        buf = io.StringIO()
        chart.save(buf, format="html", inline=True)
        return buf.getvalue().encode("utf-8")
    raise MarcError.single("--format", "bad-format", f"maps are png, svg or html, not {fmt!r}")


def export_bytes(outcome: Outcome, fmt: str, year: int | None = None, metric: str = "readiness",
                 tidy: bool = False, raw: bool = False, lang: str = "en") -> bytes:
    """Any export format as bytes (what the app's download buttons serve)."""
    fmt = fmt.lower()
    if fmt == "csv":
        return csv_bytes(outcome, year, tidy, raw)
    if fmt == "xlsx":
        from marc.reporting.export_xlsx import xlsx_bytes

        return xlsx_bytes(outcome, year)
    if fmt in ("geojson", "gpkg"):
        from marc.reporting import export_gis

        return export_gis.geojson_bytes(outcome, year) if fmt == "geojson" else export_gis.gpkg_bytes(outcome, year)
    if fmt in ("png", "svg", "html"):
        return map_bytes(outcome, fmt, year, metric, lang)
    raise MarcError.single("--format", "bad-format", f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def export(outcome: Outcome, fmt: str, out: Path, year: int | None = None, metric: str = "readiness",
           tidy: bool = False, raw: bool = False, lang: str = "en") -> Path:
    """Write one export atomically (the file it replaces is backed up); a CSV gets a ``datapackage.json`` beside it."""
    data = export_bytes(outcome, fmt, year, metric, tidy, raw, lang)
    write_bytes(Path(out), data)
    if fmt.lower() == "csv":
        table = indicators_table(outcome, year) if tidy else scores_table(outcome, year)
        describe_csv(outcome, table, Path(out), raw=raw,
                     description=("tidy indicator table with provenance" if tidy else "scores per unit") + "; " + cite_as(outcome, year))
    return Path(out)


def write_table(table: pd.DataFrame, out: Path, *, raw: bool = False, outcome: Outcome | None = None) -> Path:
    """``marc score --out``: CSV (escaped unless *raw*, with datapackage.json), XLSX (no formulas) or Parquet."""
    import io as _io

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_bytes(out, spreadsheet.csv_bytes(table, raw=raw))
        describe_csv(outcome, table, out, raw=raw, description="marc score output" + (
            "; " + cite_as(outcome) if outcome is not None else ""))
    elif suffix == ".xlsx":
        write_bytes(out, spreadsheet.xlsx_bytes({"scores": table}))
    elif suffix == ".parquet":
        buf = _io.BytesIO()
        table.to_parquet(buf, index=False)
        write_bytes(out, buf.getvalue())
    else:
        raise MarcError.single(out, "bad-extension", "use .csv, .xlsx or .parquet")
    return out


def describe_csv(outcome: Outcome | None, table: pd.DataFrame, out: Path, *, raw: bool, description: str = "") -> Path:
    """Add (or replace) the resource of the CSV *out* in ``datapackage.json`` beside it."""
    from marc.reporting import datapackage

    src = sources_table(used_sources(outcome)) if outcome is not None else None
    ids = {outcome.results.index_id, *outcome.framework.components} if outcome is not None else set()
    res = datapackage.resource(table, Path(out).name, index_ids=ids, raw=raw, sources=src, description=description)
    return datapackage.write(Path(out).parent, [res])
