"""The words and numbers of a country brief in one language: the message catalogue as a dict and numbers shown
with exactly the decimals stored in the facts (used by the facts, the text, the blocks and the admin-1 section).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from marc.core import i18n

LANGS = i18n.LANGS


def messages(lang: str = "en") -> dict[str, str]:
    """Every keyed message of *lang* (from marc/core/locales/<lang>/LC_MESSAGES/marc.po), as a dict."""
    return {k: i18n.t(k, lang) for k in sorted(i18n.keys(lang))}


def num(value: Any, lang: str = "en") -> str:
    """A number as shown in a brief: exactly the decimals stored in the facts, in the locale of *lang*."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (int, np.integer)):
        return i18n.fmt_number(int(value), lang, 0)
    text = repr(float(value))
    digits = 0 if "e" in text else len(text.split(".")[1]) if "." in text else 0
    return i18n.fmt_number(float(value), lang, digits)


NUMBER = re.compile(r"(?<![\w.,])[-−]?\d[\d\u00a0\u202f,.]*\d|(?<![\w.,])[-−]?\d")


def numbers_in(text: str) -> list[str]:
    """The numeric tokens of a text (for the traceability tests)."""
    return [t.rstrip(".,") for t in NUMBER.findall(text)]
