"""orgconn's router: sign-in gate, tenant picker, sandbox notice, pages by audience. No logic."""

from __future__ import annotations

import streamlit as st

from orgconn.ui import context, navigation, state, widgets
from orgconn.ui.access import current_actor
from orgconn.ui.errors import user_errors

st.set_page_config(page_title="orgconn", page_icon=":material/hub:", layout="wide")

with user_errors("Reading orgconn's configuration"):
    context.configured()

actor = current_actor()
if actor is None:
    st.title("orgconn")
    st.write("Sign in to see your organization's connections.")
    st.button("Sign in", key="auth.login", on_click=st.login, type="primary")
    st.stop()

with st.sidebar:
    if actor.signed_in:
        st.caption(f"Signed in as **{actor.name}** · {actor.role.name.lower()}")
        st.button("Sign out", key="auth.logout", on_click=st.logout)
    else:
        st.caption(f"Single-user mode (no sign-in configured): acting as **{actor.name}** · "
                   f"{actor.role.name.lower()}")

with user_errors("Starting the sandbox" if context.is_sandbox() else "Reading the tenants"):
    chosen = widgets.tenant_picker()

with st.sidebar:
    for name in chosen:
        url = context.tenant(name).url
        with user_errors(f"Tenant {name}", stop=False):
            who = context.whoami(name, url)
            st.caption(f"**{name}** → {who.org_name} · tenant `{who.tenant_id}` · {who.email}")
    if st.button("Refresh", key=state.K_REFRESH, icon=":material/refresh:",
                 help="Fetch everything again from the tenants"):
        context.refresh()

if context.is_sandbox():
    st.info(f"**Sandbox data.** No tenant is configured, so orgconn runs on its built-in "
            f"sandbox at `{context.sandbox().base_url}`: demo tenants with made-up customers. "
            "Configure tenants in `.streamlit/secrets.toml` (see `secrets.toml.example`) to "
            "work on real data.", icon=":material/science:")

sections: dict[str, list[st.Page]] = {}
for spec in navigation.pages_for(actor.role):
    sections.setdefault(spec.section, []).append(
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == "coverage"))
st.navigation(sections).run()
