"""A framework's own unit list (``units:`` in index.yaml): cities, provinces, river basins, projects.

The CSV beside the framework has one row per unit: an id column, a name column, optionally a parent
column (another unit of the list or an ISO3 country code) and grouping columns.  Every problem is
reported with its file, line and column; nothing is dropped silently.  The result has the shape of
the country table (``unit``, ``name``, ``parent`` and the group columns), so the engine's
``group_mean`` and ``applies_to`` and the outputs' names work unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from marc.core.errors import Problem
from marc.method.framework import UnitList

UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$")
MAX_UNITS_BYTES = 5 * 1024 * 1024


def read_units(root: Path, spec: UnitList, problems: list[Problem]) -> pd.DataFrame | None:
    """The unit list declared by *spec*, or None (with located *problems*) when it is unusable."""
    from marc.method.evidence import valid_unit

    path = (Path(root) / spec.file).resolve()
    origin = str(Path(root) / spec.file)
    if not path.is_file():
        problems.append(Problem(origin, 0, 0, "not-found", "the unit list declared in index.yaml (units.file) does not exist"))
        return None
    data = path.read_bytes()
    if len(data) > MAX_UNITS_BYTES:
        problems.append(Problem(origin, 0, 0, "too-large", f"{len(data):,} bytes; the limit is {MAX_UNITS_BYTES:,}"))
        return None
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(origin, 1, 1, "csv-syntax", f"{exc}; save the unit list as UTF-8 CSV"))
        return None
    header = [h.strip() for h in rows[0]] if rows else []
    wanted = [spec.id, spec.name] + ([spec.parent] if spec.parent else []) + list(spec.groups)
    missing = [c for c in wanted if c not in header]
    if missing:
        problems.append(Problem(origin, 1, 1, "csv-columns", f"missing column(s) {missing} declared in index.yaml units; "
                                                             f"the header has {header}"))
        return None
    col = {c: header.index(c) for c in wanted}
    start = len(problems)
    records, seen = [], {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell = {c: (row[j].strip() if j < len(row) else "") for c, j in col.items()}
        uid = cell[spec.id]
        if not UNIT_ID.match(uid):
            problems.append(Problem(origin, line, col[spec.id] + 1, "bad-unit-id",
                                    f"unit id {uid!r} must start with a letter or digit and use letters, digits, - _ ."))
            continue
        if uid in seen:
            problems.append(Problem(origin, line, col[spec.id] + 1, "duplicate-id", f"unit {uid!r} is already on line {seen[uid]}"))
            continue
        seen[uid] = line
        if not cell[spec.name]:
            problems.append(Problem(origin, line, col[spec.name] + 1, "missing-value", f"unit {uid!r} has no name"))
        records.append((line, cell))
    if spec.parent:
        for line, cell in records:
            parent = cell[spec.parent]
            if parent and parent not in seen and not valid_unit(parent):
                problems.append(Problem(origin, line, col[spec.parent] + 1, "unknown-parent",
                                        f"parent {parent!r} is neither a unit of this list nor an ISO3 country code"))
    if len(problems) > start:
        return None
    table = pd.DataFrame({"unit": [c[spec.id] for _, c in records], "name": [c[spec.name] for _, c in records]})
    if spec.parent:
        table["parent"] = [c[spec.parent] or None for _, c in records]
    for g in spec.groups:
        values = [c[g] or None for _, c in records]
        if values and all(v is None or v.lower() in _BOOL for v in values):  # a yes/no column serves applies_to
            values = [None if v is None else _BOOL[v.lower()] for v in values]
        table[g] = values
    return table.astype(object)


_BOOL = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}
