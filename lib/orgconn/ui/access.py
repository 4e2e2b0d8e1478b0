"""The acting user: signed in with ``st.login`` (OIDC) when configured, else single-user mode.

Sign-in is configured by an ``[auth]`` table in ``.streamlit/secrets.toml`` (Streamlit's own
OIDC settings). Roles come from the ``[access]`` table of orgconn's configuration:
``roles = {"ops@acme.example" = "operator", "@acme.example" = "viewer", "admins" = "admin"}``
(emails, ``@domain`` or group names from the ``groups`` claim), ``default_role`` for a signed-in
user nobody listed (viewer unless set) and ``local_role`` for single-user mode (admin unless
set; ``ORGCONN_ACCESS__LOCAL_ROLE`` overrides it, like any configuration key).
"""

from __future__ import annotations

import streamlit as st

from orgconn.services.access import Actor
from orgconn.ui import context


def sign_in_configured() -> bool:
    """Whether Streamlit's ``[auth]`` OIDC settings exist, so users must sign in."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError):
        return False


def current_actor() -> Actor | None:
    """The acting user; None when sign-in is configured and nobody has signed in yet.

    Only `orgconn.ui.shell.shell` calls it: pages use the actor their shell returns.
    """
    runtime = context.runtime()
    if sign_in_configured():
        if not st.user.is_logged_in:
            return None
        email = str(st.user.get("email") or "")
        claim = st.user.get("groups")
        groups = tuple(str(g) for g in claim) if isinstance(claim, list | tuple) else ()
        role = runtime.role_for(email, groups)
        return Actor(name=email or "signed-in user", role=role, signed_in=True)
    return runtime.local_actor()
