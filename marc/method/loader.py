"""Load a framework folder, validate all of it at once, and report every problem with its location.

``load_framework(path)`` reads ``index.yaml`` and every other ``*.yaml`` (except ``hazards.yaml``),
validates each against :mod:`marc.method.framework`, then checks the framework as a whole: duplicate ids,
unknown parents and variables, expression syntax, cycles, log of non-positive data.  It raises one
:class:`MarcError` listing every problem as ``file:line:column: [code] message``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from marc.core import parsecache, yamlio, yamlmodel
from marc.core.errors import MarcError, Problem
from marc.method import expression, migrate
from marc.method.evidence import MAX_CUSTOM_BYTES, read_custom, read_expert
from marc.method.framework import Component, IndexFile, Indicator, PillarFile
from marc.method.tree import Framework  # noqa: F401  (re-exported: the loader's result)
from marc.method.uncertainty_settings import reference_problems
from marc.method.units import read_units

#: Dataset prefixes a variable may use; each is produced by a reader in ``marc.data.readers`` (or is the
#: hazard pipeline, an expert CSV or a user's custom CSV).
KNOWN_DATASETS = {"wdi", "wgi", "ndgain", "inform", "informcc", "gcf", "ucdp", "pko", "ndc", "paris", "sipri",
                  "hazard", "custom", "groups", "unodc", "unpko", "sdg"}
#: Variables that can be zero or negative by construction (a log of them is an error).
SIGNED_VARIABLES = {f"wgi/{c}" for c in ("va", "pv", "ge", "rq", "rl", "cc")}
SKIP_FILES = {"hazards.yaml"}


def _value_position(doc: yamlio.YamlDoc, loc: tuple) -> tuple[int, int]:
    """Line/column of the *value* at loc (for offsets inside a scalar), falling back to the key."""
    node = doc.root
    for part in loc[:-1]:
        node = node[part]
    key = loc[-1]
    try:
        line, col = node.lc.value(key)
        quoted = type(node[key]).__name__ in ("DoubleQuotedScalarString", "SingleQuotedScalarString")
        return line + 1, col + 1 + int(quoted)
    except Exception:
        return yamlmodel.locate(doc.root, loc)


def _problem(doc: yamlio.YamlDoc, loc: tuple, code: str, message: str) -> Problem:
    line, col = yamlmodel.locate(doc.root, loc)
    return Problem(str(doc.path), line, col, code, message)


def _indicator_loc(doc: yamlio.YamlDoc, ind_id: str) -> tuple:
    for i, item in enumerate(doc.data.get("indicators") or []):
        if isinstance(item, dict) and item.get("id") == ind_id:
            return ("indicators", i)
    return ()


def _not_regular_files(paths: list[Path]) -> list[Problem]:
    """A folder, a dangling link, an unreadable or an oversized file where an expert or custom CSV is
    expected (checked before anything is read, so a huge file is never loaded)."""
    problems = []
    for path in paths:
        if not os.path.lexists(path):
            continue
        if path.is_dir():
            problems.append(Problem(str(path), 1, 1, "not-a-file", "is a folder where a CSV file is expected; rename or remove it"))
        elif not path.is_file():
            problems.append(Problem(str(path), 1, 1, "unreadable", "is not a regular file (a broken link?); replace it with the CSV"))
        elif not os.access(path, os.R_OK):
            problems.append(Problem(str(path), 1, 1, "unreadable", "permission denied; make the file readable"))
        elif path.stat().st_size > MAX_CUSTOM_BYTES:
            problems.append(Problem(str(path), 0, 0, "too-large", f"{path.stat().st_size:,} bytes; the limit is "
                                    f"{MAX_CUSTOM_BYTES:,} for expert and custom CSVs"))
    return problems


def _read_experts(root: Path, experts: list[Indicator], problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The expert CSVs one by one (combined values, every coder's row), so that a value the reader
    cannot convert (e.g. ``1e999``, an OverflowError) is a problem located at its file, never a traceback."""
    combined, rows = [], []
    for ind in experts:
        try:
            c, r = read_expert(root, [ind], problems)
        except (OverflowError, ValueError, TypeError) as exc:
            problems.append(Problem(str(root / "expert" / f"{ind.id}.csv"), 0, 0, "bad-value",
                                    f"a value cannot be read as a level of the scale ({exc}); check the value column"))
            continue
        combined.append(c)
        rows.append(r)
    combined, rows = [f for f in combined if not f.empty], [f for f in rows if not f.empty]
    if not combined and not rows:
        return read_expert(root, [], problems)
    empty = read_expert(root, [], problems)
    return (pd.concat(combined, ignore_index=True) if combined else empty[0],
            pd.concat(rows, ignore_index=True) if rows else empty[1])


def _non_finite(expert: pd.DataFrame, custom: pd.DataFrame, root: Path) -> list[Problem]:
    """A last guard: no inf or NaN from a user's CSV may reach the engine (rows are located)."""
    problems = []
    for frame, label in ((expert, "expert"), (custom, "custom")):
        if frame.empty or "value" not in frame:
            continue
        values = pd.to_numeric(frame["value"], errors="coerce")
        for k in frame.index[~np.isfinite(values.to_numpy(dtype="float64"))]:
            row = frame.loc[k]
            name = row.get("indicator", str(row.get("variable", "")).removeprefix("custom/"))
            problems.append(Problem(str(root / label / f"{name}.csv"), 0, 0, "non-finite",
                                    f"value for {row.get('unit')} {row.get('year')} is not a finite number "
                                    f"({frame.at[k, 'value']!r}); write a number"))
    return problems


def load_framework(path: Path | str, known_variables: Iterable[str] | None = None,
                   panel: pd.DataFrame | None = None, *, require_custom: bool = False) -> Framework:
    """Load and validate the framework folder at *path*.

    *known_variables* (or a *panel*) enables the check that every source variable exists and that
    a log transform never meets zero or negative data.  A ``custom/<name>`` variable needs
    ``custom/<name>.csv`` in the folder, checked when variables are known or *require_custom* is set
    (``marc validate``); otherwise a custom variable may come from a panel given at scoring time.
    """
    root = Path(path)
    if not root.is_dir():
        raise MarcError.single(root, "not-found", "framework folder does not exist; pass the folder holding index.yaml")
    problems: list[Problem] = []
    files = sorted(p for p in root.glob("*.yaml") if p.name not in SKIP_FILES and not p.name.startswith("."))
    index_path = root / "index.yaml"
    if index_path not in files:
        raise MarcError.single(index_path, "not-found", "a framework folder needs index.yaml declaring the index")

    docs: dict[Path, yamlio.YamlDoc] = {}
    index_file: IndexFile | None = None
    pillar_files: list[tuple[yamlio.YamlDoc, PillarFile]] = []
    for f in files:
        try:  # parsed once per content (marc.core.parsecache)
            doc, model = parsecache.yaml_model(f, IndexFile if f == index_path else PillarFile)
            docs[f] = doc
            if f == index_path:
                index_file = model
            else:
                pillar_files.append((doc, model))
        except MarcError as exc:
            problems.extend(exc.problems)
    if index_file is None:
        raise MarcError(problems)

    index = index_file.index
    components: dict[str, Component] = {}
    roles: dict[str, str] = {}
    parents: dict[str, str] = {}
    where: dict[str, tuple[yamlio.YamlDoc, tuple]] = {index.id: (docs[index_path], ("index", "id"))}
    indicators: list[Indicator] = []

    def claim(node_id: str, doc: yamlio.YamlDoc, loc: tuple) -> bool:
        if node_id in where:
            first = where[node_id][0].path.name
            problems.append(_problem(doc, loc, "duplicate-id", f"id {node_id!r} is already used in {first}; ids must be unique"))
            return False
        where[node_id] = (doc, loc)
        return True

    for doc, pf in pillar_files:
        p = pf.pillar
        if claim(p.id, doc, ("pillar", "id")):
            components[p.id] = p
            roles[p.id] = pf.role
            parents[p.id] = p.parent or index.id
        for k, sp in enumerate(pf.sub_pillars):
            if claim(sp.id, doc, ("sub_pillars", k, "id")):
                components[sp.id] = sp
                roles[sp.id] = "sub_pillar"
                parents[sp.id] = sp.parent or p.id
        for k, ind in enumerate(pf.indicators):
            if claim(ind.id, doc, ("indicators", k, "id")):
                indicators.append(ind)
                parents[ind.id] = ind.parent or p.id

    node_ids = set(components) | {index.id}
    for node, parent in parents.items():
        if parent not in node_ids:
            doc, loc = where[node]
            problems.append(_problem(doc, loc[:-1] + ("parent",), "unknown-parent",
                                     f"{node!r} names parent {parent!r}, which is not a pillar or sub-pillar"))
    # cycles among components (a component that is its own ancestor)
    for comp in components:
        seen, cur = set(), comp
        while cur in parents and cur not in seen:
            seen.add(cur)
            cur = parents[cur]
        if cur in seen:
            doc, loc = where[comp]
            problems.append(_problem(doc, loc, "cycle", f"component {comp!r} is its own ancestor"))

    known = set(known_variables) if known_variables is not None else None
    if panel is not None:
        known = set(panel["variable"].unique()) | (known or set())
    ind_ids = {i.id for i in indicators}
    graph: dict[str, set[str]] = {}
    for ind in indicators:
        doc, loc = where[ind.id]
        base = loc[:-1]
        variables = [ind.source] if ind.source else []
        if ind.transform.per:
            variables.append(ind.transform.per.denominator)
        if ind.expression is not None:
            try:
                tree = expression.parse(ind.expression)
                refs = expression.references(tree)
                variables += [r.name for r in refs if r.is_variable]
                deps = {r.name for r in refs if not r.is_variable}
                for dep in sorted(deps - ind_ids):
                    problems.append(_problem(doc, base + ("expression",), "unknown-reference",
                                             f"expression refers to {dep!r}, which is not an indicator id; write variables as [dataset/code]"))
                graph[ind.id] = deps & ind_ids
            except expression.ExpressionError as exc:
                line, col = _value_position(doc, base + ("expression",))
                problems.append(Problem(str(doc.path), line, col + exc.offset, "expression-syntax", f"{exc} in expression"))
        for var in variables:
            dataset = var.split("/", 1)[0]
            if dataset not in KNOWN_DATASETS:
                problems.append(_problem(doc, base + ("source" if var == ind.source else "expression",), "unknown-variable",
                                         f"unknown dataset {dataset!r} in {var!r}; known: {', '.join(sorted(KNOWN_DATASETS))}"))
            elif dataset == "custom" and (known is not None or require_custom) and var not in (known or ()) \
                    and not (root / "custom" / f"{var.split('/', 1)[1]}.csv").is_file():
                have = sorted(p.stem for p in (root / "custom").glob("*.csv"))
                problems.append(_problem(doc, base + ("source" if var == ind.source else "expression",), "custom-missing",
                                         f"{var!r} has no CSV: expected custom/{var.split('/', 1)[1]}.csv (columns unit, year, "
                                         f"value) in {root}; custom CSVs present: {', '.join(have) or 'none'}"))
            elif known is not None and dataset not in {"hazard", "custom"} and var not in known:
                problems.append(_problem(doc, base + ("source",), "unknown-variable",
                                         f"variable {var!r} is not in the data panel; run 'marc data report' to list variables"))
        if ind.transform.log and ind.source:
            offset = ind.transform.log.offset
            if ind.source in SIGNED_VARIABLES:
                problems.append(_problem(doc, base + ("transform",), "log-nonpositive",
                                         f"{ind.source} takes zero and negative values; a log transform is undefined there"))
            elif panel is not None:
                vals = panel.loc[panel["variable"] == ind.source, "value"]
                if len(vals) and (vals + offset <= 0).any():
                    problems.append(_problem(doc, base + ("transform",), "log-nonpositive",
                                             f"{int((vals + offset <= 0).sum())} values of {ind.source} are ≤ {-offset}; "
                                             "add a log offset or drop the log"))

    # cycles among derived indicators
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cyc = stack[stack.index(dep):] + [dep] if dep in stack else [node, dep]
                doc, loc = where[node]
                problems.append(_problem(doc, loc[:-1] + ("expression",), "cycle",
                                         f"derived indicators form a cycle: {' -> '.join(cyc)}"))
            elif state.get(dep) is None:
                visit(dep, stack + [dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])

    # a component whose children all weigh 0 cannot be aggregated (nothing would be left to average)
    weight_of = {**{c: components[c].weight for c in components}, **{i.id: i.weight for i in indicators}}
    for comp in sorted(node_ids):
        kids = [k for k, v in parents.items() if v == comp and k in weight_of]
        if kids and all(weight_of[k] == 0 for k in kids):
            doc, loc = where[comp]
            problems.append(_problem(doc, loc, "all-weights-zero",
                                     f"every child of {comp!r} ({', '.join(kids)}) has weight 0; give at least one a "
                                     "positive weight, or remove the component"))

    for loc, message in reference_problems(index_file.uncertainty, ind_ids, node_ids | ind_ids):
        problems.append(_problem(docs[index_path], loc, "unknown-reference", message))

    troubled = {p.file for p in problems}
    for comp in node_ids:
        if str(where[comp][0].path) in troubled:
            continue  # its children were rejected above; one message per mistake
        if not any(p == comp for p in parents.values()):
            doc, loc = where[comp]
            problems.append(_problem(doc, loc, "empty-component", f"{comp!r} has no indicators or sub-components"))

    experts = [i for i in indicators if i.kind == "expert"]
    not_files = _not_regular_files([root / "expert" / f"{i.id}.csv" for i in experts]
                                   + sorted((root / "custom").glob("*.csv")))
    problems.extend(not_files)
    bad = {p.file for p in not_files}
    expert, expert_rows = _read_experts(root, [i for i in experts if str(root / "expert" / f"{i.id}.csv") not in bad], problems)
    unit_table = read_units(root, index_file.units, problems) if index_file.units is not None else None
    if any("/custom/" in f for f in bad) or (index_file.units is not None and unit_table is None):
        custom = pd.DataFrame(columns=["unit", "year", "variable", "value", "source"])  # cannot be checked: not read
    else:
        try:
            custom = read_custom(root, problems, None if unit_table is None else frozenset(unit_table["unit"]))
        except (OverflowError, ValueError, TypeError) as exc:  # a row the reader's checks missed (found by fuzzing)
            custom = pd.DataFrame(columns=["unit", "year", "variable", "value", "source"])
            problems.append(Problem(str(root / "custom"), 0, 0, "bad-value",
                                    f"a custom CSV holds a row that cannot be read ({exc}); check its unit, year and value"))
    problems.extend(_non_finite(expert, custom, root))
    if problems:
        raise MarcError(problems)
    return Framework(root=root, index=index, editions=index_file.editions, defaults=index_file.defaults,
                     context=index_file.context, uncertainty=index_file.uncertainty, components=components,
                     roles=roles, indicators=indicators, parents=parents,
                     files={k: v[0].path for k, v in where.items()}, docs=docs, expert=expert,
                     expert_rows=expert_rows, custom=custom,
                     warnings=migrate.warnings(root, index_file.schema_version), units=unit_table,
                     territories=index_file.territories)


def edition_years(fw: Framework, latest_data_year: int | None) -> list[int]:
    """The framework's edition years; a located ``editions-empty`` error when the range holds none."""
    last = fw.editions.last or (latest_data_year if latest_data_year is not None else fw.editions.first)
    years = list(range(fw.editions.first, last + 1))
    if not years:
        doc = fw.docs.get(fw.root / "index.yaml")
        line, col = yamlmodel.locate(doc.root, ("editions", "first")) if doc is not None else (0, 0)
        raise MarcError([Problem(str(fw.root / "index.yaml"), line, col, "editions-empty",
                                 f"editions start in {fw.editions.first} but the latest data year is {last}: no edition "
                                 "to score; lower 'editions: first' or add newer data")])
    return years
