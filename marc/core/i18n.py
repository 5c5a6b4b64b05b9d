"""Translations and locale-aware formatting for every user-facing string (briefs, exports, app).

Messages live in gettext catalogues, ``marc/core/locales/<lang>/LC_MESSAGES/marc.po`` (edit them with any
PO editor), compiled at run time with Babel into :class:`gettext.GNUTranslations`.  Two kinds of entry:

* **keyed messages** (no context): ``msgid "h_headline"`` → ``msgstr "Headline scores"``, read with
  :func:`t` and formatted with ``str.format`` placeholders;
* **data terms** (``msgctxt`` = ``unit``, ``region``, ``income``, ``term``, ``hazard``…): the English
  text found in data or YAML is the msgid, read with :func:`tr`; an untranslated term stays as it is.

Numbers use CLDR patterns (Babel): ``fmt_number(1234.5, "fr", 1)`` → ``1 234,5`` (narrow no-break
space), with the true minus sign; country names come from CLDR through :func:`country_name`.
"""

from __future__ import annotations

import gettext
import io
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from marc.core.errors import MarcError

LOCALES = Path(__file__).parent / "locales"
LANGS = ("en", "fr")
DOMAIN = "marc"
MINUS = "\u2212"


def check_lang(lang: str) -> str:
    """*lang* if supported, else a located MarcError naming the choices."""
    if lang not in LANGS:
        raise MarcError.single("--lang", "bad-language", f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def catalogue(lang: str):
    """The Babel catalogue of *lang* (parsed .po)."""
    from babel.messages.pofile import read_po

    with open(po_path(check_lang(lang)), "rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


@lru_cache(maxsize=8)
def translations(lang: str) -> gettext.GNUTranslations:
    """The .po compiled to .mo in memory (Babel) and loaded by the standard gettext machinery."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalogue(lang))
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def compile_catalogues(out_dir: Path | None = None) -> list[Path]:
    """Write ``<lang>/LC_MESSAGES/marc.mo`` for every language (for packagers; run time does not need it)."""
    from babel.messages.mofile import write_mo

    out = []
    for lang in LANGS:
        target = (Path(out_dir) if out_dir else LOCALES) / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            write_mo(fh, catalogue(lang))
        out.append(target)
    return out


def keys(lang: str = "en") -> set[str]:
    """The keyed message ids of a catalogue (entries without context)."""
    return {m.id for m in catalogue(lang) if m.id and not m.context}


def t(key: str, lang: str = "en", **kw: Any) -> str:
    """The keyed message *key* in *lang*, with ``{placeholders}`` filled from *kw*.

    A key missing from the catalogue is a programming error and raises KeyError (tests check that
    every language has every key)."""
    text = translations(check_lang(lang)).gettext(key)
    if text == key and key not in keys(lang):
        raise KeyError(f"message {key!r} is not in {po_path(lang)}")
    return text.format(**kw) if kw else text


def tn(key: str, count: int, lang: str = "en", **kw: Any) -> str:
    """The plural form of *key* for *count* under CLDR rules (``key.one`` or ``key.other``; French
    treats 0 and 1 as singular)."""
    from babel import Locale

    form = Locale.parse(check_lang(lang)).plural_form(abs(int(count)))
    name = f"{key}.{form}" if f"{key}.{form}" in keys(lang) else f"{key}.other"
    return t(name, lang, **kw)


def tr(text: str | None, lang: str = "en", context: str = "term") -> str:
    """A data term (unit, region, income group, hazard, method word) in *lang*; unknown terms stay as given."""
    if text is None:
        return ""
    return translations(check_lang(lang)).pgettext(context, str(text))


def fmt_number(x: Any, lang: str = "en", digits: int = 1, *, sign: bool = False) -> str:
    """*x* rounded to *digits* decimals, grouped and with the decimal mark of *lang* (CLDR); "–" for None/NaN.

    ``sign=True`` writes "+" before positive numbers (changes)."""
    from babel.numbers import format_decimal

    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(round(float(x), digits), format=pattern, locale=check_lang(lang))
    if text.startswith("-"):
        text = MINUS + text[1:]
        if text == MINUS + "0" or set(text[1:]) <= set("0,.\u202f\u00a0"):
            text = text[1:]  # no "−0.0"
    elif sign and float(x) > 0:
        text = "+" + text
    return text


def fmt_int(x: Any, lang: str = "en") -> str:
    return fmt_number(x, lang, 0)


@lru_cache(maxsize=512)
def country_name(iso3: str, lang: str = "en") -> str:
    """The CLDR name of the country *iso3* in *lang* (Babel), or the ISO3 code itself when unknown."""
    import pycountry
    from babel import Locale

    rec = pycountry.countries.get(alpha_3=str(iso3).upper())
    if rec is None:
        return str(iso3)
    name = Locale.parse(check_lang(lang)).territories.get(rec.alpha_2)
    return name or rec.name


def vega_locale(lang: str = "en") -> dict[str, Any]:
    """The d3 number locale of *lang* (CLDR decimal mark and grouping) for a Vega-Lite ``config.locale``,
    so chart axes, legends and tooltips write ``1 234,5`` in French."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    lang = check_lang(lang)
    return {"number": {"decimal": get_decimal_symbol(lang), "thousands": get_group_symbol(lang), "grouping": [3],
                       "currency": ["", ""], "minus": MINUS}}
