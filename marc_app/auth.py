"""The served app's gate: sign-in (Streamlit's built-in OIDC authentication) and read-only mode.

The rules are pure functions in :mod:`marc.reporting.access`; this module only reads the configuration
(``[marc]`` in ``.streamlit/secrets.toml``, ``MARC_EDITING``), the server's bind address and
``st.user``, draws the sign-in box, and stops a page's editing part for users who may not edit.
"""

from __future__ import annotations

import streamlit as st

from marc.core.errors import MarcError
from marc.reporting import access
from marc_app.lang import _

#: the catalogue keys of the read-only notes
MESSAGES = {"off": "app_auth_off", "signin": "app_auth_signin", "viewer": "app_auth_viewer"}


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
        st.error(_("app_auth_config_error", error=exc.render()))
        return access.Access("off", "viewer")
    return access.resolve(config, _user())


def sidebar() -> access.Access:
    """Sign-in / sign-out box in the sidebar (signin mode) or a read-only note (off mode)."""
    acc = current()
    with st.sidebar:
        if acc.mode == "signin":
            if acc.needs_signin:
                st.button(_("app_auth_signin_button"), on_click=st.login, key="auth_signin", help=_("app_auth_signin_help"))
            else:
                st.caption(_("app_auth_signed_in", user=acc.user, role=acc.role))
                st.button(_("app_auth_signout"), on_click=st.logout, key="auth_signout")
        elif acc.mode == "off":
            st.caption(_("app_auth_readonly_server"))
    return acc


def allowed(action: str) -> bool:
    """May the current user do *action* (framework, evidence, review, upload)?  Says why not."""
    acc = current()
    if acc.can(action):
        return True
    key = "viewer" if acc.mode == "signin" and not acc.needs_signin else acc.mode
    st.info(_(MESSAGES[key], user=acc.user or "?"))
    return False


def stop_unless(action: str) -> None:
    """Stop the page here (everything above stays visible) unless the user may do *action*."""
    if not allowed(action):
        st.stop()
