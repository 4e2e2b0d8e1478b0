"""Widgets shared by pages: the tenant picker and the protected-tenant confirmation."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, unquote

import streamlit as st

from orgconn.config import TenantConfig
from orgconn.ui import context, state


def tenants_to_show(names: list[str], linked: list[str], before: list[str]) -> list[str]:
    """The sidebar's tenants once a link's ``?tenant=`` (``linked``) is followed, in menu order.

    A link adds its tenants to those chosen ``before`` (following a link never drops them); a
    link in a fresh session (nothing chosen before) shows exactly its tenants, so a pasted link
    reproduces its view; no link keeps the earlier choice, or every tenant.
    """
    linked = [n for n in linked if n in names]
    before = [n for n in before if n in names]
    if not linked:
        return before or names
    wanted = set(linked) | set(before)
    return [n for n in names if n in wanted]


def tenant_picker() -> list[str]:
    """Sidebar multiselect of tenants (kept in the link as ``?tenant=``); returns the chosen.

    The choice is shared by the pages that show several tenants and starts as `tenants_to_show`
    says. "Chosen before" is this Streamlit session's choice or, for a new session (every link
    opens a new tab, hence a new session), the choice remembered for the browser session in the
    ``orgconn_tenants`` cookie (no expiry: it ends when the browser closes). The cookie holds
    only tenant names; it is written by a one-line script whenever the choice changes. On the
    run that follows a link, the link is left as it came, so the page reads its own tenant.
    """
    names = list(context.tenants())
    linked = [t for t in st.query_params.get_all(state.Q_TENANT) if t in names]
    start, followed = _starting_choice(names, linked)
    # set on every run: each page file draws its own picker, and Streamlit drops a widget's
    # value when another page's widget takes over the key (its documented multipage pattern)
    st.session_state[state.K_TENANTS] = start
    chosen: list[str] = st.sidebar.multiselect(
        "Tenants", names, key=state.K_TENANTS,
        format_func=lambda n: context.tenants()[n].label or n,
        help="Which tenants the pages show. Each token's org and tenant are listed below.",
    )
    if not followed and (set(chosen) != set(names) or linked):
        st.query_params[state.Q_TENANT] = chosen
    st.session_state[state.K_TENANTS_CHOSEN] = chosen
    st.session_state[state.K_TENANTS_LINKED] = [
        t for t in st.query_params.get_all(state.Q_TENANT) if t in names]
    _remember_for_the_browser_session(chosen)
    return chosen


def _starting_choice(names: list[str], linked: list[str]) -> tuple[list[str], bool]:
    """The picker's value before it is drawn, and whether this run follows a link."""
    if state.K_TENANTS_CHOSEN not in st.session_state:  # a new session
        remembered = unquote(st.context.cookies.get(state.TENANTS_COOKIE) or "").split(",")
        return tenants_to_show(names, linked, remembered), bool(linked)
    # the widget's value if this page drew it last run; else what the last page kept
    current = st.session_state.get(state.K_TENANTS, st.session_state[state.K_TENANTS_CHOSEN])
    current = [n for n in current if n in names]
    if linked and linked != st.session_state.get(state.K_TENANTS_LINKED):
        return tenants_to_show(names, linked, current), True  # not the picker's own link
    return current, False


def _remember_for_the_browser_session(chosen: list[str]) -> None:
    """Write the ``orgconn_tenants`` session cookie when the choice changed (a tiny script)."""
    if st.session_state.get(state.K_TENANTS_REMEMBERED) == chosen:
        return
    st.session_state[state.K_TENANTS_REMEMBERED] = chosen
    cookie = json.dumps(f"{state.TENANTS_COOKIE}={quote(','.join(chosen))}; path=/; "
                        "SameSite=Lax").replace("<", "\\u003c")
    st.sidebar.html(f"<script>document.cookie = {cookie};</script>",
                    unsafe_allow_javascript=True)


def one_tenant(key: str, chosen: list[str], label: str = "Tenant") -> TenantConfig:
    """A selectbox choosing one of the ``chosen`` tenants (the page's shell's: those picked in
    the sidebar; all, if none are)."""
    names = chosen or list(context.tenants())
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
                       help: str | None = None,
                       format_func: Callable[[str], str] = str) -> list[str]:
    """A multiselect whose choice lives in the link (``?param=a&param=b``); ``format_func``
    says what an option reads (the link keeps the option itself)."""
    if key not in st.session_state:
        st.session_state[key] = [v for v in st.query_params.get_all(param) if v in options]
    else:  # options can shrink when tenants change; keep only what still exists (and keep
        # the value across page files: a widget drawn by another page file starts empty)
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    chosen: list[str] = st.multiselect(label, options, key=key, help=help,
                                       format_func=format_func)
    _remember(param, chosen)
    return chosen


def linked_text(label: str, *, key: str, param: str, placeholder: str = "") -> str:
    """A text input whose value lives in the link (``?param=text``)."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param, "")
    else:  # kept across page files (app.py and pages/coverage.py draw the same widgets)
        st.session_state[key] = st.session_state[key]
    text: str = st.text_input(label, key=key, placeholder=placeholder)
    _remember(param, text.strip())
    return text


def linked_toggle(label: str, *, key: str, param: str, help: str | None = None) -> bool:
    """A toggle whose state lives in the link (``?param=1``)."""
    if key not in st.session_state:
        st.session_state[key] = st.query_params.get(param) == "1"
    else:  # kept across page files, as in `linked_text`
        st.session_state[key] = st.session_state[key]
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
    else:  # kept across page files, as in `linked_text`
        st.session_state[key] = st.session_state[key]
    chosen: str = st.selectbox(label, options, key=key, format_func=format_func, help=help)
    _remember(param, None if chosen == options[0] else chosen)
    return chosen
