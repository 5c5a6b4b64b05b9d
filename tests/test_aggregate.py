"""Aggregation, coverage and imputed share against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marc.scoring.aggregate import aggregate


def stack(*cols):
    return np.array(cols, dtype=float)[:, :, None]  # children × units × 1 edition


def test_arithmetic_weighted():
    a = aggregate(stack([20, 80], [60, 40]), np.array([1, 3]))
    np.testing.assert_allclose(a.score[:, 0], [(20 + 180) / 4, (80 + 120) / 4])


def test_geometric_with_epsilon():
    a = aggregate(stack([16, 0], [64, 25]), np.array([1, 1]), "geometric", epsilon=1)
    assert a.score[0, 0] == pytest.approx(32)  # sqrt(16 * 64)
    assert a.score[1, 0] == pytest.approx(5)  # sqrt(max(0, 1) * 25)


def test_harmonic():
    a = aggregate(stack([20], [80]), np.array([1, 1]), "harmonic")
    assert a.score[0, 0] == pytest.approx(2 / (1 / 20 + 1 / 80))


def test_zero_weight_excludes():
    a = aggregate(stack([10], [90]), np.array([1, 0]))
    assert a.score[0, 0] == 10 and a.coverage[0, 0] == 1


def test_coverage_threshold_and_reweighting():
    a = aggregate(stack([10, 10], [np.nan, 30], [np.nan, 50]), np.array([2, 1, 1]), min_coverage=0.6)
    # unit 0: only the weight-2 child present: coverage 2/4 = 0.5 < 0.6 -> not published
    assert a.coverage[0, 0] == 0.5 and not a.published[0, 0] and math.isnan(a.score[0, 0])
    assert a.value[0, 0] == 10
    # unit 1: all present
    assert a.score[1, 0] == pytest.approx((20 + 30 + 50) / 4)


def test_drop_policy_does_not_count_against_coverage():
    a = aggregate(stack([40], [np.nan]), np.array([1, 1]), droppable=np.array([False, True]), min_coverage=1.0)
    assert a.coverage[0, 0] == 1 and a.score[0, 0] == 40


def test_imputed_share_and_cap():
    scores = stack([10], [20], [30])
    imputed = stack([1], [0], [1])
    a = aggregate(scores, np.array([1, 1, 2]), imputed=imputed, max_imputed_share=0.5)
    assert a.imputed_share[0, 0] == pytest.approx(3 / 4)
    assert not a.published[0, 0]


def test_nothing_present_is_nan_not_zero():
    a = aggregate(stack([np.nan], [np.nan]), np.array([1, 1]))
    assert math.isnan(a.score[0, 0]) and a.coverage[0, 0] == 0


def test_max_and_complement_mean():
    a = aggregate(stack([20, float("nan")], [80, 30]), np.array([1, 1]), "max")
    assert a.score[0, 0] == 80 and a.score[1, 0] == 30
    c = aggregate(stack([20, 0], [80, 100]), np.array([1, 1]), "complement", epsilon=1)
    assert c.score[0, 0] == pytest.approx(101 - np.sqrt(81 * 21))
    assert c.score[1, 0] == pytest.approx(101 - np.sqrt(101 * 1))  # one severe child is not diluted to 50


@given(st.lists(st.floats(0, 100), min_size=2, max_size=6))
def test_complement_mean_between_mean_and_max(xs):
    s = np.array(xs, float).reshape(-1, 1, 1)
    w = np.ones(len(xs))
    c = aggregate(s, w, "complement", epsilon=100 / 9).score[0, 0]
    assert np.mean(xs) - 1e-9 <= c <= max(xs) + 1e-9
