"""``marc access``: check the served app's access configuration (who may edit) before serving it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from marc.cli import app
from marc.core.errors import MarcError
from marc.reporting import access

console = Console(highlight=False)


@app.command("access")
def access_cmd(secrets: Path = typer.Option(Path(".streamlit/secrets.toml"), help="Streamlit secrets file ([marc] and [auth])."),
               address: str = typer.Option("127.0.0.1", help="The address the server will listen on."),
               user: Optional[str] = typer.Option(None, help="Show the role of this signed-in e-mail.")) -> None:
    """Show the editing mode, editors and reviewers the app will apply; exit 2 on a wrong configuration."""
    section: dict = {}
    auth_ok = False
    if secrets.is_file():
        try:
            data = tomllib.loads(secrets.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise MarcError.single(secrets, "bad-config", f"not valid TOML ({exc})") from None
        section = data.get("marc", {})
        auth_ok = isinstance(data.get("auth"), dict)
    config = access.load_config(section, address)
    if config.mode == "signin" and not auth_ok:
        raise MarcError.single(secrets, "bad-config", "signin mode needs an [auth] section (OIDC provider, redirect_uri, "
                               "cookie_secret); see docs/security.md")
    console.print(f"editing: {config.mode}" + (" (default for this address)" if "editing" not in section else ""), markup=False)
    console.print(f"editors: {', '.join(sorted(config.editors)) or '-'}", markup=False)
    console.print(f"reviewers: {', '.join(sorted(config.reviewers)) or '-'}", markup=False)
    if user is not None:
        acc = access.resolve(config, {"is_logged_in": True, "email": user})
        console.print(f"{user}: {acc.role}", markup=False)
