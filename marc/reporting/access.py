"""Who may change what when the app is served: pure role functions over the configuration.

The app can be opened by anyone who reaches its URL, so editing is closed unless the configuration
opens it.  Three modes (``editing`` in the ``[marc]`` section of ``.streamlit/secrets.toml``, or the
``MARC_EDITING`` environment variable, which wins):

``local``
    No sign-in; whoever uses the app may edit.  The default only when the server listens on the
    loopback interface alone (``server.address = "127.0.0.1"``, as in the project's
    ``.streamlit/config.toml`` used by ``make app``), so nobody else can reach it.
``signin``
    Sign-in through Streamlit's built-in authentication (OIDC, ``st.login``; the provider in the
    ``[auth]`` secrets section).  Signed-in users listed in ``editors`` may edit the framework and add
    evidence; those in ``reviewers`` may add and review evidence; everyone else reads only.
``off``
    Read-only for everyone.  The default whenever the server listens on a public address.

Nothing here imports Streamlit: :mod:`marc_app.auth` reads ``st.secrets``, the server address and
``st.user`` and calls :func:`resolve`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

from marc.core.errors import MarcError

Mode = Literal["local", "signin", "off"]
Role = Literal["editor", "reviewer", "viewer"]
MODES: tuple[str, ...] = ("local", "signin", "off")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: What each role may do.
PERMISSIONS: dict[str, frozenset[str]] = {
    "editor": frozenset({"framework", "evidence", "review", "upload"}),
    "reviewer": frozenset({"evidence", "review"}),
    "viewer": frozenset(),
}
#: Uploads: the largest accepted file and the accepted types, per purpose.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_TYPES: dict[str, tuple[str, ...]] = {"framework": ("yaml", "yml"), "custom": ("csv",), "evidence": ("csv",)}


@dataclass(frozen=True)
class AccessConfig:
    """The ``[marc]`` configuration, checked."""

    mode: Mode
    editors: frozenset[str] = field(default_factory=frozenset)
    reviewers: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Access:
    """What the current user may do."""

    mode: Mode
    role: Role
    user: str | None = None  # the signed-in e-mail (None when not signed in or in local mode)
    needs_signin: bool = False  # signin mode and nobody signed in yet

    def can(self, action: str) -> bool:
        return action in PERMISSIONS[self.role]

    @property
    def read_only(self) -> bool:
        return not PERMISSIONS[self.role]


def _emails(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise MarcError.single(where, "bad-config", "must be a list of e-mail addresses")
    return frozenset(v.strip().lower() for v in value if v.strip())


def load_config(section: Mapping[str, Any] | None, bind_address: str | None,
                env: Mapping[str, str] | None = None) -> AccessConfig:
    """The access configuration from the ``[marc]`` secrets *section*, the server's *bind_address*
    and the environment (``MARC_EDITING``, ``MARC_EDITORS``, ``MARC_REVIEWERS``)."""
    section = dict(section or {})
    env = os.environ if env is None else env
    mode = env.get("MARC_EDITING") or section.get("editing")
    if mode is None:
        mode = "local" if (bind_address or "").strip() in LOOPBACK else "off"
    if mode not in MODES:
        raise MarcError.single("[marc] editing", "bad-config", f"{mode!r} is not a mode; use one of {', '.join(MODES)}")
    editors = _emails(env.get("MARC_EDITORS") or section.get("editors"), "[marc] editors")
    reviewers = _emails(env.get("MARC_REVIEWERS") or section.get("reviewers"), "[marc] reviewers")
    if mode == "signin" and not editors and not reviewers:
        raise MarcError.single("[marc] editors", "bad-config", "signin mode needs at least one editor or reviewer e-mail")
    return AccessConfig(mode=mode, editors=editors, reviewers=reviewers - editors)


def resolve(config: AccessConfig, user: Mapping[str, Any] | None) -> Access:
    """The current user's access: *user* is ``st.user`` as a mapping (``is_logged_in``, ``email``)."""
    if config.mode == "local":
        return Access("local", "editor")
    if config.mode == "off":
        return Access("off", "viewer")
    user = user or {}
    if not user.get("is_logged_in"):
        return Access("signin", "viewer", needs_signin=True)
    email = str(user.get("email") or "").strip().lower()
    verified = user.get("email_verified", True) is not False  # a provider that says "unverified" is not trusted
    if email and verified and email in config.editors:
        return Access("signin", "editor", email)
    if email and verified and email in config.reviewers:
        return Access("signin", "reviewer", email)
    return Access("signin", "viewer", email or None)


def check_upload(name: str, size: int, purpose: str) -> None:
    """Refuse an upload that is too large or of the wrong type (a located ``MarcError``)."""
    types = UPLOAD_TYPES.get(purpose, ())
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in types:
        raise MarcError.single(name, "bad-upload-type", f"only {', '.join('.' + t for t in types)} files are accepted here")
    if size > MAX_UPLOAD_BYTES:
        raise MarcError.single(name, "too-large", f"{size:,} bytes; uploads are limited to {MAX_UPLOAD_BYTES:,}")
