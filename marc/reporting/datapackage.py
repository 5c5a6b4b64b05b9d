"""``datapackage.json`` (Frictionless Data Package) beside MARC's CSV files: one resource per file,
with field types, units, the licences of the sources used and whether spreadsheet escaping applied."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from marc.core.atomic import write_text
from marc.reporting import spreadsheet

NAME = "datapackage.json"
MARC_LICENCE = {"name": "MIT", "path": "https://opensource.org/licenses/MIT",
                "title": "MARC software: MIT licence (pyproject.toml); the data behind the scores keep their sources' "
                         "licences (see each resource's sources)"}


def field_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    values = series.dropna()
    if len(values) and values.map(lambda v: isinstance(v, bool)).all():
        return "boolean"
    return "string"


def column_unit(name: str, index_ids: set[str]) -> str | None:
    """The unit of a MARC table column, from its name."""
    if name in index_ids or name.startswith("ind:") or name in ("score", "exposure", "priority", "gap", "score_p05",
                                                                 "score_p95") or name.startswith("hazard_"):
        return "score 0-100 (higher = more ready; exposure and priority: higher = more exposed / higher priority)"
    if name in ("coverage", "imputed_share", "coverage_intended", "security_coverage"):
        return "share 0-1"
    if name in ("rank", "rank_p05", "rank_p95", "mean_rank", "median_rank"):
        return "rank (1 = highest score; ties share the best rank)"
    if name == "percentile":
        return "percentile 0-100"
    if name == "year" or name.endswith("_year"):
        return "calendar year"
    if name == "raw_value":
        return "see the measure_unit column of the same row"
    return None


def resource(frame: pd.DataFrame, path: str, *, index_ids: set[str], raw: bool, sources: pd.DataFrame | None,
             description: str = "") -> dict:
    fields = []
    for col in frame.columns:
        f = {"name": str(col), "type": field_type(frame[col])}
        unit = column_unit(str(col), index_ids)
        if unit:
            f["unit"] = unit
        fields.append(f)
    escaped = [] if raw else spreadsheet.text_columns(frame)
    res = {"name": Path(path).stem.lower().replace(" ", "-"), "path": path, "profile": "tabular-data-resource",
           "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "description": description,
           "schema": {"fields": fields, "missingValues": [""]},
           "spreadsheetEscaping": {
               "applied": not raw, "columns": escaped, "prefix": spreadsheet.PREFIX,
               "triggers": list(spreadsheet.TRIGGERS),
               "note": ("text cells starting with = + - @ tab or CR are prefixed with a single quote (OWASP CSV "
                        "injection); numeric columns are never changed; strip the leading quote of such cells, or "
                        "write with --raw-csv, for machine use") if not raw else "not applied (--raw-csv)"}}
    if sources is not None and len(sources):
        res["sources"] = [{"title": r.title, "path": r.url, "licence": r.licence} for r in sources.itertuples()]
    return res


def write(folder: Path, resources: list[dict], *, name: str = "marc-export", title: str = "MARC export",
          extra: dict | None = None) -> Path:
    """Write (or update) ``<folder>/datapackage.json``: resources with the same path are replaced."""
    path = Path(folder) / NAME
    package = {"profile": "tabular-data-package", "name": name, "title": title, "licenses": [MARC_LICENCE],
               "resources": []}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(old, dict) and isinstance(old.get("resources"), list):
                package["resources"] = [r for r in old["resources"] if isinstance(r, dict)]
        except (OSError, ValueError):
            pass  # an unreadable descriptor is replaced (and backed up by the atomic write)
    paths = {r["path"] for r in resources}
    package["resources"] = [r for r in package["resources"] if r.get("path") not in paths] + resources
    package.update(extra or {})
    write_text(path, json.dumps(package, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    return path
