"""One ranking rule everywhere: competition ranking ("1224"), its words in English and French."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from marc.analysis.rank_intervals import rank_desc
from marc.scoring.ranking import competition_rank, ordinal, rank_text


def test_ties_share_the_best_rank_and_the_next_rank_skips():
    s = pd.Series([90.0, 80.0, 80.0, 80.0, 70.0, np.nan, 80.0 + 1e-12], index=list("abcdefg"))
    rank, tied = competition_rank(s)
    assert rank.tolist()[:5] == [1, 2, 2, 2, 6] and rank["g"] == 2  # floating noise does not split a tie
    assert tied.tolist()[:5] == [1, 4, 4, 4, 1] and np.isnan(rank["f"]) and np.isnan(tied["f"])
    low, _ = competition_rank(s, ascending=True)
    assert low["e"] == 1 and low["a"] == 6


def test_rank_words():
    assert rank_text(12, 190, 5) == "= 12th of 190, shared with 4"
    assert rank_text(1, 190, 1) == "1st of 190"
    assert rank_text(12, 190, 5, lang="fr") == "= 12e sur 190, ex æquo avec 4"
    assert rank_text(1, 190, 2, lang="fr") == "= 1er sur 190, ex æquo avec 1"
    assert rank_text(float("nan"), 190) == "not ranked"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


@given(st.lists(st.one_of(st.sampled_from([10.0, 50.0, 50.0, 90.0]), st.floats(0, 100), st.just(float("nan"))),
                min_size=1, max_size=30))
def test_the_replication_ranks_follow_the_same_rule(xs):
    a = rank_desc(np.array(xs))
    b = competition_rank(pd.Series(xs))[0].to_numpy()
    np.testing.assert_array_equal(a, b)
