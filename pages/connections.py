"""Connection definitions (admin): the org-activated connections of each tenant, editing their
name and description, and the wizard that defines a new one."""

from __future__ import annotations

import streamlit as st

from orgconn.services import coverage, definitions
from orgconn.ui import connection_wizard, context, tables, widgets
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

view = shell("connections")

# --- widget and session-state keys of this page ------------------------------------------------
K_SECTION = "connections.section"
Q_SECTION = "section"
K_TENANT = "connections.tenant"
K_EDIT_CONNECTION = "connections.edit.connection"
K_EDIT_LOADED = "connections.edit.loaded"
K_EDIT_NAME = "connections.edit.name"
K_EDIT_DESCRIPTION = "connections.edit.description"
K_EDIT_DEFAULT = "connections.edit.default_for_component"
K_EDIT_TYPED = "connections.edit.typed"
K_EDIT_SAVE = "connections.edit.save"
K_FLASH = "connections.flash"
SECTIONS = ("Definitions", "Edit", "New connection")
COLUMN_ORDER = ("stable_key", "name", "coverage_percent", "per_customer_inputs", "global_values",
                "default_for_component", "component", "description")

st.title("Connection definitions")
st.caption("Org-activated connections: each customer gives its own values for the per-customer "
           "inputs; global inputs have one value, set on the connection, that never changes.")

if K_SECTION not in st.session_state:
    linked = st.query_params.get(Q_SECTION)
    st.session_state[K_SECTION] = linked if linked in SECTIONS else SECTIONS[0]
section = st.segmented_control("Show", SECTIONS, key=K_SECTION, label_visibility="collapsed")
section = section or SECTIONS[0]
if section == SECTIONS[0]:
    st.query_params.pop(Q_SECTION, None)
else:
    st.query_params[Q_SECTION] = section
if flash := st.session_state.pop(K_FLASH, None):
    st.success(flash, icon="✅")

if section == "Definitions":
    chosen = view.tenants
    if not chosen:
        st.info("Pick at least one tenant in the sidebar.")
    for name in chosen:
        with user_errors(f"Tenant {name}", stop=False):
            tenant = context.tenant(name)
            frame = definitions.definitions_frame(
                name, context.coverage_read(name, tenant.url).connections,
                context.coverage_frame(name, tenant.url), context.secret_key())
            st.subheader(tenant.label or name)
            # the inputs and global values wrap: the first five columns fit at 1280 px
            tables.table(frame, key=f"connections.table.{name}", first=COLUMN_ORDER,
                         hide=[c for c in frame.columns if c not in COLUMN_ORDER], wrap=True,
                         config={
                             "stable_key": st.column_config.TextColumn("Stable key",
                                                                       pinned=True),
                             "name": st.column_config.TextColumn("Name", width=150),
                             "per_customer_inputs": st.column_config.TextColumn(
                                 "Per-customer inputs", width=200),
                             "global_values": st.column_config.TextColumn(
                                 "Global values (secrets masked)", width=240),
                             "default_for_component": st.column_config.CheckboxColumn(
                                 "Default for component", help="The integration designer uses "
                                 "this connection by default for its component"),
                             "coverage_percent": st.column_config.ProgressColumn(
                                 "Coverage", format="%.1f%%", min_value=0, max_value=100,
                                 width="small")})
            with st.expander(f"Inputs of each connection in {tenant.label or name}"):
                inputs = definitions.inputs_frame(
                    name, context.all_connections(name, tenant.url), context.secret_key())
                tables.table(inputs, key=f"connections.inputs.{name}", hide=["tenant"])
            owned = coverage.owned_connections_frame(
                name, context.all_connections(name, tenant.url),
                context.coverage_read(name, tenant.url).values)
            if len(owned):
                with st.expander(f"Connections owned by one customer in {tenant.label or name} "
                                 f"({len(owned)})"):
                    st.caption("Each concerns its owner alone: covered only for that customer, "
                               "never copied to another tenant.")
                    tables.table(owned, key=f"connections.owned.{name}",
                                 hide=["tenant", "customer_id"])
    st.stop()

tenant = widgets.one_tenant(K_TENANT, view.tenants)

if section == "New connection":
    with user_errors(f"Tenant {tenant.name}"):
        connection_wizard.render(tenant, view.actor)
    st.stop()

with user_errors(f"Tenant {tenant.name}"):
    managed = [c for c in context.all_connections(tenant.name, tenant.url)
               if c.is_org_activated_customer]
if not managed:
    st.info(f"Tenant {tenant.name} has no org-activated connection yet: define one under "
            "New connection.")
    st.stop()
by_key = {c.stable_key: c for c in managed}
chosen_key = st.selectbox(
    "Connection", list(by_key), key=K_EDIT_CONNECTION,
    format_func=lambda k: f"{by_key[k].name} ({k})" + (
        f" — {by_key[k].owner.name}'s own" if by_key[k].owner else ""))
connection = by_key[str(chosen_key)]
if st.session_state.get(K_EDIT_LOADED) != (tenant.name, connection.stable_key):
    st.session_state[K_EDIT_NAME] = connection.name
    st.session_state[K_EDIT_DESCRIPTION] = connection.description
    st.session_state[K_EDIT_DEFAULT] = connection.default_for_component
    st.session_state[K_EDIT_LOADED] = (tenant.name, connection.stable_key)

with st.form("connections.edit.form"):
    st.markdown(f"Stable key `{connection.stable_key}` and the global values never change; "
                "the name, description and default for its component can.")
    name = st.text_input("Name", key=K_EDIT_NAME)
    description = st.text_area("Description", key=K_EDIT_DESCRIPTION)
    default = st.checkbox("Default for its component (the integration designer uses it by "
                          "default)", key=K_EDIT_DEFAULT)
    typed = widgets.typed_confirmation(tenant, K_EDIT_TYPED)
    save = st.form_submit_button("Save", key=K_EDIT_SAVE, type="primary")
for item in connection.global_inputs:
    shown = item.global_value.display if item.global_value else ""
    st.caption(f"Global `{item.key}` = {shown or 'not set'} (read-only)")

if save:
    updated = None
    with user_errors("Saving the connection", stop=False):
        updated = definitions.update_connection(
            context.client(tenant.name), connection_wizard.write_context(tenant, view.actor, typed),
            connection, name=name, description=description, default_for_component=default)
    if updated is connection:
        st.info("Nothing changed: nothing was saved.")
    elif updated is not None:
        context.refresh()
        st.session_state[K_EDIT_LOADED] = None
        st.session_state[K_FLASH] = f"Saved {updated.name} ({updated.stable_key})."
        st.rerun()
