"""What every reader returns, and the checks they share.

A reader takes the folder of one source (laid out like its mirror folder) and returns a
:class:`ReaderResult`: tidy panel rows (``unit, year, variable, value, source``, validated with
:func:`marc.data.panel.validate_panel`), every unmatched country name or code, the aggregates it dropped,
and notes on corrections it applied (placeholder zeros, a mission's end date ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from marc.core.errors import MarcError, Problem
from marc.data.countries import Unmatched
from marc.data.panel import empty_panel, validate_panel

#: Cell values that mean "no data" in the publishers' tables (WGI "..", SIPRI ". ." and "xxx",
#: INFORM "x", blank).  Anything else that is not a number is an error.
MISSING_MARKERS = frozenset({"", "..", ". .", "...", "x", "xxx", "nan", "NaN", "n/a", "N/A", "-", "None"})


@dataclass
class ReaderResult:
    """Rows of the tidy panel from one source, plus what could not be used and why."""

    source: str
    panel: pd.DataFrame = field(default_factory=empty_panel)
    unmatched: list[Unmatched] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sheet_rows(path: Path, sheet: str | None, source: str) -> tuple[str, list[tuple]]:
    """The name and the rows (cached values, not formulas) of *sheet* of the workbook at *path* (its
    first sheet when *sheet* is None); a located MarcError when the workbook has no such sheet."""
    import warnings

    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: unsupported Excel extensions
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            name = wb.sheetnames[0] if sheet is None else sheet
            if name not in wb.sheetnames:
                raise MarcError.single(source, "sheet-missing", f"{path.name}: no sheet {name!r} (has {wb.sheetnames})")
            rows = [tuple(r) for r in wb[name].iter_rows(values_only=True)]
        finally:
            wb.close()
    return name, rows


def require(folder: Path, source: str, *patterns: str) -> list[Path]:
    """The files matching each glob pattern under *folder*; a MarcError naming what is missing."""
    folder = Path(folder)
    found: list[Path] = []
    missing: list[str] = []
    for pattern in patterns:
        hits = sorted(folder.glob(pattern))
        if hits:
            found.extend(hits)
        else:
            missing.append(pattern)
    if missing:
        raise MarcError.single(source, "source-files-missing",
                               f"{folder} has no {', '.join(missing)}; run `marc pull {source}` "
                               f"(or `marc pull {source} --mirror DIR`) first")
    return found


def numeric(values: pd.Series, source: str, where: str, rows: Sequence[object] | None = None,
            what: Sequence[object] | None = None) -> pd.Series:
    """Parse *values* as float; publishers' missing markers become NaN.

    Any other non-numeric cell raises :class:`MarcError` naming the source, the file and the row
    (``rows`` gives row labels for the error; ``what`` optional context such as the column name).
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    # numbers already parsed (xlsx cells) are taken as they are: a round trip through text could
    # lose the last digit of a double; only text cells are parsed
    is_number = values.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).to_numpy()
    text = values.astype("string").str.strip()
    text[is_number] = pd.NA
    marker = (text.isna() & ~is_number) | text.isin(MISSING_MARKERS)
    parsed = pd.to_numeric(text.where(~marker), errors="coerce").astype("float64")
    parsed[is_number] = values[is_number].astype("float64")
    bad = parsed.isna() & ~marker & ~is_number
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        labels = list(rows) if rows is not None else [str(i) for i in values.index]
        ctx = list(what) if what is not None else None
        problems = [
            Problem(source, 0, 0, "non-numeric",
                    f"{where} row {labels[i]}{' ' + str(ctx[i]) if ctx else ''}: value {text.iloc[i]!r} is not a "
                    "number; fix the file (or re-download it with `marc pull`)")
            for i in positions[:10]
        ]
        if len(positions) > 10:
            problems.append(Problem(source, 0, 0, "non-numeric", f"{where}: {len(positions) - 10} more non-numeric values"))
        raise MarcError(problems)
    return parsed.astype("float64")


def finish(frames: Sequence[pd.DataFrame], source: str) -> pd.DataFrame:
    """Concatenate panel pieces, stamp the source, validate (duplicates -> MarcError) and drop NaN."""
    pieces = [f for f in frames if len(f)]
    if not pieces:
        return empty_panel()
    panel = pd.concat(pieces, ignore_index=True)
    panel["source"] = source
    return validate_panel(panel, origin=source)


def long_from_wide(wide: pd.DataFrame, unit_col: str, variable: str, source: str, where: str,
                   row_col: str = "_row") -> pd.DataFrame:
    """Melt a table with one column per year (``"1995"`` ... or ``1995.0``) into panel rows."""
    year_cols = [c for c in wide.columns if _as_year(c) is not None]
    long = wide.melt(id_vars=[unit_col, row_col], value_vars=year_cols, var_name="year", value_name="value")
    long["year"] = [_as_year(y) for y in long["year"]]
    long["value"] = numeric(long["value"], source, where, rows=long[row_col], what=long["year"])
    long = long.dropna(subset=["value"])
    return pd.DataFrame({"unit": long[unit_col].to_numpy(), "year": long["year"].astype("int64").to_numpy(),
                         "variable": variable, "value": long["value"].to_numpy()})


def _as_year(column: object) -> int | None:
    try:
        value = float(str(column).strip())
    except ValueError:
        return None
    return int(value) if value.is_integer() and 1900 <= value <= 2100 else None


def explicit_zeros(ones: pd.DataFrame, units: Sequence[str], years: range, variable: str) -> pd.DataFrame:
    """Rows for every (unit, year): 1 where *ones* has the pair, 0 elsewhere ("no record" means none)."""
    grid = pd.MultiIndex.from_product([sorted(set(units)), list(years)], names=["unit", "year"]).to_frame(index=False)
    hit = set(zip(ones["unit"], ones["year"]))
    grid["value"] = [1.0 if (u, y) in hit else 0.0 for u, y in zip(grid["unit"], grid["year"])]
    grid["variable"] = variable
    return grid[["unit", "year", "variable", "value"]]
