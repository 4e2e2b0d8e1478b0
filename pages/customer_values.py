"""Customer values: fill in or fix one customer's values for one org-activated connection.

A link ``customer_values?tenant=us&connection=STABLE_KEY&customer=EXTERNAL_ID`` (as the
coverage page makes with `services.links`) opens it prefilled; a customer without an external ID
is chosen (and linked) by its Prismatic ID.
"""

from __future__ import annotations

import streamlit as st

from orgconn.models import Customer
from orgconn.services.values.form import ValuesForm, load_form
from orgconn.ui import context, state, values_form
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

view = shell("customer_values")

PREFIX = "values"
K_TENANT = "values.tenant"
K_CONNECTION = "values.connection"
K_CUSTOMER = "values.customer"

st.title("Customer values")
st.caption("One customer's values for one org-activated connection; a required input says so "
           "in its label. Secrets are never shown: leave a set secret blank to keep it.")

actor = view.actor

tenant = values_form.linked_tenant(K_TENANT, view.tenants)
with user_errors(f"Tenant {tenant.name}"):
    snapshot = context.snapshot(tenant.name, tenant.url)
connections = {c.stable_key: c for c in snapshot.connections}
customers: dict[str, Customer] = {c.external_id or c.id: c for c in snapshot.customers}
if not connections or not customers:
    st.info(f"Tenant {tenant.name} has no org-activated connection or no customer yet.")
    st.stop()

# neither box is ever empty: a Streamlit selectbox that starts empty can show its placeholder
# while it holds a value (type "ware", Enter, Escape), and the form below would then edit a
# connection or customer the boxes do not show
left, right = st.columns(2)
with left:
    values_form.seed_from_link(K_CONNECTION, state.Q_CONNECTION, list(connections),
                               default=next(iter(connections)))
    stable_key = st.selectbox("Connection", list(connections), key=K_CONNECTION,
                              format_func=lambda k: f"{connections[k].name} ({k})")
with right:
    values_form.seed_from_link(K_CUSTOMER, state.Q_CUSTOMER, list(customers),
                               default=next(iter(customers)))
    external_id = st.selectbox("Customer", list(customers), key=K_CUSTOMER,
                               help="Type a customer's name, external ID or ID to find them",
                               format_func=lambda k: f"{customers[k].name} · " + (
                                   k if customers[k].external_id else f"no external ID · {k}"))
st.query_params.update({state.Q_TENANT: tenant.name, state.Q_CONNECTION: stable_key or "",
                        state.Q_CUSTOMER: external_id or ""})
if stable_key is None or external_id is None:
    st.info("Choose a connection and a customer (type to search by name or external ID).")
    st.stop()

connection, customer = connections[stable_key], customers[external_id]


def load() -> ValuesForm:
    """The form of this customer's values as the tenant holds them now."""
    return load_form(context.client(tenant.name), tenant.name, connection, customer,
                     context.secret_key())


with user_errors(f"Loading {external_id}'s values for {stable_key}"):
    form = values_form.loaded_form(PREFIX, (tenant.name, stable_key, external_id), load)

st.subheader(f"{customer.name} · {connection.name}")
if form.current is None:
    st.caption(f"{customer.name} has no values for {connection.name} yet: saving creates them.")
else:
    when = form.loaded_at.strftime("%Y-%m-%d %H:%M UTC") if form.loaded_at else "never"
    st.caption(f"Status {form.current.status or 'unknown'} · last configured {when} · used by "
               f"{form.dependents.total} instance(s)")

values_form.editor(PREFIX, tenant, actor, form, reload=load, allow_redeploy=True)
values_form.delete_button(PREFIX, tenant, actor, form, reload=load)
