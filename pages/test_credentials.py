"""Test credentials: what the integration designer tests each org-activated connection with.

One set per connection (a CCV with ``isTest`` and no customer), editable at any time with the
same form as a customer's values; test instances use new credentials at once.
"""

from __future__ import annotations

import streamlit as st

from orgconn.services.values.form import ValuesForm, load_form
from orgconn.ui import context, state, tables, values_form
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

view = shell("test_credentials")

PREFIX = "testcreds"
K_TENANT = "testcreds.tenant"
K_CONNECTION = "testcreds.connection"

st.title("Test credentials")
st.caption("Each org-activated connection has one set of test credentials, used when an "
           "integration is tested in the designer. Change them at any time: test runs use the "
           "new ones at once. Secrets are never shown: leave a set secret blank to keep it.")

actor = view.actor

tenant = values_form.linked_tenant(K_TENANT, view.tenants)
with user_errors(f"Tenant {tenant.name}"):
    data = context.tenant_data(tenant.name, tenant.url)
    connections = {c.stable_key: c for c in data.connections}
    overview = values_form.test_credentials_overview(tenant.name, tenant.url)
if not connections:
    st.info(f"Tenant {tenant.name} has no org-activated connection yet.")
    st.stop()

tables.table(overview, key="testcreds.overview", wrap=True,  # fits at 1280 px
             first=["connection", "stable_key", "test_credentials", "missing_required"],
             config={"inputs_set": st.column_config.TextColumn("Inputs set", width=150),
                     "missing_required": st.column_config.TextColumn(
                         "Required inputs missing", width=140)})

values_form.seed_from_link(K_CONNECTION, state.Q_CONNECTION, list(connections),
                           default=next(iter(connections)))
stable_key = str(st.selectbox("Connection", list(connections), key=K_CONNECTION,
                              format_func=lambda k: f"{connections[k].name} ({k})"))
st.query_params.update({state.Q_TENANT: tenant.name, state.Q_CONNECTION: stable_key})
connection = connections[stable_key]


def load() -> ValuesForm:
    """The form of this connection's test credentials as the tenant holds them now."""
    return load_form(context.client(tenant.name), tenant.name, connection, None,
                     context.secret_key())


def after_write() -> None:
    """Forget the overview, so it shows the new test credentials."""
    values_form.test_credentials_overview_clear()


with user_errors(f"Loading the test credentials of {stable_key}"):
    form = values_form.loaded_form(PREFIX, (tenant.name, stable_key), load)

st.subheader(f"{connection.name} · test credentials")
if form.current is None:
    st.caption(f"{connection.name} has no test credentials yet: saving creates them.")
else:
    when = form.loaded_at.strftime("%Y-%m-%d %H:%M UTC") if form.loaded_at else "never"
    st.caption(f"Status {form.current.status or 'unknown'} · last configured {when}")

values_form.editor(PREFIX, tenant, actor, form, reload=load, allow_redeploy=False,
                   after_write=after_write)
