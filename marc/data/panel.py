"""The tidy panel: one row per (unit, year, variable) with its value and source.

This is the contract between the data readers (``marc.data.readers``) and the scoring engine
(``marc.scoring.engine``).  Variables are named ``<dataset>/<code>``, for example
``wdi/EN.GHG.CO2.PC.CE.AR5`` or ``wgi/va``; ``source`` is the id of the entry in
``data/sources.yaml`` that the row was read from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from marc.core.errors import MarcError, Problem

PANEL_COLUMNS = ["unit", "year", "variable", "value", "source"]


def empty_panel() -> pd.DataFrame:
    """An empty panel with the right dtypes."""
    return pd.DataFrame(
        {
            "unit": pd.Series(dtype="string"),
            "year": pd.Series(dtype="int64"),
            "variable": pd.Series(dtype="string"),
            "value": pd.Series(dtype="float64"),
            "source": pd.Series(dtype="string"),
        }
    )


def validate_panel(df: pd.DataFrame, origin: str = "panel") -> pd.DataFrame:
    """Check the panel contract and return a normalised copy.

    Raises :class:`MarcError` naming the origin and the offending rows for missing columns,
    non-numeric values, non-integer years or duplicate (unit, year, variable) rows.
    """
    missing = [c for c in PANEL_COLUMNS if c not in df.columns]
    if missing:
        raise MarcError.single(origin, "panel-columns", f"missing column(s) {missing}; a panel needs {PANEL_COLUMNS}")
    out = df[PANEL_COLUMNS].copy()
    problems: list[Problem] = []

    value = pd.to_numeric(out["value"], errors="coerce")
    bad = value.isna() & out["value"].notna()
    for idx in out.index[bad][:10]:
        problems.append(
            Problem(origin, 0, 0, "non-numeric", f"row {idx}: value {out.at[idx, 'value']!r} for "
                    f"{out.at[idx, 'variable']} / {out.at[idx, 'unit']} is not a number; fix or remove it")
        )
    for idx in out.index[np.isinf(value.to_numpy(dtype="float64"))][:10]:  # inf, or a number too large for a float
        problems.append(Problem(origin, 0, 0, "non-finite", f"row {idx}: value {out.at[idx, 'value']!r} for "
                                f"{out.at[idx, 'variable']} / {out.at[idx, 'unit']} is not a finite number; fix or remove it"))
    year = pd.to_numeric(out["year"], errors="coerce")
    bad_year = year.isna() | (year != np.floor(year)) | (year < 1800) | (year > 2200)
    for idx in out.index[bad_year][:10]:
        problems.append(Problem(origin, 0, 0, "bad-year", f"row {idx}: year {out.at[idx, 'year']!r} is not a year "
                                "(a whole number from 1800 to 2200)"))
    if problems:
        raise MarcError(problems)

    out["value"] = value.astype("float64")
    out["year"] = year.astype("int64")
    for col in ("unit", "variable", "source"):
        out[col] = out[col].astype("string")

    dup = out.duplicated(["unit", "year", "variable"], keep=False)
    if dup.any():
        first = out[dup].sort_values(["variable", "unit", "year"]).head(5)
        rows = "; ".join(f"{r.variable} {r.unit} {r.year}" for r in first.itertuples())
        raise MarcError.single(origin, "duplicate-rows",
                               f"{int(dup.sum())} rows share a (unit, year, variable), e.g. {rows}; keep one value per key")
    return out.dropna(subset=["value"]).reset_index(drop=True)
