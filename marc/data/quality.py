"""The data-quality report: one row per source and variable.

Columns: ``source, variable, n_units, n_years, first_year, last_year, latest_year`` (last year
whose value is present for >= 50% of the countries in :func:`marc.data.countries.country_table`, or of
the variable's own units when it covers fewer), ``coverage_<year>`` for the last 10 years (share of
country-table countries with a value), ``n_missing_countries`` and ``missing_countries`` (countries
of the table with no value in ``last_year``), ``outliers`` (robust z = 0.6745 (x - median) / MAD > 5
in ``last_year``, as ``ISO3=value``), and ``unmatched`` (the names/codes of that source that could not
be harmonised, with their count).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from marc.data.countries import country_table
from marc.data.panel_build import PanelBuild

COVERAGE_YEARS = 10
ROBUST_Z = 5.0


def _outliers(values: pd.Series) -> list[str]:
    median = values.median()
    mad = (values - median).abs().median()
    if not np.isfinite(mad) or mad == 0:
        return []
    z = 0.6745 * (values - median) / mad
    hits = z[z.abs() > ROBUST_Z].sort_values(key=np.abs, ascending=False)
    return [f"{unit}={values[unit]:.4g}" for unit in hits.index]


def data_report(build: PanelBuild, countries: pd.DataFrame | None = None, root: Path | None = None) -> pd.DataFrame:
    """Coverage, missing countries, outliers and unmatched names per source and variable."""
    table = countries if countries is not None else country_table(root)
    reference = set(table["unit"].astype(str))
    panel = build.panel
    unmatched: dict[str, Counter] = {}
    for u in build.unmatched:
        unmatched.setdefault(u.source.split("/")[0], Counter())[u.raw or "(empty)"] += 1
    max_year = int(panel["year"].max()) if len(panel) else 0
    years = list(range(max_year - COVERAGE_YEARS + 1, max_year + 1))
    rows = []
    for (source, variable), group in panel.groupby(["source", "variable"], sort=True):
        by_year = group.groupby("year")["unit"].agg(lambda s: set(s) & reference)
        own = set(group["unit"])
        denominator = len(reference) if len(own & reference) >= 0.5 * len(reference) else max(len(own & reference), 1)
        covered = by_year.map(len) / denominator
        good = covered[covered >= 0.5]
        last_year = int(group["year"].max())
        latest = group[group["year"] == last_year].set_index("unit")["value"]
        missing = sorted(reference - set(latest.index))
        row = {
            "source": source, "variable": variable,
            "n_units": group["unit"].nunique(), "n_years": group["year"].nunique(),
            "first_year": int(group["year"].min()), "last_year": last_year,
            "latest_year": int(good.index.max()) if len(good) else None,
            **{f"coverage_{y}": round(float(len(by_year.get(y, set())) / len(reference)), 3) for y in years},
            "n_missing_countries": len(missing), "missing_countries": " ".join(missing),
            "outliers": " ".join(_outliers(latest)),
            "unmatched": "; ".join(f"{raw} (x{n})" for raw, n in sorted(unmatched.get(source, Counter()).items())),
        }
        rows.append(row)
    return pd.DataFrame(rows)
