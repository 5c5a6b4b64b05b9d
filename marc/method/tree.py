"""The validated framework as a tree: the index, its components and indicators, where each was declared, the parent
of every node, the aggregation order (:meth:`Framework.levels`) and the digest of the method.  Built by
:func:`marc.method.loader.load_framework`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from marc.core import yamlio
from marc.method.framework import Component, ContextFlag, Defaults, Editions, Indicator, Missing, Uncertainty


@dataclass
class Framework:
    """A validated framework: the index, its components, its indicators and where each was declared."""

    root: Path
    index: Component
    editions: Editions
    defaults: Defaults
    context: list[ContextFlag]
    uncertainty: Uncertainty
    components: dict[str, Component]
    roles: dict[str, str]
    indicators: list[Indicator]
    parents: dict[str, str]
    files: dict[str, Path]
    docs: dict[Path, yamlio.YamlDoc] = field(repr=False)
    expert: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # combined: one value per indicator, unit, year
    expert_rows: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)  # every coder's row, with its review status
    custom: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)  # an older schema version (see marc.method.migrate): still scored
    units: pd.DataFrame | None = field(repr=False, default=None)  # the framework's own unit list (marc.method.units), if declared
    territories: str = "exclude"  # "include": territories with data are scored, ranked apart (marc.data.territories)

    def children(self, node_id: str) -> list[str]:
        """Ids of the direct children of a component, in declaration order."""
        return [k for k, v in self.parents.items() if v == node_id]

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    def missing_policy(self, ind: Indicator) -> Missing:
        if ind.missing is not None:
            return ind.missing
        if ind.kind == "expert":  # empty expert slots must not count against coverage
            return Missing(policy="drop")
        return self.defaults.missing

    def max_lag(self, ind: Indicator) -> int:
        return self.defaults.max_lag if ind.max_lag is None else ind.max_lag

    @property
    def pillars(self) -> list[str]:
        return [c for c, r in self.roles.items() if r == "pillar"]

    def levels(self) -> list[list[str]]:
        """Components grouped bottom-up by depth, deepest first (the aggregation order)."""
        depth: dict[str, int] = {}

        def d(node: str) -> int:
            if node not in depth:
                parent = self.parents.get(node)
                depth[node] = 0 if parent is None else d(parent) + 1
            return depth[node]

        nodes = list(self.components) + [self.index.id]
        by: dict[int, list[str]] = {}
        for n in nodes:
            by.setdefault(d(n), []).append(n)
        return [by[k] for k in sorted(by, reverse=True)]

    def canonical(self) -> dict:
        """The method as data (everything that changes a score), for hashing and comparison."""
        return {
            "index": self.index.model_dump(mode="json"),
            "editions": self.editions.model_dump(mode="json"),
            "defaults": self.defaults.model_dump(mode="json"),
            "components": {k: c.model_dump(mode="json") for k, c in sorted(self.components.items())},
            "parents": dict(sorted(self.parents.items())),
            "indicators": [i.model_dump(mode="json", exclude={"rationale", "references", "caveat", "name"})
                           for i in sorted(self.indicators, key=lambda i: i.id)],
        }

    @property
    def digest(self) -> str:
        """Short hash of the method (not of comments or prose)."""
        blob = json.dumps(self.canonical(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:10]
