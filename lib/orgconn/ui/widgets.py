"""Widgets shared by pages: the tenant picker and the protected-tenant confirmation."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from orgconn.config import TenantConfig
from orgconn.ui import context, state
from orgconn.ui.navigation import require_shell


def tenant_picker() -> list[str]:
    """Sidebar multiselect of tenants (kept in the link as ``?tenant=``); returns the chosen.

    Defaults to every tenant. The choice is shared by the pages that show several tenants.
    """
    names = list(context.tenants())
    if state.K_TENANTS not in st.session_state:
        from_link = [t for t in st.query_params.get_all(state.Q_TENANT) if t in names]
        st.session_state[state.K_TENANTS] = from_link or names
    chosen: list[str] = st.sidebar.multiselect(
        "Tenants", names, key=state.K_TENANTS,
        format_func=lambda n: context.tenants()[n].label or n,
        help="Which tenants the pages show. Each token's org and tenant are listed below.",
    )
    if set(chosen) != set(names) or st.query_params.get_all(state.Q_TENANT):
        st.query_params[state.Q_TENANT] = chosen
    return chosen


def chosen_tenants() -> list[str]:
    """The tenants picked in the sidebar's tenant picker (possibly none), in menu order."""
    require_shell()
    return list(st.session_state.get(state.K_TENANTS) or [])


def one_tenant(key: str, label: str = "Tenant") -> TenantConfig:
    """A selectbox choosing one of the tenants picked in the sidebar (all, if none are)."""
    names = chosen_tenants() or list(context.tenants())
    name = st.selectbox(label, names, key=key,
                        format_func=lambda n: context.tenants()[n].label or n)
    return context.tenant(str(name))


def typed_confirmation(tenant: TenantConfig, key: str) -> str | None:
    """For a protected tenant, a text box where the user types its name; None otherwise.

    Pass the returned text to `services.access.require_typed_confirmation` before writing.
    """
    if not tenant.protected:
        return None
    value: str = st.text_input(
        f"Tenant {tenant.name} is protected: type **{tenant.name}** to confirm",
        key=key, placeholder=tenant.name,
    )
    return value


def _remember(param: str, value: str | list[str] | None) -> None:
    if value in (None, "", []):
        if param in st.query_params:
            del st.query_params[param]
    else:
        st.query_params[param] = value


def linked_multiselect(label: str, options: list[str], *, key: str, param: str,
                       help: str | None = None) -> list[str]:
    """A multiselect whose choice lives in the link (``?param=a&param=b``)."""
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    else:  # options can shrink when tenants change; keep only what still exists
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    chosen: list[str] = st.multiselect(label, options, key=key, help=help)
    _remember(param, chosen)
    return chosen


def linked_text(label: str, *, key: str, param: str, placeholder: str = "") -> str:
    """A text input whose value lives in the link (``?param=text``)."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param, "")
    text: str = st.text_input(label, key=key, placeholder=placeholder)
    _remember(param, text.strip())
    return text


def linked_toggle(label: str, *, key: str, param: str, help: str | None = None) -> bool:
    """A toggle whose state lives in the link (``?param=1``)."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param) == "1"
    on: bool = st.toggle(label, key=key, help=help)
    _remember(param, "1" if on else None)
    return on


def linked_selectbox(label: str, options: list[str], *, key: str, param: str,
                     format_func: Callable[[str], str] = str, help: str | None = None) -> str:
    """A selectbox whose choice lives in the link (``?param=value``; the first option, the
    default, is left out of the link). ``options`` must not be empty."""
    if st.session_state.get(key) not in options:
        wanted = st.query_params.get(param)
        st.session_state[key] = wanted if wanted in options else options[0]
    chosen: str = st.selectbox(label, options, key=key, format_func=format_func, help=help)
    _remember(param, None if chosen == options[0] else chosen)
    return chosen
