"""``marc audit`` (coherence checks) and ``marc uncertainty`` (rank intervals, Sobol' indices)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from marc.cli import app
from marc.core.atomic import write_bytes
from marc.core.errors import MarcError
from marc.pipeline import project
from marc.reporting.export import write_table

console = Console(highlight=False)


def _outcome(framework: Optional[Path], year: Optional[int], mirror: Optional[Path], panel: Optional[Path] = None):
    """Scores only: the audit and the uncertainty analysis need no hazard layers.  With *panel*, that
    tidy panel (Parquet/CSV) is used instead of the pulled data, as ``marc score --panel``."""
    outcome = project.compute(framework or project.default_framework_dir(), years=[year] if year else "latest",
                              panel=project.read_panel_file(panel) if panel else None, mirror=mirror, hazards=False)
    return outcome, outcome.panel


def _write_tables(tables: dict[str, pd.DataFrame], out: Path, payload: dict | None = None) -> None:
    suffix = out.suffix.lower()
    if suffix == ".json" and payload is not None:
        write_bytes(out, (json.dumps(payload, indent=2, ensure_ascii=False, default=float) + "\n").encode("utf-8"))
    elif suffix == ".xlsx":
        from marc.reporting.spreadsheet import xlsx_bytes  # never a formula or a link from text cells

        write_bytes(out, xlsx_bytes({name[:31]: df for name, df in tables.items()}))
    elif suffix in (".csv", ".parquet"):
        write_table(next(iter(tables.values())), out)
    else:
        raise MarcError.single(out, "bad-extension", "--out must end in " + (".json, " if payload is not None else "")
                               + ".csv, .xlsx or .parquet")


def _fmt(x: float, digits: int = 2) -> str:
    return "–" if pd.isna(x) else f"{x:.{digits}f}"


@app.command("audit")
def audit_cmd(framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
              year: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
              strict: bool = typer.Option(False, "--strict", help="Exit with code 1 when any flag is raised."),
              out: Optional[Path] = typer.Option(None, "--out", help="Write the report: .json (all), .xlsx (one sheet per "
                                                                          "table) or .csv (the indicator table)."),
              threshold: float = typer.Option(0.9, help="|r| above which two indicators of a pillar are flagged."),
              face: bool = typer.Option(False, "--face", help="Face-validity report instead: top and bottom 15 of every "
                                                              "measure, the largest year-on-year moves with their cause, "
                                                              "correlations with ND-GAIN and INFORM."),
              first: int = typer.Option(2015, "--first", help="With --face: the first edition whose moves are examined."),
              mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Statistical coherence audit (JRC/OECD): correlations, Cronbach's alpha, PCA; flags double counting."""
    from marc.analysis.audit import audit

    if face:
        return _face(framework, first, out, mirror)

    if out is not None and out.suffix.lower() not in (".json", ".xlsx", ".csv"):
        raise MarcError.single(out, "bad-extension", "--out must end in .json, .xlsx or .csv")
    outcome, _ = _outcome(framework, year, mirror)
    report = audit(outcome.framework, outcome.results, outcome.years[-1], threshold=threshold)
    table = Table(title=f"Indicators, edition {report.year} ({report.n_units} units with an index score)")
    for col in ("indicator", "pillar", "n", "r with pillar", "r with index"):
        table.add_column(col, justify="right" if col not in ("indicator", "pillar") else "left")
    for row in report.indicators.itertuples():
        table.add_row(row.indicator, row.pillar, str(row.n), _fmt(row.r_pillar), _fmt(row.r_index))
    console.print(table)
    pillars = Table(title="Pillars")
    for col in ("pillar", "k", "n", "Cronbach's alpha", "PC1 explains", "eigenvalues > 1"):
        pillars.add_column(col, justify="left" if col == "pillar" else "right")
    for row in report.alpha.itertuples():
        ev = report.pca[report.pca["pillar"] == row.pillar]
        pillars.add_row(row.pillar, str(row.k), str(row.n), _fmt(row.alpha),
                        _fmt(ev["explained"].iloc[0] * 100, 0) + "%" if len(ev) else "–", str(int((ev["eigenvalue"] > 1).sum())))
    console.print(pillars)
    between = Table(title="Correlations between the pillars and the index")
    between.add_column("")
    for col in report.between.columns:
        between.add_column(str(col), justify="right")
    for name, row in report.between.iterrows():
        between.add_row(str(name), *(_fmt(v) for v in row))
    console.print(between)
    if report.skipped:
        console.print(f"Not tested (fewer than 10 values): {', '.join(report.skipped)}", markup=False)
    if not report.agreement.empty:
        agree = Table(title="Agreement between coders (Krippendorff's alpha, ordinal)")
        for col in ("expert slot", "cells coded twice", "coders", "alpha", "95% interval", "status"):
            agree.add_column(col, justify="left" if col in ("expert slot", "status") else "right")
        for row in report.agreement.itertuples(index=False):
            interval = f"{_fmt(row.ci_low)}–{_fmt(row.ci_high)}" if pd.notna(row.ci_low) else "–"
            agree.add_row(row.indicator, str(row.cells_multi), str(row.coders), _fmt(row.alpha), interval, row.status)
        console.print(agree)
    if out is not None:
        _write_tables(report.tables() if out.suffix.lower() != ".csv" else {"indicators": report.indicators}, out,
                      report.to_dict())
        console.print(f"Wrote {out}", markup=False)
    for flag in report.flags:
        console.print(f"FLAG [{flag.code}] {flag.message}", markup=False)
    console.print(f"{len(report.flags)} flag(s) raised." if report.flags else "Audit passed: no flags.", markup=False)
    if strict and report.flags:
        raise typer.Exit(1)


@app.command("uncertainty")
def uncertainty_cmd(framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/)."),
                    year: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
                    n: Optional[int] = typer.Option(None, "--n", min=1, help="Monte Carlo replications (default: the framework's, 1000)."),
                    seed: Optional[int] = typer.Option(None, help="Random seed (default: the framework's)."),
                    sobol: bool = typer.Option(False, "--sobol", help="Also compute Sobol' indices of the factor groups."),
                    sobol_n: Optional[int] = typer.Option(None, "--sobol-n", min=16, help="Sobol' base sample N (default: the framework's)."),
                    out: Optional[Path] = typer.Option(None, "--out", help="Per-unit table: .csv, .xlsx or .parquet; with --sobol "
                                                                                "the indices go to <name>-sobol<ext>."),
                    top: int = typer.Option(20, help="Rows to print."),
                    panel: Optional[Path] = typer.Option(None, help="Use this tidy panel (Parquet/CSV) instead of the pulled data."),
                    mirror: Optional[Path] = typer.Option(None, help="Mirror folder or bundle to pull missing sources from.")) -> None:
    """Monte Carlo rank intervals per unit (and optionally Sobol' sensitivity indices)."""
    from marc.analysis import sensitivity, uncertainty

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise MarcError.single(out, "bad-extension", "--out must end in .csv, .xlsx or .parquet")
    outcome, panel = _outcome(framework, year, mirror, panel)
    for text in outcome.framework.warnings:  # an older schema, panel rows left out (territories) ...
        Console(stderr=True, highlight=False).print(f"warning: {text}", markup=False)
    groups = outcome.countries.set_index("unit") if outcome.countries is not None else None
    units = sorted(outcome.results.components["unit"].unique())
    started = time.perf_counter()
    model = uncertainty.build(outcome.framework, panel, outcome.years[-1], groups=groups, units=units)
    result = uncertainty.run(outcome.framework, panel, model.year, n=n, seed=seed, model=model,
                             territories=outcome.territories["unit"] if outcome.territories is not None else ())
    seconds = time.perf_counter() - started
    summary = result.summary()
    if outcome.countries is not None and "name" in outcome.countries.columns:
        summary.insert(1, "name", summary["unit"].map(outcome.countries.set_index("unit")["name"]))
    table = Table(title=f"Rank intervals, edition {result.year}: {result.replications} replications, seed {result.seed}")
    for col in ("rank", "unit", "score", "median rank", "5–95% rank", "5–95% score", "mean |shift|"):
        table.add_column(col, justify="left" if col == "unit" else "right")
    for row in summary.head(top).itertuples():
        table.add_row(_fmt(row.rank, 0), row.unit, _fmt(row.score, 1), _fmt(row.median_rank, 0),
                      f"{_fmt(row.rank_p05, 0)}–{_fmt(row.rank_p95, 0)}", f"{_fmt(row.score_p05, 1)}–{_fmt(row.score_p95, 1)}",
                      _fmt(row.mean_abs_rank_shift, 1))
    console.print(table)
    console.print(f"Factors sampled: {', '.join(result.factors) or 'none'}. Mean absolute rank shift over units: "
                  f"{result.rank_shift().mean():.2f}. {seconds:.2f} s.", markup=False)
    for note in result.notes:
        console.print(f"note: {note}", markup=False)
    if out is not None:
        write_table(summary, out)
        console.print(f"Wrote {out}", markup=False)
    if sobol:
        n_base = sobol_n or model.settings.sobol.n
        runs = sensitivity.budget(n_base, len(model.factors))
        with console.status(f"Sobol': N = {n_base}, {len(model.factors)} factor groups, N(G + 2) = {runs:,} runs ..."):
            started = time.perf_counter()
            res = sensitivity.sobol(model, n_base, seed=seed)
            seconds = time.perf_counter() - started
        mars = res.for_output(sensitivity.MARS)
        st = Table(title=f"Sobol' indices of the mean absolute rank shift ({res.runs:,} runs, {seconds:.1f} s; "
                         f"±: {model.settings.sobol.confidence:.0%} CI)")
        for col in ("factor", "first order S1", "total ST"):
            st.add_column(col, justify="left" if col == "factor" else "right")
        for f, row in mars.iterrows():
            st.add_row(str(f), f"{row.S1:.3f} ± {row.S1_conf:.3f}", f"{row.ST:.3f} ± {row.ST_conf:.3f}")
        console.print(st)
        if out is not None:
            target = out.with_name(f"{out.stem}-sobol{out.suffix}")
            write_table(res.indices, target)
            console.print(f"Wrote {target}", markup=False)


def _console_width() -> int:
    return console.width


def _face(framework: Optional[Path], first: int, out: Optional[Path], mirror: Optional[Path]) -> None:
    """``marc audit --face``: print the face-validity report (marc.reporting.face)."""
    from marc.reporting.face import face_report
    from marc.scoring.ranking import rank_text

    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise MarcError.single(out, "bad-extension", "--out must end in .xlsx (every table) or .csv (the moves)")
    from rich.markup import escape

    console = Console(highlight=False, width=max(_console_width(), 170))
    outcome = project.compute(framework or project.default_framework_dir(), years=None, mirror=mirror)
    r = face_report(outcome, first=first)
    console.print(f"Face validity, edition {r.year} (offered editions end here); moves over {r.first}–{r.year}.",
                  markup=False)
    for metric, df in r.extremes.items():
        n = int(df["rank"].max()) if len(df) else 0
        n_ranked = int(outcome.table(r.year)[metric].notna().sum()) if metric in outcome.table(r.year) else n
        t = Table(title=f"{metric}: top and bottom 15 ({r.ties_at_first[metric]} at rank 1)")
        for col in ("end", "rank", "unit", "name", "score"):
            t.add_column(col, justify="right" if col == "score" else "left")
        for row in df.itertuples():
            t.add_row(row.end, rank_text(row.rank, n_ranked, row.n_tied), row.unit, escape(str(row.name)), _fmt(row.value, 1))
        console.print(t)
    moves = Table(title=f"Largest year-on-year moves of the index ({(r.moves['abs_change'] > r.threshold).sum()} above "
                        f"{r.threshold:g} points)")
    for col in ("unit", "editions", "change", "like-for-like", "composition", "cause"):
        moves.add_column(col, justify="right" if col in ("change", "like-for-like", "composition") else "left")
    for row in r.moves.head(max(25, int((r.moves["abs_change"] > r.threshold).sum()))).itertuples():
        moves.add_row(row.unit, f"{row.from_year}→{row.year}", f"{row.change:+.1f}", f"{row.like_for_like:+.1f}",
                      f"{row.composition:+.1f}", escape(row.cause))
    console.print(moves)
    console.print(f"95th percentile of each unit's largest move: {r.p95:.1f} points over {len(r.largest)} units; "
                  f"moves above {r.threshold:g} points without a cause: {len(r.unexplained())}.", markup=False)
    corr = Table(title="Correlations with external references")
    for col in ("reference", "our measure", "data year", "n", "Pearson", "Spearman", "expected sign"):
        corr.add_column(col, justify="right" if col in ("n", "Pearson", "Spearman") else "left")
    for row in r.correlations.itertuples():
        corr.add_row(row.reference, row.column, str(row.data_year), str(row.n), _fmt(row.pearson), _fmt(row.spearman),
                     row.expected)
    console.print(corr)
    if out is not None:
        tables = {"moves": r.moves, "largest": r.largest, "correlations": r.correlations,
                  **{f"extremes_{k}": v for k, v in r.extremes.items()}}
        _write_tables(tables if out.suffix.lower() == ".xlsx" else {"moves": r.moves}, out)
        console.print(f"Wrote {out}", markup=False)
