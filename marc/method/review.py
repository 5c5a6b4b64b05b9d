"""Submitting and reviewing expert-coded evidence, with a per-country evidence log.

Rows are never deleted.  ``submit`` adds a coder's row as ``submitted`` (a coder's earlier pending
row for the same cell is marked ``rejected``, "superseded"); ``review`` approves, rejects or disputes
one row (nobody approves their own row; a rejection or a dispute needs a reason).  Every change is
appended to ``<framework>/expert/log/<UNIT>.csv`` (:data:`LOG_COLUMNS`), which the country profile
shows.  Each read-modify-write holds a file lock, so two processes (or two app sessions) never lose
each other's rows.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

import pandas as pd

from marc.core.atomic import locked, write_text
from marc.core.errors import MarcError
from marc.method.evidence import EXPERT_COLUMNS, complete_expert, validate_expert_rows
from marc.method.framework import Indicator

LOG_COLUMNS = ["timestamp", "indicator", "unit", "year", "coder", "value", "action", "by", "reason"]
Action = Literal["approve", "reject", "dispute"]
STATUS_OF = {"approve": "approved", "reject": "rejected", "dispute": "disputed"}


def _csv_text(df: pd.DataFrame, columns: list[str]) -> str:
    buf = io.StringIO()
    df[columns].to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buf.getvalue()


def _load(path: Path) -> pd.DataFrame:
    if not path.exists() or not path.stat().st_size:
        return pd.DataFrame(columns=EXPERT_COLUMNS)
    return complete_expert(pd.read_csv(path, dtype=str, keep_default_na=False))


def _log(root: Path, entries: list[dict]) -> None:
    for unit in sorted({e["unit"] for e in entries}):
        path = Path(root) / "expert" / "log" / f"{unit.split('-', 1)[0]}.csv"
        with locked(path):
            old = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame(columns=LOG_COLUMNS)
            new = pd.DataFrame([{c: str(e.get(c, "")) for c in LOG_COLUMNS} for e in entries if e["unit"] == unit])
            write_text(path, _csv_text(pd.concat([old, new], ignore_index=True), LOG_COLUMNS), keep_backup=False)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def submit(root: Path, ind: Indicator, row: dict) -> Path:
    """Validate one coder's row and add it as ``submitted`` (atomically, under a lock)."""
    path = Path(root) / "expert" / f"{ind.id}.csv"
    fields = {c: str(row.get(c, "")).strip() for c in EXPERT_COLUMNS}
    fields |= {"status": "submitted", "reviewer": "", "review_date": "", "review_note": ""}
    new = pd.DataFrame([fields])[EXPERT_COLUMNS]
    problems = validate_expert_rows(new, ind, f"{path} (new row)")
    if problems:
        raise MarcError(problems)
    log = [{"timestamp": _now(), "indicator": ind.id, "unit": fields["unit"], "year": fields["year"], "coder": fields["coder"],
            "value": fields["value"], "action": "submit", "by": fields["coder"], "reason": fields["note"]}]
    with locked(path):
        old = _load(path)
        mine = (old["unit"] == fields["unit"]) & (old["year"] == fields["year"]) & (old["coder"] == fields["coder"])
        if (mine & old["status"].isin(["baseline", "approved", "disputed"])).any():
            raise MarcError.single(f"{path} (new row)", "already-coded",
                                   f"{fields['coder']!r} already has a reviewed or baseline value for {fields['unit']} "
                                   f"{fields['year']}; ask a reviewer to reject it (a disputed value is resolved by "
                                   "approving or rejecting it), then submit again")
        pending = mine & (old["status"] == "submitted")
        for k in old.index[pending]:
            old.loc[k, ["status", "reviewer", "review_date", "review_note"]] = [
                "rejected", fields["coder"], date.today().isoformat(), "superseded by a newer submission from the coder"]
            log.append({"timestamp": _now(), "indicator": ind.id, "unit": fields["unit"], "year": fields["year"],
                        "coder": fields["coder"], "value": old.at[k, "value"], "action": "supersede", "by": fields["coder"]})
        table = pd.concat([old, new], ignore_index=True).sort_values(["unit", "year", "coder"], kind="stable")
        write_text(path, _csv_text(table, EXPERT_COLUMNS))
    _log(root, log)
    return path


def review(root: Path, ind: Indicator, unit: str, year: int, coder: str, action: Action, reviewer: str,
           reason: str = "") -> dict:
    """Approve, reject or dispute the active row of *coder* for *unit* and *year*; returns the row."""
    path = Path(root) / "expert" / f"{ind.id}.csv"
    where = f"{path}"
    reviewer, reason = reviewer.strip(), reason.strip()
    if action not in STATUS_OF:
        raise MarcError.single(where, "bad-action", f"action {action!r} is not one of {sorted(STATUS_OF)}")
    if not reviewer:
        raise MarcError.single(where, "missing-value", "give the reviewer's name (--by)")
    if action in ("reject", "dispute") and not reason:
        raise MarcError.single(where, "missing-value", f"to {action} a value, give the reason (--reason)")
    with locked(path):
        table = _load(path)
        hit = ((table["unit"] == unit) & (table["year"] == str(year)) & (table["coder"] == coder)
               & (table["status"] != "rejected"))
        if not hit.any():
            raise MarcError.single(where, "no-such-row", f"no active row of coder {coder!r} for {unit} {year} in {ind.id}; "
                                                          "list them with `marc evidence review --all`")
        k = table.index[hit][0]
        line = int(k) + 2
        if action == "approve" and reviewer == coder:
            raise MarcError.single(where, "self-approval", f"{reviewer!r} cannot approve their own row; another reviewer must",
                                   line=line, column=EXPERT_COLUMNS.index("reviewer") + 1)
        table.loc[k, ["status", "reviewer", "review_date", "review_note"]] = [STATUS_OF[action], reviewer,
                                                                              date.today().isoformat(), reason]
        problems = validate_expert_rows(table.loc[[k]], ind, where, first_line=line)
        if problems:
            raise MarcError(problems)
        write_text(path, _csv_text(table, EXPERT_COLUMNS))
        row = table.loc[k].to_dict()
    _log(root, [{"timestamp": _now(), "indicator": ind.id, "unit": unit, "year": year, "coder": coder,
                 "value": row["value"], "action": action, "by": reviewer, "reason": reason}])
    return row


def queue(rows: pd.DataFrame, include_baseline: bool = False) -> pd.DataFrame:
    """Rows waiting for a reviewer: submitted and disputed (and unreviewed baseline rows on request)."""
    wanted = ["submitted", "disputed"] + (["baseline"] if include_baseline else [])
    if rows.empty:
        return rows
    return rows[rows["status"].isin(wanted)].sort_values(["status", "indicator", "unit", "year"], ignore_index=True)


def country_log(root: Path, unit: str) -> pd.DataFrame:
    """Every change to the evidence of *unit* (oldest first)."""
    path = Path(root) / "expert" / "log" / f"{unit}.csv"
    if not path.exists():
        return pd.DataFrame(columns=LOG_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


__all__ = ["LOG_COLUMNS", "country_log", "queue", "review", "submit"]

