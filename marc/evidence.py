"""Expert-coded evidence and users' custom indicator CSVs.

Expert indicators (``kind: expert``) are read from ``<framework>/expert/<indicator id>.csv`` with the
columns in :data:`EXPERT_COLUMNS`: one row per unit and year, a level on the indicator's declared
ordinal scale, the evidence URL, who coded it, when, and with what confidence.  A missing file or an
empty one means "no data" (never zero).

Custom indicators come from ``<framework>/custom/<name>.csv`` with ``unit, year, value`` and become
the panel variable ``custom/<name>``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pycountry

from marc.atomic import write_text
from marc.errors import MarcError, Problem
from marc.framework import Indicator

EXPERT_COLUMNS = ["unit", "year", "value", "evidence_url", "coder", "date", "confidence"]
CUSTOM_COLUMNS = ["unit", "year", "value"]
CONFIDENCE = ("low", "medium", "high")
EXTRA_UNITS = {"XKX"}  # Kosovo: user-assigned code used by the World Bank and others
MAX_CUSTOM_BYTES = 5 * 1024 * 1024
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


def valid_unit(code: str) -> bool:
    """An ISO 3166-1 alpha-3 code (or XKX), or a subnational id of the form ISO3-xxx."""
    iso = code.split("-", 1)[0]
    return iso in EXTRA_UNITS or pycountry.countries.get(alpha_3=iso) is not None


def _read_csv(path: Path, columns: list[str], problems: list[Problem]) -> pd.DataFrame | None:
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(str(path), 1, 1, "encoding", "not UTF-8 text; save the CSV as UTF-8"))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(str(path), 1, 1, "csv-syntax", str(exc).splitlines()[0]))
        return None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        problems.append(Problem(str(path), 1, 1, "csv-columns", f"missing column(s) {missing}; expected {columns}"))
        return None
    return df


def validate_expert_rows(df: pd.DataFrame, ind: Indicator, path: str, first_line: int = 2) -> list[Problem]:
    """Check expert rows; line numbers count the header as line 1."""
    problems = []
    levels = set(ind.scale or {})
    for k, row in enumerate(df.itertuples(index=False)):
        line = first_line + k
        r = row._asdict()

        def bad(col: str, code: str, msg: str) -> None:
            problems.append(Problem(path, line, EXPERT_COLUMNS.index(col) + 1, code, msg))

        if not valid_unit(str(r["unit"]).strip()):
            bad("unit", "unknown-unit", f"{r['unit']!r} is not an ISO3 country code")
        try:
            year = int(str(r["year"]).strip())
            if not 1900 <= year <= 2100:
                raise ValueError
        except ValueError:
            bad("year", "bad-year", f"year {r['year']!r} is not a year")
        try:
            value = int(float(str(r["value"]).strip()))
            if value not in levels or float(str(r["value"])) != value:
                raise ValueError
        except ValueError:
            bad("value", "bad-value", f"value {r['value']!r} is not a level of the scale {sorted(levels)}")
        if not _URL.match(str(r["evidence_url"]).strip()):
            bad("evidence_url", "bad-url", "evidence_url must be an http(s) link to the evidence")
        if not str(r["coder"]).strip():
            bad("coder", "missing-value", "coder is required")
        try:
            date.fromisoformat(str(r["date"]).strip())
        except ValueError:
            bad("date", "bad-date", f"date {r['date']!r} is not an ISO date (YYYY-MM-DD)")
        if str(r["confidence"]).strip() not in CONFIDENCE:
            bad("confidence", "bad-value", f"confidence must be one of {CONFIDENCE}")
    dup = df.duplicated(["unit", "year"], keep="first")
    for k in df.index[dup]:
        problems.append(Problem(path, first_line + int(k), 1, "duplicate-rows", "a second value for the same unit and year"))
    return problems


def read_expert(root: Path, indicators: list[Indicator], problems: list[Problem]) -> pd.DataFrame:
    """All expert rows as a frame with an ``indicator`` column (empty when no file has data)."""
    frames = []
    for ind in indicators:
        path = root / "expert" / f"{ind.id}.csv"
        if not path.exists():
            continue
        df = _read_csv(path, EXPERT_COLUMNS, problems)
        if df is None or df.empty:
            continue
        found = validate_expert_rows(df, ind, str(path))
        problems.extend(found)
        if not found:
            df = df[EXPERT_COLUMNS].copy()
            df["year"] = df["year"].astype(int)
            df["value"] = df["value"].astype(float)
            df["unit"] = df["unit"].str.strip()
            df.insert(0, "indicator", ind.id)
            frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["indicator", *EXPERT_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def read_custom(root: Path, problems: list[Problem]) -> pd.DataFrame:
    """Custom CSVs as panel rows (variable ``custom/<stem>``)."""
    frames = []
    for path in sorted((root / "custom").glob("*.csv")):
        frames.append(parse_custom(path.read_bytes(), path.stem, str(path), problems))
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame(columns=["unit", "year", "variable", "value", "source"])
    return pd.concat(frames, ignore_index=True)


def parse_custom(data: bytes, name: str, origin: str, problems: list[Problem]) -> pd.DataFrame | None:
    """Validate an uploaded custom indicator CSV (size, encoding, columns, codes, numbers)."""
    if len(data) > MAX_CUSTOM_BYTES:
        problems.append(Problem(origin, 0, 0, "too-large", f"{len(data):,} bytes; the limit is {MAX_CUSTOM_BYTES:,}"))
        return None
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        problems.append(Problem(origin, 0, 0, "bad-name", "custom indicator names use lower-case letters, digits and _"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(Problem(origin, 1, 1, "encoding", "not UTF-8 text; save the CSV as UTF-8"))
        return None
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem(origin, 1, 1, "csv-syntax", str(exc).splitlines()[0]))
        return None
    missing = [c for c in CUSTOM_COLUMNS if c not in df.columns]
    if missing:
        problems.append(Problem(origin, 1, 1, "csv-columns", f"missing column(s) {missing}; expected {CUSTOM_COLUMNS}"))
        return None
    start = len(problems)
    for k, r in enumerate(df.itertuples(index=False)):
        row = r._asdict()
        line = k + 2
        if not valid_unit(row["unit"].strip()):
            problems.append(Problem(origin, line, 1, "unknown-unit", f"{row['unit']!r} is not an ISO3 country code"))
        if not row["year"].strip().isdigit():
            problems.append(Problem(origin, line, 2, "bad-year", f"year {row['year']!r} is not a whole number"))
        if row["value"].strip() and pd.to_numeric(row["value"].strip(), errors="coerce") != pd.to_numeric(row["value"].strip(), errors="coerce"):
            problems.append(Problem(origin, line, 3, "non-numeric", f"value {row['value']!r} is not a number"))
    if df.duplicated(["unit", "year"]).any():
        k = int(df.index[df.duplicated(["unit", "year"])][0])
        problems.append(Problem(origin, k + 2, 1, "duplicate-rows", "a second value for the same unit and year"))
    if len(problems) > start:
        return None
    out = pd.DataFrame({"unit": df["unit"].str.strip(), "year": df["year"].astype(int),
                        "variable": f"custom/{name}", "value": pd.to_numeric(df["value"], errors="coerce"),
                        "source": f"custom:{name}"})
    return out.dropna(subset=["value"])


def append_expert(root: Path, ind: Indicator, row: dict) -> Path:
    """Validate one expert row and add it (replacing the same unit+year) to the indicator's CSV, atomically."""
    path = Path(root) / "expert" / f"{ind.id}.csv"
    new = pd.DataFrame([{c: str(row.get(c, "")).strip() for c in EXPERT_COLUMNS}])
    problems = validate_expert_rows(new, ind, f"{path} (new row)")
    if problems:
        raise MarcError(problems)
    if path.exists() and path.stat().st_size:
        old = pd.read_csv(path, dtype=str, keep_default_na=False)
        old = old[~((old["unit"] == new.at[0, "unit"]) & (old["year"] == new.at[0, "year"]))]
        new = pd.concat([old[EXPERT_COLUMNS], new], ignore_index=True)
    new = new.sort_values(["unit", "year"], kind="stable")
    buf = io.StringIO()
    new.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    write_text(path, buf.getvalue())
    return path
