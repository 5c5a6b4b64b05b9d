"""Country-profile facts (marc.reporting.profile) and the matrix's data (marc.reporting.matrix)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from marc.reporting import matrix, profile


def test_numpy_true_flags_are_shown_with_their_year():
    fw = SimpleNamespace(context=[SimpleNamespace(id="ldc", name="Least developed country", column="ldc", source=None),
                                  SimpleNamespace(id="conflict", name="Active armed conflict", column=None, source="ucdp/x")])
    row = pd.Series({"conflict_affected": np.bool_(True), "transition": np.bool_(False), "conflict_affected_year": 2022.0,
                     "ldc": np.bool_(True), "conflict": 1.0, "transition_year": np.nan})
    flags = profile.context_flags(fw, row).set_index("flag")
    assert flags.loc["Conflict-affected (UCDP/PRIO, recent years)", "value"] == "yes"
    assert flags.loc["Conflict-affected (UCDP/PRIO, recent years)", "data_year"] == "2022"
    assert flags.loc["In transition after a UN peace operation", "value"] == "no"
    assert flags.loc["In transition after a UN peace operation", "data_year"] == ""  # blank, never "None"
    assert flags.loc["Least developed country", "value"] == "yes"
    assert profile.active_flags(fw, row) == ["Conflict-affected (UCDP, 2022)", "Least developed country"]


def test_fmt_value_units_and_blanks():
    assert profile.fmt_value(62.345, "% of electricity output") == "62.3 % of electricity output"
    assert profile.fmt_value(12, "grants") == "12 grants"
    assert profile.fmt_value(0.41234, "index 0-1") == "0.412 (index 0-1)"
    assert profile.fmt_value(np.nan, "grants") == "" and profile.fmt_value(None) == ""


def test_matrix_groups_and_notable_extremes():
    t = pd.DataFrame({"unit": list("ABCDEF"), "name": list("ABCDEF"), "year": 2025,
                      "readiness": [10.0, 90.0, 50.0, 15.0, 85.0, 52.0], "exposure": [90.0, 90.0, 50.0, 10.0, 10.0, 55.0],
                      "conflict_affected": [True, False, False, False, False, pd.NA],
                      "sids": [True, False, True, False, False, False]})
    f = matrix.frame(t, "readiness", 2025)
    assert f.set_index("unit").loc["A", "group"] == "Conflict-affected"  # the first group listed wins
    assert f.set_index("unit").loc["C", "group"] == "Small island developing state"
    assert f.set_index("unit").loc["F", "group"] == "Other"
    top = matrix.notable(f, 50.0, 50.0, per_quadrant=1)
    assert top[0] == "A" and set(top) == {"A", "B", "D", "E"}


def test_coverage_words_say_how_much_rests_on_data():
    row = pd.Series({"coverage_intended": 0.724, "security_coverage": 0.26, "security_observed": 3.0, "security_total": 9.0})
    assert profile.coverage_words(row) == ("Data cover 72% of the intended method. Security-sector evidence: 3 of 9 "
                                           "indicators (26% of their weight).")
    assert profile.coverage_words(pd.Series({"coverage_intended": np.nan})) == ""
