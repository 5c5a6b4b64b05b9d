"""The XLSX export for spreadsheet users: a README sheet first (what each sheet holds, framework hash,
edition, licence summary, the unit of every column), then scores, indicators, hazards, framework and
sources.  Values are stored unrounded and shown rounded through number formats; no string is ever
written as a formula or a link (:mod:`marc.reporting.spreadsheet`)."""

from __future__ import annotations

import io

import pandas as pd

from marc.pipeline.project import Outcome
from marc.reporting import spreadsheet
from marc.reporting.export_tables import (
    cite_as,
    edition,
    framework_label,
    hazards_table,
    indicators_table,
    method_table,
    scores_table,
    sources_table,
    used_sources,
)

SHEETS = {"README": "this sheet: what each sheet holds, the framework, the edition, licences and units",
          "scores": "one row per unit: MARC readiness, rank (competition ranking; ties share the best rank), pillars, "
                    "governance, coverage, exposure, priority and context flags",
          "indicators": "one row per unit and indicator: raw value and its unit, data year, transformed value, score, "
                        "flags (imputed, carried forward, group mean, capped) and source",
          "hazards": "hazard layers per unit (0-100, higher = more exposed), latest year at or before the edition",
          "framework": "the method: every component and indicator with weight, aggregation, transform, normalisation",
          "sources": "every source with publisher, licence (non-open flagged) and citation",
          "explain": "why each score: each pillar's and indicator's contribution against the median profile (marc explain)"}


def _readme(outcome: Outcome, y: int, src: pd.DataFrame, sheets: list[str]) -> pd.DataFrame:
    rows = [("MARC export", "Climate-crisis readiness of security sectors (Mitigation, Adaptation, Response, Cooperation)"),
            ("cite as", cite_as(outcome, y)), ("framework", framework_label(outcome)),
            ("framework hash", outcome.framework.digest), ("edition", y),
            ("edition rule", f"a score for year Y uses data dated in [Y - max_lag, Y] (default max_lag "
                             f"{outcome.framework.defaults.max_lag})"),
            ("published", f"{outcome.published_count(y)} units with a MARC readiness score"),
            ("licence", "MARC software: MIT licence. The data behind the scores keep their sources' licences (sources sheet); "
                        f"{int((~src['open_licence']).sum())} source(s) are under non-open terms: check them before reuse"),
            ("units", "scores 0-100 (higher = more ready; exposure and priority: higher = more exposed); coverage and "
                      "imputed share 0-1 (shown as %); ranks 1 = highest; raw values in the unit of measure_unit"),
            ("numbers", "values are stored unrounded and displayed rounded (number formats); no cell is a formula"),
            ("rank intervals", "scores sheet, rank_p05 and rank_p95: the 5th and 95th percentiles of the rank over the Monte "
                               "Carlo replications of the framework's uncertainty settings (weights, normalisation, "
                               "aggregation, missing data, indicator set, measurement error)"
             if "uncertainty" in outcome.extra else "not computed: export with --uncertainty 1000"),
            ("", "")]
    rows += [(f"sheet: {name}", SHEETS.get(name, "")) for name in sheets]
    return pd.DataFrame(rows, columns=["item", "value"])


def _unit_rows(frames: dict[str, pd.DataFrame], index_ids: set[str]) -> pd.DataFrame:
    """README: the unit of every column that has one (``ind:*`` columns share one row)."""
    from marc.reporting.datapackage import column_unit

    rows, seen = [], set()
    for sheet, frame in frames.items():
        for col in map(str, frame.columns):
            key = "ind:*" if col.startswith("ind:") else col
            unit = column_unit(col, index_ids)
            if unit and (sheet, key) not in seen:
                seen.add((sheet, key))
                rows.append((f"unit: {sheet}.{key}", unit))
    return pd.DataFrame(rows, columns=["item", "value"])


def _formats(book, sheet, frame: pd.DataFrame, index_ids: set[str]) -> None:
    """Display formats per column: scores 0.0, shares 0%, ranks and years 0, raw values 0.00##."""
    one, pct, whole, raw = (book.add_format({"num_format": f}) for f in ("0.0", "0%", "0", "#,##0.00##"))
    for i, col in enumerate(frame.columns):
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            continue
        name = str(col)
        fmt = (pct if name in ("coverage", "imputed_share", "coverage_intended", "security_coverage", "published_share")
               else whole if name in ("rank", "n_ranked", "year", "weight") or name.endswith(("_year", "rank_p05", "rank_p95"))
               else raw if name in ("raw_value", "transformed", "value", "military_expenditure") else one)
        sheet.set_column(i, i, max(10, min(28, len(name) + 2)), fmt)


def xlsx_bytes(outcome: Outcome, year: int | None = None) -> bytes:
    """README, scores, indicators (with provenance), hazards, framework (method) and sources; values unrounded,
    shown rounded; strings never converted to formulas or links."""
    y = edition(outcome, year)
    src = sources_table(used_sources(outcome, ("natural_earth",)))
    frames = {"scores": scores_table(outcome, y), "indicators": indicators_table(outcome, y)}
    hz = hazards_table(outcome, y)
    if hz is not None:
        frames["hazards"] = hz
    index_ids = {outcome.results.index_id, *outcome.framework.components}
    names = ["README", *frames, "framework", "sources", "explain"]
    buf = io.BytesIO()
    with spreadsheet.excel_writer(buf) as xl:
        book = xl.book
        bold, red = book.add_format({"bold": True}), book.add_format({"font_color": "#B00020", "bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        readme = pd.concat([_readme(outcome, y, src, names), _unit_rows(frames, index_ids)], ignore_index=True)
        readme.to_excel(xl, sheet_name="README", index=False)
        xl.sheets["README"].set_column(0, 0, 22, bold)
        xl.sheets["README"].set_column(1, 1, 110, wrap)
        for name, frame in frames.items():
            frame.to_excel(xl, sheet_name=name, index=False, freeze_panes=(1, 2))
            _formats(book, xl.sheets[name], frame, index_ids)
        method = method_table(outcome)
        method.to_excel(xl, sheet_name="framework", index=False)
        xl.sheets["framework"].set_column(0, 30, 22)
        src.to_excel(xl, sheet_name="sources", index=False)
        sheet = xl.sheets["sources"]
        sheet.set_column(0, 30, 28)
        flag_col = src.columns.get_loc("licence_flag")
        for r, flag in enumerate(src["licence_flag"], start=1):
            if flag:
                sheet.write_string(r, flag_col, flag, red)
        from marc.analysis import explain  # why each score: contributions against the median profile

        explain.write_sheet(xl, outcome, y)
        book.set_properties({"title": f"MARC export, edition {y}", "comments": cite_as(outcome, y)})
    return buf.getvalue()
