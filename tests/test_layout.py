"""The layout of ``marc/`` (issue 17): stages in flow order, no import circle, no import back up, thin shims.

The import graph is read from the source (ast), at every level (imports inside functions count: they run too);
only imports under ``if TYPE_CHECKING:`` are left out.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import marc
from marc.core.moved import MOVED, markdown, shim_path, shim_text

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "marc"
SHIMS = {p for old in MOVED if (p := shim_path(old, REPO)) is not None}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    """Every real module of marc (the shims and the map itself left out): dotted name -> file."""
    out = {}
    for path in sorted(PKG.rglob("*.py")):
        if path in SHIMS:
            continue
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(name: str, path: Path) -> dict[str, int]:
    """The marc modules *name* imports -> first line, at any level but ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if _type_checking(node) for n in ast.walk(node)}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        for target in targets:
            while target and target not in MODULES and "." in target:
                target = target.rpartition(".")[0]
            if (target == "marc" or target.startswith("marc.")) and target != name:
                found.setdefault(target, node.lineno)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def stage(name: str) -> int:
    """The stage index of a module: ``marc`` itself first, ``marc.__main__`` with the CLI."""
    parts = name.split(".")
    if len(parts) == 1:
        return 0
    if parts[1] == "__main__":
        return marc.STAGES.index("cli")
    assert parts[1] in marc.STAGES, f"{name} is in no stage: put it in one of {marc.STAGES} (marc.STAGES)"
    return marc.STAGES.index(parts[1])


def test_every_module_is_in_a_stage():
    for name in MODULES:
        stage(name)


def _back_edges(graph: dict[str, dict[str, int]]) -> list[str]:
    return [f"{a}:{line}: {a} ({marc.STAGES[stage(a)]}) imports {b} ({marc.STAGES[stage(b)]})"
            for a, targets in graph.items() for b, line in targets.items() if stage(b) > stage(a)]


def test_no_import_runs_back_up_the_stages():
    back = _back_edges(GRAPH)
    assert not back, "imports from a later stage:\n" + "\n".join(back)


def test_a_back_edge_is_found():
    graph = {"marc.data.panel": {"marc.scoring.engine": 7, "marc.core.errors": 3}, "marc.scoring.engine": {"marc.data.panel": 2}}
    assert _back_edges(graph) == ["marc.data.panel:7: marc.data.panel (data) imports marc.scoring.engine (scoring)"]


def _circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    assert not _circles(GRAPH), f"import circles: {_circles(GRAPH)}"


def test_the_circle_finder_finds_a_circle():
    assert _circles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b": 1}, "b": {}}) == []


def test_top_level_is_the_stages_and_the_shims():
    entries = {p.name for p in PKG.iterdir() if p.name != "__pycache__" and p not in SHIMS and p / "__init__.py" not in SHIMS}
    assert entries == {"__init__.py", "__main__.py", "py.typed", *marc.STAGES}


def test_no_module_above_the_limit_and_no_utils():
    long = {str(p.relative_to(REPO)): n for p in MODULES.values() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules above {MAX_LINES} lines (split them along a seam): {long}"
    assert not [p for p in PKG.rglob("*util*")], "no utils module: name a module after its domain"


def test_every_shim_is_generated_from_the_map():
    assert SHIMS, "the map names no shim"
    for path in SHIMS:
        old = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        assert path.read_text(encoding="utf-8") == shim_text(old), f"{path}: run `python -m marc.core.moved`"
    for old, new in MOVED.items():
        assert new in MODULES, f"{old} maps to {new}, which does not exist"


def test_the_architecture_doc_lists_the_map():
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "```mermaid" in doc and all(f"**`marc.{s}`**" in doc for s in marc.STAGES)
    assert markdown() in doc, "docs/architecture.md: paste marc.core.moved.markdown() under 'Old module paths'"


def _old_names_imported(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        found += [f"{path.relative_to(REPO)}:{node.lineno}: {n}" for n in names if n in MOVED]
    return found


def test_no_code_uses_an_old_path():
    files = [p for d in ("marc", "marc_app", "tests", "bench") for p in (REPO / d).rglob("*.py")] + [REPO / "app.py"]
    files = [p for p in files if p not in SHIMS and p.name != "test_layout.py"]
    old = [hit for p in files for hit in _old_names_imported(p)]
    assert not old, "imports of old paths:\n" + "\n".join(old)
    assert "marc.cli:main" in (REPO / "pyproject.toml").read_text()


SHIM_CHECK = r"""
import importlib, json, sys, warnings
from marc.core.moved import MOVED
out = {}
for old, new in MOVED.items():
    module = importlib.import_module(new)
    top = next(p for p in MOVED if old == p or old.startswith(p + "."))  # an old package and all it aliased
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = importlib.import_module(old)
    mine = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning) and "is deprecated: import marc." in str(w.message)]
    files = [w.filename for w in caught if "is deprecated: import marc." in str(w.message)]
    out[old] = {"same": got is module and sys.modules[old] is module, "warnings": mine, "files": files}
print(json.dumps(out))
"""


def _run(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_every_shim_warns_once_and_is_the_new_module():
    result = json.loads(_run(SHIM_CHECK).strip().splitlines()[-1])
    assert set(result) == set(MOVED)
    for old, r in result.items():
        assert r["same"], f"import {old} is not the module {MOVED[old]}"
        top = next(p for p in MOVED if old == p or old.startswith(p + "."))  # marc.readers.wdi: the package warns
        assert len(r["warnings"]) == 1 and r["warnings"][0].startswith(f"{top} is deprecated: import {MOVED[top]} "), (old, r)
        assert all("importlib" in f or f == "<string>" for f in r["files"]), (old, r["files"])  # at the importer


def test_importing_every_new_module_warns_no_old_path():
    names = sorted(n for n in MODULES if n != "marc.__main__")
    code = ("import importlib, warnings\n"
            "warnings.filterwarnings('error', message='.*is deprecated: import marc[.]', category=DeprecationWarning)\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\nprint('ok')\n")
    assert _run(code).strip().endswith("ok")
