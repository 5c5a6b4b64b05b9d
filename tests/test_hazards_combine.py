"""hazards.yaml validation (located errors), exposure, priority, quadrant and context flags by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from marc.core.errors import MarcError
from marc.hazards import context_flags, hazard_scores, load_hazards, priority

REPO = Path(__file__).resolve().parents[1]

BASE = """layers:
  - id: a
    label: A
    component: c1
    variable: x/a
    normalise: {min: 0, max: 10}
  - id: b
    label: B
    component: c2
    variable: x/b
    normalise: {min: 0, max: 10}
exposure: {combine: COMBINE, components: {c1: 1, c2: 1}, epsilon: 1}
priority: {gap_of: [adaptation, response], method: METHOD}
quadrant: {exposure: 50, readiness: median}
"""


def cfg(tmp_path, combine="arithmetic", method="geometric"):
    p = tmp_path / "h.yaml"
    p.write_text(BASE.replace("COMBINE", combine).replace("METHOD", method))
    return load_hazards(p)


def panel(rows):
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"])


def test_default_file_validates_and_names_its_schema():
    path = REPO / "indicators" / "hazards.yaml"
    assert path.read_text().splitlines()[0] == "# yaml-language-server: $schema=../docs/hazards.schema.json"
    c = load_hazards(path)
    ids = {layer.id for layer in c.enabled}
    assert {"inform_river_flood", "tc_wind_recent", "gdis_floods", "coastal_band_10km"} <= ids
    assert {"earthquakes_m6", "volcanoes_holocene"}.isdisjoint(ids)
    assert {k: c.exposure.weight(k) for k in c.exposure.components} == {"inform_modelled": 3, "coastal": 1,
                                                                        "recent_events": 1}
    assert c.exposure.method("coastal")[0] == "max" and c.exposure.method("inform_modelled")[0] == "inform"
    coastal = {x.id for x in c.enabled if x.component == "coastal"}
    assert coastal == {"inform_coastal_flood", "coastal_low_elevation", "coastal_band_10km"}
    assert next(x for x in c.layers if x.id == "tc_wind_recent").label == "Recent tropical-cyclone winds (observed, 2021-2024)"


def test_errors_are_located(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text(BASE.replace("COMBINE", "average").replace("METHOD", "geometric").replace("min: 0, max: 10}\nexposure",
                                                                                        "min: 10, max: 0}\nexposure"))
    with pytest.raises(MarcError) as err:
        load_hazards(p)
    got = {(q.code, q.line) for q in err.value.problems}
    assert ("bad-value", 12) in got          # combine: average
    assert ("goalposts-order", 11) in got    # the second layer's goalposts
    p.write_text(BASE.replace("COMBINE", "max").replace("METHOD", "geometric").replace("c2: 1", "c3: 1"))
    with pytest.raises(MarcError) as err:
        load_hazards(p)
    assert err.value.problems[0].code == "unknown-component"


@pytest.mark.parametrize("combine, expected", [
    ("arithmetic", 50.0),
    ("max", 80.0),
    ("geometric", math.sqrt(21 * 81) - 1),
    ("inform", 101 - math.sqrt(81 * 21)),
])
def test_exposure_methods(tmp_path, combine, expected):
    p = panel([("AAA", 2024, "x/a", 2.0, "s"), ("AAA", 2024, "x/b", 8.0, "s")])
    out = hazard_scores(cfg(tmp_path, combine), p).set_index("unit")
    assert out.loc["AAA", "a"] == pytest.approx(20) and out.loc["AAA", "b"] == pytest.approx(80)
    assert out.loc["AAA", "exposure"] == pytest.approx(expected)


def test_no_silent_saturation(tmp_path):
    p = panel([("AAA", 2024, "x/a", 12.0, "s"), ("AAA", 2024, "x/b", 1.0, "s"), ("BBB", 2024, "x/a", 5.0, "s")])
    out = hazard_scores(cfg(tmp_path, "inform"), p).set_index("unit")
    assert out.loc["AAA", "a"] == 100 and bool(out.loc["AAA", "a_capped"]) and not bool(out.loc["BBB", "a_capped"])
    assert bool(out.loc["AAA", "exposure_saturated"])
    # a missing component: weights renormalise over what is present and coverage says so
    assert out.loc["BBB", "exposure"] == pytest.approx(50) and out.loc["BBB", "exposure_coverage"] == 0.5


def test_values_carry_forward_within_max_age(tmp_path):
    p = panel([("AAA", 2016, "x/a", 4.0, "s"), ("BBB", 2010, "x/a", 4.0, "s"),
               ("AAA", 2024, "x/b", 6.0, "s"), ("BBB", 2024, "x/b", 6.0, "s")])
    out = hazard_scores(cfg(tmp_path), p).set_index(["unit", "year"])
    assert out.loc[("AAA", 2024), "a"] == pytest.approx(40)  # 8 years old: within max_age 10
    assert math.isnan(out.loc[("BBB", 2024), "a"])  # 14 years old: too old
    assert out.loc[("BBB", 2024), "exposure"] == pytest.approx(60)
    assert ("AAA", 2010) not in out.index or math.isnan(out.loc[("AAA", 2010), "a"])  # never carried backwards


@pytest.mark.parametrize("method, expected, cls", [
    ("gap_product", 80 * 60 / 100, "E3-G2"),
    ("geometric", math.sqrt(80 * 60), "E3-G2"),
    ("bivariate", 25 * (2 + 1), "E3-G2"),
])
def test_priority(tmp_path, method, expected, cls):
    ready = pd.DataFrame({"unit": ["AAA", "BBB"], "year": [2023, 2023], "adaptation": [30.0, 90.0],
                          "response": [50.0, 90.0], "mitigation": [0.0, 0.0], "readiness": [40.0, 80.0]})
    expo = pd.DataFrame({"unit": ["AAA", "BBB"], "year": [2024, 2024], "exposure": [80.0, 10.0]})
    out = priority(cfg(tmp_path, method=method), ready, expo).set_index("unit")
    assert out.loc["AAA", "gap"] == 60  # mitigation does not count
    assert out.loc["AAA", "priority"] == pytest.approx(expected)
    assert out.loc["AAA", "priority_class"] == cls and out.loc["BBB", "priority_class"] == "E1-G1"
    assert out.loc["AAA", "quadrant"] == "high exposure, low readiness"
    assert out.loc["BBB", "quadrant"] == "low exposure, high readiness"


def test_context_flags(tmp_path):
    c = cfg(tmp_path)
    p = panel([("AAA", 2015, "ucdp/active_conflict", 1, "u"), ("AAA", 2022, "ucdp/active_conflict", 0, "u"),
               ("BBB", 2022, "pko/years_since_end", 3, "p"), ("BBB", 2022, "pko/host", 0, "p"),
               ("CCC", 2022, "pko/years_since_end", 3, "p"), ("CCC", 2022, "pko/host", 1, "p"),
               ("DDD", 2022, "pko/years_since_end", 9, "p")])
    out = context_flags(c, p).set_index(["unit", "year"])
    assert bool(out.loc[("AAA", 2019), "conflict_affected"]) and not bool(out.loc[("AAA", 2020), "conflict_affected"])
    assert bool(out.loc[("BBB", 2022), "transition"])
    assert not bool(out.loc[("CCC", 2022), "transition"])  # still hosts a mission
    assert not bool(out.loc[("DDD", 2022), "transition"])  # ended too long ago


def test_context_flags_carry_the_year_of_their_data(tmp_path):
    from marc.method.context import flag_label

    p = panel([("AAA", 2018, "ucdp/active_conflict", 1, "u"), ("AAA", 2022, "ucdp/active_conflict", 1, "u"),
               ("AAA", 2024, "pko/host", 0, "p")])
    out = context_flags(cfg(tmp_path), p).set_index(["unit", "year"])
    assert out.loc[("AAA", 2024), "conflict_affected"] is True
    assert out.loc[("AAA", 2024), "conflict_affected_year"] == 2022  # UCDP ends in 2022: the flag says so
    assert out.loc[("AAA", 2024), "transition_year"] == 2024
    assert flag_label("conflict_affected", 2022) == "conflict-affected (UCDP, 2022)"
    assert flag_label("conflict_affected", 2022, "fr") == "touché par un conflit (UCDP, 2022)"
    assert flag_label("conflict_affected", float("nan")) == "conflict-affected (UCDP, year unknown)"
    old = panel([("AAA", 2010, "ucdp/active_conflict", 1, "u"), ("AAA", 2024, "pko/host", 0, "p")])
    stale = context_flags(cfg(tmp_path), old).set_index(["unit", "year"])
    assert stale.loc[("AAA", 2024), "conflict_affected"] is None  # no data in the last 5 years: unknown


COMPONENT = """layers:
  - {id: a, label: A, component: c1, variable: x/a, normalise: {min: 0, max: 10}}
  - {id: b, label: B, component: c1, variable: x/b, normalise: {min: 0, max: 10}}
  - {id: d, label: D, component: c2, variable: x/d, normalise: {min: 0, max: 10}}
exposure:
  combine: arithmetic
  components: {c1: {weight: 1, combine: WITHIN, epsilon: 11.1111}, c2: 1}
priority: {gap_of: [adaptation, response], min_coverage: 0.5}
"""


@pytest.mark.parametrize("within, expected", [
    ("arithmetic", 45.0),
    ("max", 80.0),
    # INFORM's own formula, (10 - GEOMEAN((10 - x)/10*9 + 1))/9*10 on a 0-10 scale, for x = 1 and 8
    ("inform", 100 * (10 - math.sqrt(((10 - 1) / 10 * 9 + 1) * ((10 - 8) / 10 * 9 + 1))) / 9),
])
def test_layers_inside_a_component_combine_as_declared(tmp_path, within, expected):
    p = tmp_path / "h.yaml"
    p.write_text(COMPONENT.replace("WITHIN", within))
    rows = panel([("AAA", 2024, "x/a", 1.0, "s"), ("AAA", 2024, "x/b", 8.0, "s"), ("AAA", 2024, "x/d", 0.0, "s")])
    out = hazard_scores(load_hazards(p), rows).set_index("unit")
    assert out.loc["AAA", "c1"] == pytest.approx(expected, abs=1e-3)
    assert out.loc["AAA", "exposure"] == pytest.approx(expected / 2, abs=1e-3)


def test_a_coastal_state_with_both_layers_is_counted_once(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text(COMPONENT.replace("WITHIN", "max"))
    rows = panel([("TWO", 2024, "x/a", 9.0, "s"), ("TWO", 2024, "x/b", 9.0, "s"),
                  ("ONE", 2024, "x/a", 9.0, "s"), ("ONE", 2024, "x/b", 0.0, "s")])
    out = hazard_scores(load_hazards(p), rows).set_index("unit")
    assert out.loc["TWO", "c1"] == out.loc["ONE", "c1"] == pytest.approx(90)


def test_priority_with_one_gap_pillar_missing_is_flagged(tmp_path):
    p = tmp_path / "h.yaml"
    p.write_text(COMPONENT.replace("WITHIN", "max"))
    ready = pd.DataFrame({"unit": ["AAA", "BBB", "CCC"], "year": [2024] * 3, "adaptation": [float("nan"), 50.0, float("nan")],
                          "response": [40.0, 70.0, float("nan")], "readiness": [50.0, 60.0, float("nan")]})
    expo = pd.DataFrame({"unit": ["AAA", "BBB", "CCC"], "year": [2024] * 3, "exposure": [64.0, 64.0, 64.0]})
    out = priority(load_hazards(p), ready, expo).set_index("unit")
    assert out.loc["AAA", "gap"] == 60 and bool(out.loc["AAA", "gap_partial"])
    assert out.loc["AAA", "priority"] == pytest.approx(math.sqrt(64 * 60))
    assert out.loc["BBB", "gap"] == 40 and not bool(out.loc["BBB", "gap_partial"])
    assert math.isnan(out.loc["CCC", "gap"]) and math.isnan(out.loc["CCC", "priority"])
