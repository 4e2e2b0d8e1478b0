"""The frame every page stands in: `shell(page)` is the first statement of app.py and each page.

Streamlit runs the app in its documented pages-directory mode: ``/`` runs app.py and ``/NAME``
runs ``pages/NAME.py`` directly, without app.py. So the gate cannot live in app.py alone; each
page file starts with ``shell("NAME")`` (a test fails any that does not), which in order:

1. sets the page's title and layout and reads orgconn's configuration (a broken configuration
   is an error listing every problem, and nothing else runs);
2. the sign-in gate: with ``[auth]`` configured and nobody signed in, only a title, a sentence
   and "Sign in" — no menu, no data (see `orgconn.ui.sign_in`), then stops;
3. the sidebar menu by audience, `st.page_link`s filtered by role (Streamlit's own file list is
   hidden by ``client.showSidebarNavigation = false``), and who is acting, with Sign out;
4. the role check for this page: a role too low gets a sentence saying so, then stops;
5. the tenant picker (`widgets.tenant_picker`), each chosen token's org and tenant, Refresh,
   and the notice when the data is the embedded sandbox's.

It returns what pages need: the acting user and the chosen tenants. Pages and the ui helpers
they call take both from it and never ask again (one acting user per run; a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from orgconn.services.access import Actor
from orgconn.ui import context, navigation, sign_in, state, widgets
from orgconn.ui.access import current_actor
from orgconn.ui.errors import user_errors


@dataclass(frozen=True)
class Shell:
    """What a page gets from its shell: who acts, and the tenants chosen in the sidebar."""

    actor: Actor
    tenants: list[str]


def shell(page: str) -> Shell:
    """Gate, menu and tenant picker of the page whose URL path is ``page`` (see module doc).

    Stops the script (``st.stop``) for a signed-out user, a role too low for the page, or a
    configuration that cannot be read; otherwise returns the actor and the chosen tenants.
    """
    spec = navigation.page_spec(page)
    st.set_page_config(page_title=f"{spec.title} · orgconn", page_icon=":material/hub:",
                       layout="wide")
    with user_errors("Reading orgconn's configuration"):
        context.configured()
        actor = current_actor()
    if actor is None:
        sign_in.prompt()
    sign_in.return_to_wanted_page()
    _menu(actor)
    if actor.role < spec.role:
        st.warning(f"**{spec.title}** needs the {spec.role.name.lower()} role or higher, and "
                   f"yours is {actor.role.name.lower()}. Roles come from the `[access]` table "
                   "of orgconn's configuration: ask whoever manages it.", icon="🔒")
        st.stop()
    with user_errors("Starting the sandbox" if context.is_sandbox() else "Reading the tenants"):
        chosen = widgets.tenant_picker()
    _tenants_and_refresh(chosen)
    if context.is_sandbox():
        st.info(f"**Sandbox data.** No tenant is configured, so orgconn runs on its built-in "
                f"sandbox at `{context.sandbox().base_url}`: demo tenants with made-up "
                "customers. Configure tenants in `.streamlit/secrets.toml` (see "
                "`secrets.toml.example`) to work on real data.", icon=":material/science:")
    return Shell(actor=actor, tenants=chosen)


def _menu(actor: Actor) -> None:
    """The pages ``actor`` may open, under their audience's heading, then who is acting."""
    with st.sidebar:
        section = ""
        for spec in navigation.pages_for(actor.role):
            if spec.section != section:
                section = spec.section
                st.caption(section)
            st.page_link(spec.path, label=spec.title, icon=spec.icon, width="stretch")
        st.divider()
        if actor.signed_in:
            st.caption(f"Signed in as **{actor.name}** · {actor.role.name.lower()}")
            st.button("Sign out", key="auth.logout", on_click=st.logout)
        else:
            st.caption(f"Single-user mode (no sign-in configured): acting as **{actor.name}** · "
                       f"{actor.role.name.lower()}")


def _tenants_and_refresh(chosen: list[str]) -> None:
    """Under the picker: the org, tenant and user each chosen token reaches; Refresh."""
    with st.sidebar:
        for name in chosen:
            url = context.tenant(name).url
            with user_errors(f"Tenant {name}", stop=False):
                who = context.whoami(name, url)
                st.caption(f"**{name}** → {who.org_name} · tenant `{who.tenant_id}` · "
                           f"{who.email}")
        if st.button("Refresh", key=state.K_REFRESH, icon=":material/refresh:",
                     help="Fetch everything again from the tenants"):
            context.refresh()
