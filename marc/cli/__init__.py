"""The ``marc`` command line.

Each area registers its commands from its own module (``marc.cli.<area>``); this module only
assembles them and turns :class:`marc.core.errors.MarcError` into located messages and exit code 2.
"""

from __future__ import annotations

import os
import sys

import typer
from rich.console import Console

from marc.core.errors import MarcError

app = typer.Typer(
    name="marc",
    help="MARC: climate-crisis readiness of security sectors (Mitigation, Adaptation, Response, Cooperation).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@app.callback()
def _group() -> None:
    # a group even when one command module alone is registered (see register): "marc release ..." stays a
    # sub-command, never the root command
    pass


#: The command modules (``marc.cli.<area>``), each registering its commands on ``app`` when imported.
AREAS = ("framework", "sources", "data", "hazards", "audit", "export", "evidence", "access", "release", "explain",
         "snapshot")
#: The area that registers each top-level command or group, so that running one command imports only
#: its module (start-up time; tests/test_cli_startup.py checks this map against what the modules register).
COMMANDS = {"validate": "framework", "migrate": "framework", "schema": "framework", "score": "framework",
            "pull": "sources", "pack": "sources", "sources": "sources", "data": "data", "hazards": "hazards",
            "audit": "audit", "uncertainty": "audit", "export": "export", "brief": "export", "evidence": "evidence",
            "access": "access", "release": "release", "explain": "explain", "snapshot": "snapshot"}


def registered() -> set[str]:
    """The top-level command and group names registered on ``app`` so far."""
    names = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands if c.callback}
    return names | {g.name for g in app.registered_groups if g.name}


def register(argv: list[str] | None = None) -> None:
    """Import the command modules: only the one that registers the command *argv* names (``marc score``
    imports no export, hazards or access code), else all of them (``marc --help``, an unknown name)."""
    import importlib

    command = next(iter(argv or ()), None)
    area = COMMANDS.get(command) if command is not None and not command.startswith("-") else None
    if area is not None:
        importlib.import_module(f"marc.cli.{area}")
        if command in registered():
            return
    for name in AREAS:  # every command (or the map above is out of date: then still a working CLI)
        importlib.import_module(f"marc.cli.{name}")


def _is_command_line() -> bool:
    """True in the ``marc`` command itself (``python -m marc``, or the ``marc`` console script), where
    :func:`main` registers what the command line needs; anywhere else (tests, notebooks) the app is whole."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None:
        return spec.name == "marc.__main__"
    return os.path.basename(sys.argv[0] if sys.argv else "") == "marc"


if not _is_command_line():
    register()


def main() -> None:
    """Console-script entry point."""
    register(sys.argv[1:])
    try:
        app()
    except MarcError as error:
        for problem in sorted(error.problems):
            err_console.print(str(problem), markup=False)
        n = len(error.problems)
        err_console.print(f"{n} problem{'s' if n != 1 else ''} found.", markup=False)
        sys.exit(2)
