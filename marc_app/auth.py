"""The served app's gate: sign-in (Streamlit's built-in OIDC authentication) and read-only mode.

The rules are pure functions in :mod:`marc.access`; this module only reads the configuration
(``[marc]`` in ``.streamlit/secrets.toml``, ``MARC_EDITING``), the server's bind address and
``st.user``, draws the sign-in box, and stops a page's editing part for users who may not edit.
"""

from __future__ import annotations

import streamlit as st

from marc import access
from marc.errors import MarcError

MESSAGES = {
    "off": "Read-only: editing is not enabled on this server (set `editing` in the `[marc]` configuration).",
    "signin": "Read-only: sign in with an account listed as an editor to change the framework or add evidence.",
    "viewer": "Read-only here: your account ({user}) is not listed as an editor (reviewers may add evidence only).",
}


def _section() -> dict:
    try:
        return dict(st.secrets.get("marc", {}))
    except Exception:  # no secrets.toml at all: the defaults apply
        return {}


def _user() -> dict:
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def current() -> access.Access:
    """The current user's access (read-only when the configuration is wrong, with the error shown)."""
    try:
        config = access.load_config(_section(), st.get_option("server.address"))
    except MarcError as exc:
        st.error(f"Access configuration: {exc.render()}. The app stays read-only until it is fixed.")
        return access.Access("off", "viewer")
    return access.resolve(config, _user())


def sidebar() -> access.Access:
    """Sign-in / sign-out box in the sidebar (signin mode) or a read-only note (off mode)."""
    acc = current()
    with st.sidebar:
        if acc.mode == "signin":
            if acc.needs_signin:
                st.button("Sign in", on_click=st.login, key="auth_signin", help="Sign in to edit (editors and reviewers)")
            else:
                st.caption(f"Signed in as {acc.user} · {acc.role}")
                st.button("Sign out", on_click=st.logout, key="auth_signout")
        elif acc.mode == "off":
            st.caption("Read-only server")
    return acc


def allowed(action: str) -> bool:
    """May the current user do *action* (framework, evidence, review, upload)?  Says why not."""
    acc = current()
    if acc.can(action):
        return True
    key = "viewer" if acc.mode == "signin" and not acc.needs_signin else acc.mode
    st.info(MESSAGES[key].format(user=acc.user or "?"))
    return False


def stop_unless(action: str) -> None:
    """Stop the page here (everything above stays visible) unless the user may do *action*."""
    if not allowed(action):
        st.stop()
