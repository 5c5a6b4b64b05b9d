"""Friendlier framework errors: paths relative to the framework folder, and "did you mean"
suggestions for unknown variables, datasets, indicator references and parents."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Iterable

from marc.core.errors import MarcError, Problem

_QUOTED = re.compile(r"'([^']+)'")


def close(name: str, options: Iterable[str], n: int = 3) -> list[str]:
    """Up to *n* options closest to *name* (difflib ratio ≥ 0.6; case-insensitive)."""
    opts = sorted(set(options))
    lower = {o.lower(): o for o in opts}
    return [lower[m] for m in difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)]


def _hint(p: Problem, variables: set[str], datasets: set[str], ids: set[str], components: set[str]) -> str:
    names = _QUOTED.findall(p.message)
    if not names:
        return ""
    if p.code == "unknown-variable" and p.message.startswith("unknown dataset"):
        found = close(names[0], datasets)
        if not found and len(names) > 1:  # suggest whole variables for a misspelt dataset prefix
            found = close(names[1], variables)
    elif p.code == "unknown-variable":
        found = close(names[0], variables)
        if not found and "/" in names[0]:  # same dataset, closest code
            prefix = names[0].split("/", 1)[0] + "/"
            found = close(names[0], [v for v in variables if v.startswith(prefix)])
    elif p.code == "unknown-reference":
        found = close(names[0], ids)
    elif p.code == "unknown-parent":
        found = close(names[-1], components)
    else:
        return ""
    return f"; did you mean {' or '.join(repr(f) for f in found)}?" if found else ""


def friendlier(exc: MarcError, folder: Path | None = None, *, variables: Iterable[str] = (), datasets: Iterable[str] = (),
               indicators: Iterable[str] = (), components: Iterable[str] = ()) -> MarcError:
    """The same problems with file paths relative to *folder* and a "did you mean" hint where a
    close match exists among the known *variables*, *datasets*, *indicators* and *components*."""
    variables, datasets, ids, comps = set(variables), set(datasets), set(indicators), set(components)
    base = Path(folder).resolve() if folder is not None else None
    out = []
    for p in exc.problems:
        file = p.file
        if base is not None:
            try:
                file = str(Path(p.file).resolve().relative_to(base))
            except (ValueError, OSError):
                pass
        out.append(Problem(file, p.line, p.column, p.code, p.message + _hint(p, variables, datasets, ids, comps)))
    return MarcError(out)
