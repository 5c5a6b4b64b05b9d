"""The ``marc`` command line.

Each area registers its commands from its own module (``marc.cli.<area>``); this module only
assembles them and turns :class:`marc.errors.MarcError` into located messages and exit code 2.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from marc.errors import MarcError

app = typer.Typer(
    name="marc",
    help="MARC: climate-crisis readiness of security sectors (Mitigation, Adaptation, Response, Cooperation).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


# Command modules register themselves on `app` when imported.
from marc.cli import framework as _framework  # noqa: E402,F401
from marc.cli import sources as _sources  # noqa: E402,F401
from marc.cli import data as _data  # noqa: E402,F401
from marc.cli import hazards as _hazards  # noqa: E402,F401
from marc.cli import audit as _audit  # noqa: E402,F401
from marc.cli import export as _export  # noqa: E402,F401
from marc.cli import evidence as _evidence  # noqa: E402,F401
from marc.cli import access as _access  # noqa: E402,F401
from marc.cli import release as _release  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except MarcError as error:
        for problem in sorted(error.problems):
            err_console.print(str(problem), markup=False)
        n = len(error.problems)
        err_console.print(f"{n} problem{'s' if n != 1 else ''} found.", markup=False)
        sys.exit(2)
