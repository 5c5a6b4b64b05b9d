"""Ranks: one rule everywhere (standard competition ranking, "1224"), and its words.

Units with equal scores share the best rank of their group and the next rank skips: 10, 11, 12, 12,
12, 12, 12, 17 … A rank reads "= 12th of 190, shared with 4" (four other units share it).  Scores
are compared at :data:`DECIMALS` decimals, so that floating-point noise never splits a tie and two
published scores that print alike rank alike.  :func:`marc.analysis.rank_intervals.rank_desc` applies the same
rule to the Monte Carlo replications.
"""

from __future__ import annotations

import math

import pandas as pd

#: scores are compared at this many decimals when ranking
DECIMALS = 6


def competition_rank(values: pd.Series, *, ascending: bool = False) -> tuple[pd.Series, pd.Series]:
    """``(rank, n_tied)`` for every entry of *values*: rank 1 is the highest (or lowest with *ascending*);
    ``n_tied`` counts the units at that rank, the unit itself included (1 = not shared).  NaN stays NaN."""
    v = pd.to_numeric(values, errors="coerce").astype(float).round(DECIMALS)
    rank = v.rank(ascending=ascending, method="min")
    n_tied = v.map(v.value_counts()).where(v.notna())
    return rank, n_tied


def ordinal(n: int, lang: str = "en") -> str:
    """12 -> "12th" (English) or "12e" (French; 1 -> "1er")."""
    if lang == "fr":
        return f"{n}er" if n == 1 else f"{n}e"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_text(rank: float | None, n: int, n_tied: float | None = 1, lang: str = "en") -> str:
    """"12th of 190" or, for a shared rank, "= 12th of 190, shared with 4" (in the brief's catalogue)."""
    from marc.core.i18n import fmt_int, t

    if rank is None or (isinstance(rank, float) and math.isnan(rank)):
        return t("rank_none", lang)
    tied = 1 if n_tied is None or (isinstance(n_tied, float) and math.isnan(n_tied)) else int(n_tied)
    place = t("rank_place", lang, ordinal=ordinal(int(rank), lang), n=fmt_int(n, lang))
    return t("rank_shared", lang, place=place, others=fmt_int(tied - 1, lang)) if tied > 1 else place
