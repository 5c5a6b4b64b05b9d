"""``marc release``: freeze a citable release (version, framework, sources.lock, edition)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from marc.cli import app
from marc.pipeline import project

console = Console(highlight=False)


@app.command("release")
def release_cmd(version: str = typer.Argument(..., help="The version to freeze, e.g. 0.2.0 (must match pyproject.toml "
                                                        "and CITATION.cff)."),
                out: Path = typer.Option(Path("releases"), "--out", "-o", help="Folder that receives MARC-v<version>/."),
                edition: Optional[int] = typer.Option(None, help="Edition year; default: the latest complete edition."),
                framework: Optional[Path] = typer.Option(None, help="Framework folder (default: indicators/).")) -> None:
    """Freeze a release: framework hash, data lock hash, edition, the sources.lock and the framework files."""
    from marc.pipeline.release import freeze

    folder = framework or project.default_framework_dir()
    if edition is None:
        edition = int(project.compute(folder, years="latest", progress=False).years[-1])
    target = freeze(version, out, framework_dir=folder, edition=edition)
    console.print(f"Froze {target}: see {target / 'release.json'} (cite as and how to reproduce).", markup=False)
