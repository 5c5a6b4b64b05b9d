"""Orientation of scores: ``readiness`` (100 is best) or ``risk`` (100 is worst, higher means worse).

An index or any component may declare ``orientation``; a node without one takes its parent's, and the
index defaults to readiness.  Indicators take the orientation of the component they belong to, so an
indicator only says which raw values are good (``direction``) and the score reads naturally in its
component.  Where a child's orientation differs from its parent's, the child's score enters the
parent's aggregation reversed (100 − s): a risk component can sit inside a readiness index and
the other way round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from marc.method.loader import Framework

LABELS = {"readiness": "higher is better", "risk": "risk: higher is worse"}


def orientation_of(fw: "Framework", node_id: str) -> str:
    """The orientation of a component, the index or an indicator (its component's)."""
    node = node_id
    while node is not None:
        comp = fw.index if node == fw.index.id else fw.components.get(node)
        if comp is not None and comp.orientation is not None:
            return comp.orientation
        node = fw.parents.get(node)
    return "readiness"


def orientations(fw: "Framework") -> dict[str, str]:
    """Every node's orientation: indicators, components and the index."""
    nodes = [i.id for i in fw.indicators] + list(fw.components) + [fw.index.id]
    return {n: orientation_of(fw, n) for n in nodes}


def reversed_into_parent(fw: "Framework", node_id: str) -> bool:
    """True when *node_id*'s score must be reversed (100 − s) to enter its parent's aggregation."""
    parent = fw.parents.get(node_id)
    return parent is not None and orientation_of(fw, node_id) != orientation_of(fw, parent)
