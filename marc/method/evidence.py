"""Expert-coded evidence and users' custom indicator CSVs.

Expert indicators (``kind: expert``) are read from ``<framework>/expert/<indicator id>.csv``: one row
per coder, unit and year, with a level on the indicator's declared ordinal scale, the evidence URL,
who coded it, when, with what confidence, and its review status (after V-Dem: several independent
coders per cell, disagreement kept as uncertainty).  A missing file or an empty one means "no data"
(never zero).

Review statuses (:data:`STATUSES`): ``baseline`` (the shipped desk coding: scored, and shown as
"unreviewed desk coding" until someone else approves it), ``submitted`` (waiting for review, not
scored), ``approved`` (scored), ``rejected`` (kept, never scored) and ``disputed`` (a challenged
value: kept and shown, excluded from the score until resolved).  The scored rows of one unit, year
and indicator combine by the indicator's ``combine`` rule (``median_low`` by default).

Custom indicators come from ``<framework>/custom/<name>.csv`` with ``unit, year, value`` and become
the panel variable ``custom/<name>``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from marc.core.errors import Problem
from marc.method.framework import Indicator

#: the columns of an expert CSV; the last four are optional in older files (read as approved)
EXPERT_COLUMNS = ["unit", "year", "value", "evidence_url", "coder", "date", "confidence", "status", "reviewer",
                  "review_date", "note", "review_note"]
REQUIRED_EXPERT = EXPERT_COLUMNS[:7]
#: the columns of the combined expert values (:func:`combine_expert`)
COMBINED_COLUMNS = ["indicator", "unit", "year", "value", "coders", "spread", "confidence", "status", "disputed",
                    "evidence_url"]
CUSTOM_COLUMNS = ["unit", "year", "value"]
CONFIDENCE = ("low", "medium", "high")
STATUSES = ("baseline", "submitted", "approved", "rejected", "disputed")
SCORED = ("baseline", "approved")
REVIEWED = ("approved", "rejected", "disputed")
FREE_TEXT = ("coder", "note", "reviewer", "review_note")
#: characters that make a spreadsheet treat a text cell as a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXTRA_UNITS = {"XKX"}  # Kosovo: user-assigned code used by the World Bank and others
MAX_CUSTOM_BYTES = 5 * 1024 * 1024
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$")


def valid_unit(code: str) -> bool:
    """An ISO 3166-1 alpha-3 code (or XKX), or a subnational id of the form ISO3-xxx."""
    import pycountry  # only when a CSV is checked (a stored parse needs no country list)

    iso = code.split("-", 1)[0]
    return iso in EXTRA_UNITS or pycountry.countries.get(alpha_3=iso) is not None


def _read_csv(path: Path, columns: list[str], problems: list[Problem], data: bytes | None = None) -> pd.DataFrame | None:
    if data is None and path.is_dir():
        problems.append(Problem(str(path), 0, 0, "not-a-file", "a folder stands where a CSV file is expected"))
        return None
    try:
        df = pd.read_csv(path if data is None else io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
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


def complete_expert(df: pd.DataFrame) -> pd.DataFrame:
    """Add the optional columns of older expert CSVs: without a status column, rows count as approved."""
    df = df.copy()
    if "status" not in df.columns:
        df["status"] = "approved"
    for col in EXPERT_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    return df[EXPERT_COLUMNS]


def formula_like(text: str) -> bool:
    """True when a spreadsheet would read *text* as a formula."""
    return bool(text) and text.startswith(FORMULA_START)


def validate_expert_rows(df: pd.DataFrame, ind: Indicator, path: str, first_line: int = 2) -> list[Problem]:
    """Check expert rows; line numbers count the header as line 1, columns follow :data:`EXPERT_COLUMNS`."""
    problems = []
    levels = set(ind.scale or {})
    legacy = "status" not in df.columns  # an older file: its rows count as approved, with no review columns to check
    df = complete_expert(df)
    for k, row in enumerate(df.itertuples(index=False)):
        line = first_line + k
        r = {c: str(v) for c, v in row._asdict().items()}

        def bad(col: str, code: str, msg: str) -> None:
            problems.append(Problem(path, line, EXPERT_COLUMNS.index(col) + 1, code, msg))

        if not valid_unit(r["unit"].strip()):
            bad("unit", "unknown-unit", f"{r['unit']!r} is not an ISO3 country code")
        y = r["year"].strip()
        if not (y.isascii() and y.isdigit() and 1900 <= int(y) <= 2100):
            bad("year", "bad-year", f"year {r['year']!r} is not a year (1900-2100)")
        v = r["value"].strip()
        if not (re.fullmatch(r"-?[0-9]+", v) and int(v) in levels):
            bad("value", "bad-value", f"value {r['value']!r} is not a level of the scale {sorted(levels)}")
        if not _URL.match(r["evidence_url"].strip()):
            bad("evidence_url", "bad-url", "evidence_url must be an http(s) link to the evidence")
        if not r["coder"].strip():
            bad("coder", "missing-value", "coder is required")
        try:
            date.fromisoformat(r["date"].strip())
        except ValueError:
            bad("date", "bad-date", f"date {r['date']!r} is not an ISO date (YYYY-MM-DD)")
        if r["confidence"].strip() not in CONFIDENCE:
            bad("confidence", "bad-value", f"confidence must be one of {CONFIDENCE}")
        status = r["status"].strip()
        if status not in STATUSES:
            bad("status", "bad-status", f"status {status!r} is not one of {STATUSES}")
        if status in REVIEWED and not legacy:
            if not r["reviewer"].strip():
                bad("reviewer", "missing-value", f"a row with status {status!r} needs its reviewer")
            elif r["reviewer"].strip() == r["coder"].strip() and status == "approved":
                bad("reviewer", "self-approval", f"{r['coder'].strip()!r} approved their own row; another reviewer must approve it")
            try:
                date.fromisoformat(r["review_date"].strip())
            except ValueError:
                bad("review_date", "bad-date", f"review_date {r['review_date']!r} is not an ISO date (YYYY-MM-DD)")
        for col in FREE_TEXT:
            if formula_like(r[col]):
                bad(col, "formula-text", f"{col} starts with {r[col][:1]!r}, which spreadsheets run as a formula; "
                                         "reword it (for example drop the leading sign)")
    key = df["unit"].str.strip() + "|" + df["year"].str.strip() + "|" + df["coder"].str.strip()
    active = df["status"].str.strip() != "rejected"
    dup = key.where(active).duplicated(keep="first") & active
    for k in np.flatnonzero(dup.to_numpy()):
        problems.append(Problem(path, first_line + int(k), 1, "duplicate-rows",
                                "this coder already has a value for the same unit and year; revise that row instead"))
    return problems


def read_expert_rows(root: Path, indicators: list[Indicator], problems: list[Problem],
                     contents: dict[str, bytes] | None = None) -> pd.DataFrame:
    """Every coder's row of every expert indicator (``indicator``, ``line`` and :data:`EXPERT_COLUMNS`);
    *contents*: the files' bytes by indicator id, when the caller has read them already."""
    frames = []
    for ind in indicators:
        path = root / "expert" / f"{ind.id}.csv"
        data = (contents or {}).get(ind.id)
        if data is None and not path.exists():
            continue
        df = _read_csv(path, REQUIRED_EXPERT, problems, data)
        if df is None or df.empty:
            continue
        found = validate_expert_rows(df, ind, str(path))
        problems.extend(found)
        if not found:
            df = complete_expert(df).apply(lambda c: c.str.strip())
            df["year"] = df["year"].astype(int)
            df["value"] = df["value"].astype(float)
            df.insert(0, "line", np.arange(2, len(df) + 2))
            df.insert(0, "indicator", ind.id)
            frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["indicator", "line", *EXPERT_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def _combine(values: np.ndarray, rule: str) -> float:
    values = np.sort(values)
    if rule == "mean":
        return float(values.mean())
    if rule == "mode":
        levels, counts = np.unique(values, return_counts=True)
        return float(levels[np.argmax(counts)])  # the first (lowest) of the most frequent levels
    return float(values[(len(values) - 1) // 2])  # median_low


def combine_expert(rows: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """One value per indicator, unit and year from the scored rows (baseline and approved).

    Columns: indicator, unit, year, value, coders (how many), spread (max - min level), confidence
    (the lowest of the coders'), status (``approved`` when any scored row is approved, else
    ``baseline``), disputed (how many disputed rows the cell has), evidence_url (every URL, "; ").
    """
    cols = COMBINED_COLUMNS
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rule = {i.id: i.combine for i in indicators}
    disputed = rows[rows["status"] == "disputed"].groupby(["indicator", "unit", "year"]).size()
    scored = rows[rows["status"].isin(SCORED)]
    out = []
    rank = {c: k for k, c in enumerate(CONFIDENCE)}
    for (ind, unit, year), g in scored.groupby(["indicator", "unit", "year"], sort=True):
        vals = g["value"].to_numpy(dtype=float)
        out.append((ind, unit, int(year), _combine(vals, rule.get(ind, "median_low")), len(g), float(vals.max() - vals.min()),
                    min(g["confidence"], key=rank.__getitem__), "approved" if (g["status"] == "approved").any() else "baseline",
                    int(disputed.get((ind, unit, year), 0)), "; ".join(dict.fromkeys(g["evidence_url"]))))
    return pd.DataFrame(out, columns=cols)


def with_status(indicators: pd.DataFrame, expert: pd.DataFrame) -> pd.DataFrame:
    """*indicators* (the engine's tidy table) with ``status`` (``baseline``: unreviewed desk coding, or
    ``approved``) and ``disputed`` (disputed rows kept out of the score) for every expert value used."""
    out = indicators.copy()
    if expert.empty:
        out["status"], out["disputed"] = pd.Series(None, index=out.index, dtype=object), 0
        return out
    key = expert.set_index(["indicator", "unit", "year"])
    idx = pd.MultiIndex.from_arrays([out["indicator"], out["unit"], out["data_year"].fillna(-1).astype(int)])
    used = out["score"].notna().to_numpy()
    status = key["status"].reindex(idx)
    out["status"] = pd.Series(np.where(used & status.notna().to_numpy(), status.to_numpy(dtype=object), None),
                              index=out.index, dtype=object)
    out["disputed"] = np.where(used, key["disputed"].reindex(idx).fillna(0).to_numpy(), 0).astype(int)
    return out


def read_expert(root: Path, indicators: list[Indicator], problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The combined expert values and every coder's row (see :func:`combine_expert`).

    A clean read is kept in the parse store (:mod:`marc.core.parsestore`), keyed by the files' bytes and by
    what the checks and the combination depend on (each indicator's scale levels and ``combine`` rule,
    this module's code, the country list, pandas and pyarrow), so a new process reads two stored
    tables instead of checking and combining every row again."""
    from marc.core import parsecache, parsestore

    contents: dict[str, bytes] = {}
    for ind in indicators:
        path = root / "expert" / f"{ind.id}.csv"
        try:
            if path.is_file():
                contents[ind.id] = path.read_bytes()
        except OSError:
            contents = {}  # the reader reports the file that cannot be read
            break
    name = None
    if contents:
        name = parsestore.table_key("expert", __name__, *(
            f"{ind.id} {ind.combine} {sorted(ind.scale or {})}="
            f"{parsestore.digest(contents[ind.id]) if ind.id in contents else 'absent'}" for ind in indicators))
        stored = parsecache.stored_tables(name, {"-values": COMBINED_COLUMNS, "-rows": ["indicator", "line", *EXPERT_COLUMNS]})
        if stored is not None:
            return stored["-values"], stored["-rows"]
    start = len(problems)
    rows = read_expert_rows(root, indicators, problems, contents)
    values = combine_expert(rows, indicators)
    came_from_contents = all(ind.id in contents or not (root / "expert" / f"{ind.id}.csv").exists() for ind in indicators)
    if name is not None and len(problems) == start and not rows.empty and came_from_contents:  # (no file appeared meanwhile)
        parsecache.keep_tables(name, {"-values": values, "-rows": rows})
    return values, rows


def read_custom(root: Path, problems: list[Problem], units: frozenset[str] | None = None) -> pd.DataFrame:
    """Custom CSVs as panel rows (variable ``custom/<stem>``); *units*: the framework's own unit ids, if it
    declares a unit list (otherwise ISO3 codes).

    Each file is parsed once per content in a process (:mod:`marc.core.parsecache`), and the clean result
    of the whole set is kept on disk (:mod:`marc.core.parsestore`, keyed by every file's bytes), so a new
    process reads one stored table instead of checking every row again."""
    import hashlib

    from marc.core import parsecache, parsestore

    columns = ["unit", "year", "variable", "value", "source"]
    kind = "custom" if units is None else "custom:" + hashlib.blake2b("\n".join(sorted(units)).encode(), digest_size=8).hexdigest()
    paths = sorted((root / "custom").glob("*.csv"))
    try:
        contents = [path.read_bytes() for path in paths]
    except OSError:
        contents = None  # the per-file reader reports the file that cannot be read
    name = None
    if contents is not None and paths:
        name = parsestore.table_key(kind, __name__, *(f"{p.stem}={parsestore.digest(data)}" for p, data in zip(paths, contents)))
        stored = parsecache.stored_tables(name, {"": columns})  # (this process may have loaded the same files already)
        if stored is not None:
            return stored[""]
    start = len(problems)
    frames = []
    for k, path in enumerate(paths):  # the bytes the key was made from, never a second read
        frames.append(parsecache.csv_frame(
            path, lambda data, found, p=path: parse_custom(data, p.stem, str(p), found, units=units), kind, problems,
            None if contents is None else contents[k]))
    frames = [f for f in frames if f is not None]
    if not frames:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(frames, ignore_index=True)
    if name is not None and len(problems) == start and len(frames) == len(paths):
        parsecache.keep_tables(name, {"": frame})
    return frame


def parse_custom(data: bytes, name: str, origin: str, problems: list[Problem], *,
                 units: frozenset[str] | None = None) -> pd.DataFrame | None:
    """Validate an uploaded custom indicator CSV (size, encoding, columns, codes, numbers); with *units*,
    unit codes must be ids of the framework's unit list instead of ISO3 codes."""
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
    allowed = units
    # the csv module, not pandas: a small file is read ~20× faster, which is most of a framework's start-up
    try:
        rows = [(reader.line_num, r) for reader in [csv.reader(io.StringIO(text))] for r in reader if any(c.strip() for c in r)]
    except csv.Error as exc:
        problems.append(Problem(origin, 1, 1, "csv-syntax", str(exc)))
        return None
    if not rows:
        problems.append(Problem(origin, 1, 1, "csv-syntax", "the file is empty; expected a header unit,year,value"))
        return None
    header = [h.strip() for h in rows[0][1]]
    missing = [c for c in CUSTOM_COLUMNS if c not in header]
    if missing:
        problems.append(Problem(origin, 1, 1, "csv-columns", f"missing column(s) {missing}; expected {CUSTOM_COLUMNS}"))
        return None
    body = rows[1:]
    wide = next((line for line, r in body if len(r) > len(header)), None)
    if wide is not None:
        problems.append(Problem(origin, wide, 1, "csv-syntax", f"more fields than the {len(header)} columns of the header"))
        return None
    at = [header.index(c) for c in CUSTOM_COLUMNS]
    cells = {c: [r[j] if j < len(r) else "" for _, r in body] for c, j in zip(CUSTOM_COLUMNS, at)}
    lines = [line for line, _ in body]
    start = len(problems)
    # plain Python over the columns: a few hundred rows are checked faster than pandas' string methods
    units = [u.strip() for u in cells["unit"]]
    years = [y.strip() for y in cells["year"]]
    raw = [v.strip() for v in cells["value"]]
    known = {u: (u in allowed) if allowed is not None else valid_unit(u) for u in set(units)}  # one look-up per code
    values = np.array([_number(v) for v in raw], dtype="float64")
    seen: set[tuple[str, str]] = set()
    duplicate = None
    for k, (unit, year, text) in enumerate(zip(units, years, raw)):
        line = lines[k]
        if not known[unit]:
            problems.append(Problem(origin, line, 1, "unknown-unit", f"{cells['unit'][k]!r} is not an ISO3 country code"
                                    if allowed is None else f"{cells['unit'][k]!r} is not in the framework's unit list"))
        if not (year.isascii() and year.isdigit()):  # "²" and "١٢" are digits to str.isdigit, not years
            problems.append(Problem(origin, line, 2, "bad-year", f"year {cells['year'][k]!r} is not a whole number"))
        if text and np.isnan(values[k]):
            problems.append(Problem(origin, line, 3, "non-numeric", f"value {cells['value'][k]!r} is not a number"))
        key = (unit, year) if duplicate is None else None
        if key is not None:
            if key in seen:
                duplicate = line
            seen.add(key)
    if duplicate is not None:
        problems.append(Problem(origin, duplicate, 1, "duplicate-rows", "a second value for the same unit and year"))
    if len(problems) > start:
        return None
    keep = ~np.isnan(values)
    return pd.DataFrame({"unit": np.array(units, dtype=object)[keep], "year": np.array(years, dtype="int64")[keep],
                         "variable": f"custom/{name}", "value": values[keep], "source": f"custom:{name}"})


def _number(text: str) -> float:
    """The value of a numeric cell (NaN for an empty or non-numeric one), as ``pd.to_numeric`` reads it."""
    try:
        return float(text) if text and "_" not in text else np.nan  # Python reads 1_000; a spreadsheet does not
    except ValueError:
        return np.nan
