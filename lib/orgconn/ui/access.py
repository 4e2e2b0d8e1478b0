"""The acting user: signed in with ``st.login`` (OIDC) when configured, else single-user mode.

Sign-in is configured by an ``[auth]`` table in ``.streamlit/secrets.toml`` (Streamlit's own
OIDC settings). Roles come from the ``[access]`` table of orgconn's configuration:
``roles = {"ops@acme.example" = "operator", "@acme.example" = "viewer", "admins" = "admin"}``
(emails, ``@domain`` or group names from the ``groups`` claim), ``default_role`` for a signed-in
user nobody listed (viewer unless set) and ``local_role`` for single-user mode (admin unless
set; ``ORGCONN_LOCAL_ROLE`` overrides it).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from orgconn.services.access import Actor, Role, local_actor, role_for
from orgconn.ui import context


def _access_settings() -> dict[str, Any]:
    access = getattr(context.configured(), "access", None)
    if access is None:
        return {}
    return dict(access) if isinstance(access, dict) else access.model_dump()


def sign_in_configured() -> bool:
    """Whether Streamlit's ``[auth]`` OIDC settings exist, so users must sign in."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError):
        return False


def current_actor() -> Actor | None:
    """The acting user; None when sign-in is configured and nobody has signed in yet."""
    settings = _access_settings()
    if sign_in_configured():
        if not st.user.is_logged_in:
            return None
        email = str(st.user.get("email") or "")
        claim = st.user.get("groups")
        groups = tuple(str(g) for g in claim) if isinstance(claim, list | tuple) else ()
        role = role_for(email, groups, settings.get("roles") or {},
                        settings.get("default_role") or "viewer")
        return Actor(name=email or "signed-in user", role=role, signed_in=True)
    local = os.environ.get("ORGCONN_LOCAL_ROLE") or settings.get("local_role") or "admin"
    return local_actor(Role.parse(local))
