"""The country brief: the facts of a country (:mod:`marc.reporting.brief_facts`) rendered (PDF: :mod:`marc.reporting.brief_pdf`, DOCX: :mod:`marc.reporting.brief_docx`).

Every number in the facts is rounded to the precision it is shown at, so the rendered text can be
checked against the facts and the facts against the results table (tests/test_brief.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from marc.core import i18n
from marc.core.errors import MarcError
from marc.pipeline.project import Outcome
from marc.reporting.brief_facts import (  # noqa: F401  (the brief API)
    INFORM_HAZARDS,
    N_EXTREMES,
    N_PEERS,
    PROJECTED,
    STATUS_LABELS,
    UNCERTAINTY_COMMAND,
    facts,
    intervals_from,
    lock_digest,
    rank_intervals,
    uncertainty_meta,
)
from marc.reporting.brief_words import LANGS, NUMBER, messages, num, numbers_in  # noqa: F401

BRIEF_FORMATS = ("pdf", "docx", "json")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV, XLSX or Parquet table (the rank intervals written by ``marc uncertainty --out``)."""
    path = Path(path)
    if not path.exists():
        raise MarcError.single(path, "not-found", "file does not exist; write it with " + UNCERTAINTY_COMMAND)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_excel(path) if suffix == ".xlsx" else pd.read_csv(path)


def select_units(outcome: Outcome, units: list[str], region: str | None = None) -> list[str]:
    """The ISO3 codes named, plus every scored country of *region* (checked, in order, without repeats)."""
    scored = set(outcome.results.components["unit"])
    chosen = [u.strip().upper() for u in units]
    bad = [u for u in chosen if u not in scored]
    if bad:
        raise MarcError.single("brief", "unknown-unit", f"not scored: {', '.join(bad)}; use ISO3 codes such as CIV, HTI")
    if region:
        table = outcome.countries if outcome.countries is not None else pd.DataFrame(columns=["unit", "region"])
        members = table.loc[table["region"].astype(str).str.lower() == region.strip().lower(), "unit"]
        if members.empty:
            names = sorted(table["region"].dropna().astype(str).unique())
            raise MarcError.single("--region", "unknown-region", f"no country in region {region!r}; use one of {names}")
        chosen += sorted(set(members) & scored)
    return list(dict.fromkeys(chosen))


def render(f: dict, fmt: str, lang: str = "en") -> bytes:
    """The brief as PDF, DOCX or the facts JSON."""
    i18n.check_lang(lang)
    if fmt == "pdf":
        from marc.reporting.brief_pdf import render_pdf

        return render_pdf(f, lang)
    if fmt == "docx":
        from marc.reporting.brief_docx import render_docx

        return render_docx(f, lang)
    if fmt == "json":
        import json

        return json.dumps(f, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")
    raise MarcError.single("--format", "bad-format", f"unknown brief format {fmt!r}; use one of {', '.join(BRIEF_FORMATS)}")


def write_brief(outcome: Outcome, unit: str, fmt: str, out_dir: Path, *, lang: str = "en", year: int | None = None,
                intervals: pd.DataFrame | None = None, table: pd.DataFrame | None = None,
                uncertainty: dict | None = None) -> Path:
    """Build the facts of *unit* and write ``<out_dir>/MARC-brief-<ISO3>-<year>-<lang>.<fmt>`` atomically."""
    from marc.core.atomic import write_bytes

    f = facts(outcome, unit, year, intervals=intervals, table=table, uncertainty=uncertainty)
    path = Path(out_dir) / f"MARC-brief-{f['meta']['unit']}-{f['meta']['year']}-{lang}.{fmt}"
    write_bytes(path, render(f, fmt, lang))
    return path
