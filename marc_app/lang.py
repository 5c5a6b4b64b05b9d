"""The app's language: a sidebar choice (English / Français) kept in the URL (``?lang=fr``).

Every user-facing string of the app is a keyed message ``app_…`` of the gettext catalogues
(``marc/core/locales/<lang>/LC_MESSAGES/marc.po``), read through :mod:`marc.core.i18n`; this module only
knows where the current language comes from.  The default is English, whatever the browser says.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd
import streamlit as st

from marc.core import i18n
from marc.method.framework import name_in

KEY = "lang_choice"
NAMES = {"en": "English", "fr": "Français"}


def current() -> str:
    """The chosen language: the sidebar widget's value, else the URL's ``lang``, else English."""
    chosen = st.session_state.get(KEY)
    if chosen in i18n.LANGS:
        return chosen
    raw = st.query_params.get("lang")
    return raw if raw in i18n.LANGS else "en"


def selector() -> str:
    """The sidebar language choice (drawn once per run by ``app.py``); written back to the URL."""
    if KEY not in st.session_state:
        st.session_state[KEY] = current()
    with st.sidebar:
        lang = st.radio(_("app_language"), list(NAMES), format_func=NAMES.get, key=KEY, horizontal=True)
    keep_in_url(lang)
    return lang


def keep_in_url(lang: str | None = None) -> None:
    """``?lang=fr`` in the URL (absent for the default English), so a shared link opens in French."""
    lang = lang or current()
    if lang == "en":
        if "lang" in st.query_params:
            del st.query_params["lang"]
    elif st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang


def _(key: str, **kw: Any) -> str:
    """The keyed message *key* (``app_…``) in the current language, placeholders filled from *kw*."""
    return i18n.t(key, current(), **kw)


def num(x: Any, digits: int = 1, *, sign: bool = False) -> str:
    """*x* with the decimal mark and grouping of the current language (``1 234,5`` in French)."""
    return i18n.fmt_number(x, current(), digits, sign=sign)


def name(text: str) -> str:
    """A framework name (plain or bilingual in the YAML) in the current language."""
    return name_in(text, current())


def term(text: object, context: str = "term") -> str:
    """A data term (region, income group, hazard, unit…) in the current language."""
    return i18n.tr(None if text is None else str(text), current(), context)


def country(unit: str, fallback: str | None = None) -> str:
    """The country's name in the current language: the data's name (*fallback*) in English, as the
    rest of MARC writes it; the CLDR name in another language (the data's name when CLDR has none)."""
    lang = current()
    if lang == "en" and fallback:
        return fallback
    got = i18n.country_name(unit, lang)
    return fallback if got == unit and fallback else got


def sort_key(text: object) -> str:
    """Alphabetical order that ignores accents and case (Égypte before Espagne, not after Zambie)."""
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()


_PRINTF = re.compile(r"%(?P<sign>\+?)(?:\.(?P<digits>\d+))?(?P<kind>[dfg])")


def _number_text(fmt: str):
    """A function writing a number as the printf format *fmt* would, with the current language's marks."""
    m = _PRINTF.fullmatch(fmt)
    if not m:
        return None
    lang = current()
    if m["kind"] == "g":
        from babel.numbers import format_decimal

        return lambda x: "" if pd.isna(x) else format_decimal(float(x), locale=lang).replace("-", i18n.MINUS)
    digits = 0 if m["kind"] == "d" else int(m["digits"] or 6)
    return lambda x: "" if pd.isna(x) else i18n.fmt_number(x, lang, digits, sign=bool(m["sign"]))


def table(data: pd.DataFrame, column_config: dict | None = None) -> dict[str, object]:
    """``data`` and ``column_config`` for ``st.dataframe(**table(...))``.  In English, as given.  In French, the numbers of
    the columns with a printf format are written with the French marks (``1 234,5``) by a pandas
    Styler (sorting still uses the numbers), and those formats are dropped from the configuration
    (Streamlit lets a column's own format win over the Styler's text)."""
    column_config = dict(column_config or {})
    if current() == "en":
        return {"data": data, "column_config": column_config}
    formats = {}
    for col, cfg in list(column_config.items()):
        if not isinstance(cfg, dict):  # a plain label
            continue
        type_config = dict(cfg.get("type_config") or {})
        if type_config.get("type") != "number" or not type_config.get("format") or col not in data.columns:
            continue
        writer = _number_text(type_config["format"])
        if writer is None or type_config["format"] in ("%d", "%.0f"):  # whole numbers (years, ranks): no mark to change
            continue
        type_config.pop("format")
        formats[col] = writer
        column_config[col] = {**cfg, "type_config": type_config}
    for col in data.columns:  # decimal numbers without a format: written in full, with the French marks
        if col not in formats and col not in column_config and pd.api.types.is_float_dtype(data[col]):
            formats[col] = _number_text("%g")
    return {"data": data.style.format(formats) if formats else data, "column_config": column_config}
