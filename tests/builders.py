"""Builders for the small frameworks and panels that the unit tests make themselves."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

INDEX_YAML = """\
# a test framework
index:
  id: readiness
  name: Readiness
  aggregation: {aggregation}
  min_coverage: {min_coverage}
editions: {{first: {first}, last: {last}}}
defaults:
  max_lag: {max_lag}
  missing: {{policy: {policy}, max_years: {max_years}}}
"""

PILLAR_YAML = """\
pillar:
  id: {pid}
  name: {pid}
  weight: {weight}
  aggregation: {aggregation}
  min_coverage: {min_coverage}
indicators:
"""

INDICATOR_YAML = """\
  - id: {iid}
    name: {iid}
    source: custom/{iid}
    unit: "%"
    direction: {direction}
    normalise: {normalise}
    weight: {weight}
"""


def write_framework(root: Path, pillars: dict[str, list[dict]], *, aggregation: str = "arithmetic",
                    pillar_aggregation: str = "arithmetic", min_coverage: float = 0.0, first: int = 2000,
                    last: int = 2005, max_lag: int = 5, policy: str = "carry_forward", max_years: int = 3,
                    pillar_weights: dict[str, float] | None = None) -> Path:
    """Write a framework folder. *pillars* maps a pillar id to indicator dicts
    (id, direction, normalise (inline YAML), weight)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.yaml").write_text(INDEX_YAML.format(aggregation=aggregation, min_coverage=min_coverage, first=first,
                                                       last=last, max_lag=max_lag, policy=policy, max_years=max_years))
    for pid, inds in pillars.items():
        text = PILLAR_YAML.format(pid=pid, weight=(pillar_weights or {}).get(pid, 1), aggregation=pillar_aggregation,
                                  min_coverage=min_coverage)
        for ind in inds:
            text += INDICATOR_YAML.format(iid=ind["id"], direction=ind.get("direction", "higher_is_better"),
                                          normalise=ind.get("normalise", "{method: goalposts, min: 0, max: 100}"),
                                          weight=ind.get("weight", 1))
            for extra in ind.get("extra", []):
                text += textwrap.indent(extra, "    ") + "\n"
        (root / f"{pid}.yaml").write_text(text)
    return root


def add_expert_slot(pillar_file: Path, indicator_id: str) -> None:
    """Append an empty expert-coded indicator (scale 0–2) to a pillar file written by write_framework."""
    pillar_file.write_text(pillar_file.read_text() + f"""\
  - id: {indicator_id}
    name: {indicator_id}
    kind: expert
    scale: {{0: none, 1: some, 2: full}}
    direction: higher_is_better
""")


def make_panel(values: dict[str, dict[tuple[str, int], float]]) -> pd.DataFrame:
    """{indicator id: {(unit, year): value}} -> a tidy panel with variables custom/<id>."""
    rows = [(u, y, f"custom/{iid}", v, "test") for iid, cells in values.items() for (u, y), v in cells.items()]
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"])


def random_panel(rng: np.random.Generator, units: list[str], indicators: list[str], years: list[int],
                 missing: float = 0.1) -> pd.DataFrame:
    rows = []
    for iid in indicators:
        for u in units:
            for y in years:
                if rng.random() >= missing:
                    rows.append((u, y, f"custom/{iid}", float(rng.uniform(0, 100)), "test"))
    return pd.DataFrame(rows, columns=["unit", "year", "variable", "value", "source"])
