"""Expert pairs: ordered country pairs that no climate-security expert would dispute, checked on the
real data (latest complete edition of the default framework).

Each pair reads "on <metric>, <better> must score above <worse>" — for exposure and priority "above"
means more exposed / higher priority.  The pairs were written before the default framework was
reviewed (issue 11) and are never a reason to move a goalpost: if one fails, the measurement is wrong.
"""

from __future__ import annotations

import math

import pytest

# (metric, higher, lower, reason)
PAIRS: list[tuple[str, str, str, str]] = [
    # MARC readiness
    ("readiness", "NOR", "SOM", "stable, high-capacity democracy against a state fighting an insurgency for three decades"),
    ("readiness", "DNK", "SSD", "consolidated institutions against a state in civil war since 2013"),
    ("readiness", "NZL", "AFG", "accountable security sector against a de facto regime under sanctions"),
    ("readiness", "FIN", "YEM", "a comprehensive-security model against a country divided by war since 2014"),
    # Mitigation
    ("mitigation", "NOR", "SAU", "near-all-renewable power and falling emissions against oil-fired power and rising emissions"),
    ("mitigation", "URY", "TKM", "grid decarbonised within a decade against gas-flaring, gas-fired autocracy"),
    ("mitigation", "SWE", "KWT", "fossil-free power and falling CO2 per capita against one of the highest per-capita emitters"),
    ("mitigation", "CRI", "QAT", "renewable electricity and reforestation against a gas state with all-fossil power"),
    # Adaptation
    ("adaptation", "NLD", "TCD", "world reference in water management against the lowest adaptive capacity in the Sahel"),
    ("adaptation", "JPN", "NER", "resilient infrastructure and services against a least-developed, drought-bound state"),
    ("adaptation", "SGP", "SOM", "planned coastal adaptation against a state without basic public services"),
    ("adaptation", "DNK", "HTI", "climate-proofed infrastructure against a state whose infrastructure collapsed in 2010 and 2021"),
    # Response
    ("response", "JPN", "HTI", "world-leading disaster response against a state whose civil protection is overwhelmed by gangs"),
    ("response", "OMN", "YEM", "stable neighbour with working emergency services against a country at war"),
    ("response", "KEN", "SOM", "functioning national disaster management against a state at war next door"),
    ("response", "JOR", "SYR", "stable civil defence against a country ruined by civil war"),
    ("response", "NZL", "SSD", "professional civil-defence emergency management against a state at war"),
    ("response", "CHL", "AFG", "earthquake- and fire-hardened response system against a regime without disaster services"),
    # Cooperation
    ("cooperation", "KEN", "IRN", "accredited direct-access entities and an NDC every cycle against a non-Party to the Paris Agreement"),
    ("cooperation", "GBR", "IRN", "2035 NDC on time (January 2025) against a non-Party to the Paris Agreement"),
    ("cooperation", "RWA", "LBY", "NDC update early in 2020 and GCF access against a state with no NDC in the registry"),
    ("cooperation", "CHL", "YEM", "an NDC in every cycle, the update early in 2020, against a country at war whose first NDC came in 2025"),
    ("cooperation", "BRA", "PRK", "COP30 host with its 2035 NDC in 2024 against the most isolated state on earth"),
    # Accountable governance
    ("governance", "NZL", "PRK", "free elections and rule of law against a totalitarian state"),
    ("governance", "FIN", "TKM", "accountable government against one of the most closed autocracies"),
    ("governance", "DNK", "ERI", "least corrupt state against a one-party state with no elections since 1993"),
    ("governance", "URY", "VEN", "full democracy against the least accountable government in its region"),
    # Hazard exposure (higher = more exposed)
    ("exposure", "MDV", "MNG", "low-lying atoll state against a landlocked upland state"),
    ("exposure", "TUV", "LUX", "atoll state a few metres above the sea against a landlocked temperate state"),
    ("exposure", "KIR", "AUT", "low atolls facing inundation against a landlocked alpine state"),
    ("exposure", "MHL", "CZE", "low atolls hit by king tides and drought against a landlocked central European state"),
    ("exposure", "BGD", "CHE", "cyclone-, flood- and surge-exposed delta against an alpine state"),
    ("exposure", "PHL", "EST", "the most typhoon-struck archipelago against a temperate Baltic state"),
    ("exposure", "NLD", "HUN", "a quarter of the land below sea level against a landlocked state"),
    # Climate-security priority (higher = more urgent)
    ("priority", "SOM", "NOR", "exposed to drought and floods with the weakest response against a rich, ready state"),
    ("priority", "HTI", "CHE", "hurricane-exposed and unready against an alpine state with strong institutions"),
    ("priority", "MDV", "LUX", "an atoll state of middling readiness against a landlocked rich state"),
    ("priority", "TUV", "LUX", "an atoll state with thin capacity against a landlocked rich state"),
    ("priority", "BGD", "DEU", "a delta with a large readiness gap against a rich, moderately exposed state"),
    ("priority", "KIR", "AUT", "a low-lying, low-capacity island state against a rich alpine state"),
]


def test_the_pairs_cover_every_measure():
    metrics = {p[0] for p in PAIRS}
    assert metrics == {"readiness", "mitigation", "adaptation", "response", "cooperation", "governance",
                       "exposure", "priority"}
    assert len(PAIRS) >= 25
    assert len({(m, a, b) for m, a, b, _ in PAIRS}) == len(PAIRS)
    assert all(a != b and len(reason) > 20 for _, a, b, reason in PAIRS)


@pytest.fixture(scope="module")
def latest(real_outcome):
    table = real_outcome.table()
    return table[table["year"] == real_outcome.years[-1]].set_index("unit")


@pytest.mark.parametrize(("metric", "higher", "lower", "reason"), PAIRS,
                         ids=[f"{m}-{a}>{b}" for m, a, b, _ in PAIRS])
def test_expert_pair(latest, metric, higher, lower, reason):
    for unit in (higher, lower):
        assert unit in latest.index, f"{unit} is not scored at all ({reason})"
    a, b = latest.at[higher, metric], latest.at[lower, metric]
    assert a is not None and not math.isnan(a), f"{higher} has no {metric} score ({reason})"
    assert b is not None and not math.isnan(b), f"{lower} has no {metric} score ({reason})"
    assert a > b, f"{metric}: {higher} {a:.1f} should be above {lower} {b:.1f}: {reason}"
