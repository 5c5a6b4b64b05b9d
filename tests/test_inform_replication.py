"""The worked replication (issue 15, item 9): INFORM Risk 2025 from its category values upward, in
YAML only (docs/examples/inform_risk_2025), against every published level of the workbook in the mirror."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from conftest import REPO

from marc.method.loader import load_framework
from marc.scoring.engine import score

FRAMEWORK = REPO / "docs" / "examples" / "inform_risk_2025"
SHEET = "INFORM Risk 2025 (a-z)"
TOLERANCE = 0.1  # on INFORM's 0–10 scale


@pytest.fixture(scope="module")
def inform(mirror):
    from marc.data.readers.inform import read_risk

    folder = mirror / "inform_risk"
    if not any(folder.glob("inform_risk_*.xlsx")):
        pytest.skip(f"INFORM Risk workbook not in the mirror at {folder}")
    return read_risk(folder).panel


def test_the_workbook_formulas_are_the_declared_method(mirror):
    """The YAML states INFORM's method; the workbook's own formulas say the same (guards a new release)."""
    import openpyxl

    path = next((mirror / "inform_risk").glob("inform_risk_*.xlsx"), None)
    if path is None:
        pytest.skip("INFORM Risk workbook not in the mirror")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(path, read_only=True)
    try:
        row = [c.value for c in next(wb[SHEET].iter_rows(min_row=2, max_row=2))]
    finally:
        wb.close()
    assert row[2] == "=ROUND(G2^(1/3)*S2^(1/3)*AE2^(1/3),1)"  # risk: geometric mean, one decimal
    complement = r"=ROUND\(\(10-GEOMEAN\(\(\(10-{a}2\)/10\*9\+1\),\(\(10-{b}2\)/10\*9\+1\)\)\)/9\*10,1\)"
    for col, (a, b) in ((6, ("H", "P")), (18, ("T", "X")), (30, ("AF", "AI"))):  # G, S, AE
        assert re.fullmatch(complement.format(a=a, b=b), row[col]), row[col]


def test_inform_risk_2025_replicates_within_a_tenth(inform):
    fw = load_framework(FRAMEWORK, panel=inform)
    assert fw.index.orientation == "risk"
    comps = score(fw, inform, [2024]).components
    published = inform.assign(component=inform["variable"].str.removeprefix("inform/"))
    published["component"] = published["component"].replace({"risk": "inform_risk"})
    m = comps.merge(published[["unit", "component", "value"]].rename(columns={"value": "inform_value"}),
                    on=["unit", "component"], how="inner")
    assert set(m["component"]) == {fw.index.id, *fw.components}  # every level is compared
    risk = m[m["component"] == "inform_risk"]
    assert len(risk) == 191 and risk["inform_value"].notna().all()
    assert risk["score"].notna().all()  # every country is scored
    diff = (m["score"] / 10 - m["inform_value"]).abs()
    mismatches = m[diff > TOLERANCE + 1e-9]
    assert mismatches.empty, mismatches.to_string()
    # in fact exact: the same formulas, the same rounding (half away from zero) at every level
    assert float(diff.max()) < 1e-9
    assert (risk.set_index("unit")["score"].loc[["AFG", "SOM", "NOR"]] / 10).tolist() == \
        risk.set_index("unit")["inform_value"].loc[["AFG", "SOM", "NOR"]].tolist()


def test_inform_risk_ranks_with_risk_orientation(inform):
    """Rank 1 is the highest risk (INFORM's RANK.EQ, descending)."""
    fw = load_framework(FRAMEWORK)
    comps = score(fw, inform, [2024]).components
    risk = comps[comps["component"] == "inform_risk"].set_index("unit")["score"]
    top = risk.sort_values(ascending=False).index[:3].tolist()
    pub = inform[inform["variable"] == "inform/risk"].set_index("unit")["value"]
    assert set(top) <= set(pub[pub >= pub.nlargest(3).min()].index)
    assert np.isclose(risk.max() / 10, pub.max())
