"""Exports for proposal writers: score tables (CSV/XLSX), boundaries with scores (GeoJSON/GPKG) and
maps (PNG/SVG via vl-convert, self-contained HTML).

Every export carries the framework it was scored with (short hash, and whether it is the default)
and the sources it used, with licence and citation; non-open licences are flagged.  Each writer
returns ``bytes`` (for a download button); :func:`export` writes them atomically to a file.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pandas as pd

from marc.core.atomic import write_bytes
from marc.core.errors import MarcError
from marc.pipeline.project import Outcome
from marc.reporting import spreadsheet
from marc.reporting.export_tables import (  # noqa: F401  (the export API: tables and framework identity)
    CONTEXT_DATASETS,
    NON_OPEN_FLAG,
    _lock,
    cite_as,
    csv_bytes,
    default_digest,
    edition,
    framework_label,
    hazards_table,
    indicators_table,
    is_default,
    marc_version,
    method_table,
    scores_table,
    sources_table,
    used_sources,
)

FORMATS = ("csv", "xlsx", "geojson", "gpkg", "png", "svg", "html")


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
    from marc.core.i18n import t, tr
    from marc.method.framework import name_in

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

    from marc.core.i18n import t
    from marc.data import boundaries, sources

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
