"""The old module paths (before the stage layout of issue 17) and the thin shims that keep them working for one release.

:data:`MOVED` is the one map, old dotted name -> new dotted name.  Every old module is a shim file generated from it
(``python -m marc.core.moved`` rewrites them; ``tests/test_layout.py`` checks they match); importing one warns
:class:`DeprecationWarning` once, at the importer's line, and then the old name *is* the new module object
(``sys.modules``), so private names and monkeypatching keep working.  An old package (``marc.readers``) also makes its
submodules (``marc.readers.wdi``) the new ones.

:data:`SPLIT` lists the names that left a module when it was split along a seam (``marc.sources.ensure`` is now
``marc.data.pull.ensure``): the old path gives the new main module, which no longer has them.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

#: old dotted name -> new dotted name (the tests, the shims and docs/architecture.md read this map)
MOVED: dict[str, str] = {
    "marc.errors": "marc.core.errors",
    "marc.atomic": "marc.core.atomic",
    "marc.i18n": "marc.core.i18n",
    "marc.yamlio": "marc.core.yamlio",
    "marc.parsecache": "marc.core.parsecache",
    "marc.parsestore": "marc.core.parsestore",
    "marc.sources": "marc.data.sources",
    "marc.download": "marc.data.download",
    "marc.bundle": "marc.data.bundle",
    "marc.recovery": "marc.data.recovery",
    "marc.countries": "marc.data.countries",
    "marc.territories": "marc.data.territories",
    "marc.panel": "marc.data.panel",
    "marc.quality": "marc.data.quality",
    "marc.boundaries": "marc.data.boundaries",
    "marc.hazards.geometry": "marc.data.geometry",
    "marc.readers": "marc.data.readers",
    "marc.readers.base": "marc.data.readers.base",
    "marc.readers.gcf": "marc.data.readers.gcf",
    "marc.readers.inform": "marc.data.readers.inform",
    "marc.readers.ndc": "marc.data.readers.ndc",
    "marc.readers.ndgain": "marc.data.readers.ndgain",
    "marc.readers.peacekeeping": "marc.data.readers.peacekeeping",
    "marc.readers.security": "marc.data.readers.security",
    "marc.readers.sipri": "marc.data.readers.sipri",
    "marc.readers.ucdp": "marc.data.readers.ucdp",
    "marc.readers.wdi": "marc.data.readers.wdi",
    "marc.readers.wgi": "marc.data.readers.wgi",
    "marc.framework_base": "marc.method.framework_base",
    "marc.framework": "marc.method.framework",
    "marc.uncertainty_settings": "marc.method.uncertainty_settings",
    "marc.loader": "marc.method.loader",
    "marc.expression": "marc.method.expression",
    "marc.evidence": "marc.method.evidence",
    "marc.units": "marc.method.units",
    "marc.migrate": "marc.method.migrate",
    "marc.suggest": "marc.method.suggest",
    "marc.context": "marc.method.context",
    "marc.orientation": "marc.method.orientation",
    "marc.review": "marc.method.review",
    "marc.engine": "marc.scoring.engine",
    "marc.normalise": "marc.scoring.normalise",
    "marc.aggregate": "marc.scoring.aggregate",
    "marc.gapfill": "marc.scoring.gapfill",
    "marc.coverage": "marc.scoring.coverage",
    "marc.ranking": "marc.scoring.ranking",
    "marc.editions": "marc.scoring.editions",
    "marc.subnational": "marc.hazards.subnational",
    "marc.subnational_view": "marc.hazards.subnational_view",
    "marc.audit": "marc.analysis.audit",
    "marc.agreement": "marc.analysis.agreement",
    "marc.uncertainty": "marc.analysis.uncertainty",
    "marc.coding_uncertainty": "marc.analysis.coding_uncertainty",
    "marc.rank_intervals": "marc.analysis.rank_intervals",
    "marc.sensitivity": "marc.analysis.sensitivity",
    "marc.replication": "marc.analysis.replication",
    "marc.explain": "marc.analysis.explain",
    "marc.project": "marc.pipeline.project",
    "marc.release": "marc.pipeline.release",
    "marc.views": "marc.reporting.views",
    "marc.charts": "marc.reporting.charts",
    "marc.webmap": "marc.reporting.webmap",
    "marc.palette": "marc.reporting.palette",
    "marc.matrix": "marc.reporting.matrix",
    "marc.export": "marc.reporting.export",
    "marc.export_gis": "marc.reporting.export_gis",
    "marc.export_xlsx": "marc.reporting.export_xlsx",
    "marc.datapackage": "marc.reporting.datapackage",
    "marc.spreadsheet": "marc.reporting.spreadsheet",
    "marc.brief": "marc.reporting.brief",
    "marc.brief_blocks": "marc.reporting.brief_blocks",
    "marc.brief_text": "marc.reporting.brief_text",
    "marc.brief_pdf": "marc.reporting.brief_pdf",
    "marc.brief_docx": "marc.reporting.brief_docx",
    "marc.subnational_brief": "marc.reporting.subnational_brief",
    "marc.subnational_charts": "marc.reporting.subnational_charts",
    "marc.snapshot": "marc.reporting.snapshot",
    "marc.face": "marc.reporting.face",
    "marc.profile": "marc.reporting.profile",
    "marc.outputs": "marc.reporting.outputs",
    "marc.access": "marc.reporting.access",
}

#: old module -> {name that moved out when it was split: the module that now holds it}
SPLIT: dict[str, dict[str, str]] = {
    "marc.download": {"_is_archive": "marc.data.archives (as is_archive)", "_archive_kind": "marc.data.archives (as archive_kind)"},
    "marc.brief": {**{n: "marc.reporting.brief_facts" for n in (
        "_count", "_flag", "_gcf", "_hazards", "_headline", "_indicator_method", "_indicators", "_interval", "_latest", "_method",
        "_pct", "_peers", "_projections", "_r", "_shown", "_sig", "_source_of", "_text", "_year")},
                   "export": "marc.reporting.brief_facts (the module it used; call marc.reporting.export)",
                   "views": "marc.reporting.brief_facts (the module it used)"},
    "marc.subnational_brief": {"blocks": "marc.reporting.brief_blocks (as admin1_blocks)"},
    "marc.yamlio": {n: "marc.core.yamlmodel" for n in ("M", "locate", "parse_model", "validation_problems", "_message", "_CODES")},
    "marc.export": {"_describe": "marc.reporting.export_tables", "_lock": "marc.reporting.export_tables"},
    "marc.panel": {n: "marc.data.panel_build" for n in ("PROCESSED_DIR", "PanelBuild", "build_panel", "load_panel")},
    "marc.project": {"write_table": "marc.reporting.export"},
    "marc.sources": {n: "marc.data.pull" for n in ("Outcome", "ensure", "ensure_report", "manual_problem", "PULL_LOCK_TIMEOUT")},
}


def message(old: str) -> str:
    new = MOVED[old]
    moved_out = SPLIT.get(old, {})
    extra = f"; {len(moved_out)} of its names moved elsewhere when it was split: see SPLIT in marc.core.moved" if moved_out else ""
    return f"{old} is deprecated: import {new} (the old path goes in the next release{extra})"


def forward(old: str) -> None:
    """Called by the shim module *old*: warn once, at the importer, then make *old* the new module."""
    new = MOVED[old]
    # stacklevel 3: forward -> the shim's body -> (import machinery, skipped) -> the importing line
    warnings.warn(message(old), DeprecationWarning, stacklevel=3)
    module = importlib.import_module(new)
    sys.modules[old] = module
    for old_sub, new_sub in MOVED.items():  # an old package: its submodules are the new ones too
        if old_sub.startswith(old + "."):
            sys.modules[old_sub] = importlib.import_module(new_sub)


def shim_path(old: str, root: Path | None = None) -> Path | None:
    """The shim file of *old* under *root* (the folder holding ``marc/``); None for a submodule of an old package."""
    root = root or Path(__file__).resolve().parents[2]
    parent = old.rsplit(".", 1)[0]
    if parent in MOVED:
        return None
    rel = Path(*old.split("."))
    return root / (rel / "__init__.py" if any(o.startswith(old + ".") for o in MOVED) else rel.with_suffix(".py"))


def shim_text(old: str) -> str:
    return (f'"""Deprecated: moved to :mod:`{MOVED[old]}` (see :mod:`marc.core.moved`); this path goes in the next release."""\n'
            "\n"
            "from marc.core.moved import forward\n"
            "\n"
            "forward(__name__)\n")


def markdown() -> str:
    """The two tables of docs/architecture.md: every moved module, and the names that left a split module."""
    moved = ["| old path | new path |", "|---|---|"] + [f"| `{old}` | `{new}` |" for old, new in MOVED.items()]
    split = ["| old path | name | now in |", "|---|---|---|"] + [
        f"| `{old}` | `{name}` | {where} |" for old, names in SPLIT.items() for name, where in sorted(names.items())]
    return "\n".join(moved) + "\n\nNames that left a module when it was split:\n\n" + "\n".join(split) + "\n"


def write_shims(root: Path | None = None) -> list[Path]:
    written = []
    for old in MOVED:
        path = shim_path(old, root)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(shim_text(old), encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_shims():
        print(path)
