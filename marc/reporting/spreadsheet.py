"""Spreadsheet-safe tables: no text cell of a MARC export ever becomes a formula.

Text from YAML or CSV (names, units, coders, notes) reaches CSV and XLSX files.  Following the OWASP
guidance on CSV injection, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote in CSV files (text columns only; numbers are never
touched), and the XLSX writer is configured never to turn strings into formulas or links.
``raw=True`` (``--raw-csv``) writes CSV text unchanged for machine use; the datapackage says which.
"""

from __future__ import annotations

import io

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"
#: xlsxwriter options: strings stay strings (no formulas, no hyperlinks, no numbers guessed)
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def escape_text(value):
    """*value* with a leading quote when it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return PREFIX + value
    return value


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding text (object or string dtype); numeric, boolean and date columns are not text."""
    return [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* with every text cell escaped (numbers untouched)."""
    out = frame.copy()
    for col in text_columns(out):
        out[col] = out[col].map(escape_text, na_action="ignore")
    out.columns = [escape_text(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, *, raw: bool = False) -> bytes:
    """UTF-8 CSV (RFC 4180 line ends, so a carriage return inside a text cell is quoted, never a row break)
    without comment lines; text cells escaped unless *raw*."""
    return (frame if raw else escape_frame(frame)).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def excel_writer(buf: io.BytesIO) -> pd.ExcelWriter:
    """An xlsxwriter ExcelWriter that never converts strings to formulas or URLs."""
    return pd.ExcelWriter(buf, engine="xlsxwriter", engine_kwargs={"options": dict(XLSX_OPTIONS)})


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A plain workbook of *sheets* (``marc score --out x.xlsx``), strings kept as strings."""
    buf = io.BytesIO()
    with excel_writer(buf) as xl:
        for name, frame in sheets.items():
            frame.to_excel(xl, sheet_name=name, index=False)
    return buf.getvalue()
