"""Bulk upload: many customers' values from one CSV/XLSX file — template, check, apply, report.

A link ``bulk_upload?tenant=us&connection=STABLE_KEY&template=missing`` (the coverage page's)
opens it prefilled. The rules (blank cells, overwrite, resuming) are in `services.bulk`.
"""

from __future__ import annotations

import time

import streamlit as st

from orgconn.services import bulk
from orgconn.ui import bulk_page, context, state, values_form
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell
from orgconn.ui.widgets import typed_confirmation

view = shell("bulk_upload")

K_TENANT, K_CONNECTION, K_TEMPLATE = "bulk.tenant", "bulk.connection", "bulk.template"
K_FILE, K_OVERWRITE, K_VALID_ONLY = "bulk.file", "bulk.overwrite", "bulk.valid_only"
K_CONFIRM, K_APPLY, K_PLAN, K_JOB = "bulk.confirm", "bulk.apply", "bulk.plan", "bulk.job"
Q_TEMPLATE = "template"
TEMPLATES = {"missing": "Customers lacking values", "all": "All customers"}

st.title("Bulk upload")
st.caption("Download a template, fill it in, upload it: orgconn checks every row and shows "
           "the plan before anything is sent. Blank cells never change anything; without "
           "*overwrite* only inputs that have no value are filled.")
actor = view.actor

tenant = values_form.linked_tenant(K_TENANT, view.tenants)
with user_errors(f"Tenant {tenant.name}"):
    snapshot = context.tenant_data(tenant.name, tenant.url)
connections = {c.stable_key: c for c in snapshot.connections if c.is_org_activated_customer}
if not connections:
    st.info(f"Tenant {tenant.name} has no org-activated connection yet.")
    st.stop()
values_form.seed_from_link(K_CONNECTION, state.Q_CONNECTION, list(connections),
                           default=next(iter(connections)))
values_form.seed_from_link(K_TEMPLATE, Q_TEMPLATE, list(TEMPLATES), default="missing")

left, right = st.columns([3, 2])
stable_key = left.selectbox("Connection", list(connections), key=K_CONNECTION,
                            format_func=lambda k: f"{connections[k].name} ({k})")
which = right.radio("Template rows", list(TEMPLATES), key=K_TEMPLATE, horizontal=True,
                    format_func=TEMPLATES.__getitem__)
st.query_params.update({state.Q_TENANT: tenant.name, state.Q_CONNECTION: stable_key,
                        Q_TEMPLATE: which})
connection = connections[stable_key]

with st.container(border=True):
    st.markdown("**1 · Template**")
    template, left_out = bulk_page.template(tenant.name, tenant.url, connection, snapshot,
                                            missing_only=which == "missing")
    guide = bulk.column_guide(connection)
    st.caption(f"{len(template):,} customers. Secret cells are always empty: fill them in, or "
               "leave them blank to keep them. The XLSX notes each column on its header.")
    bulk_page.show_columns(guide)
    if left_out:
        st.caption(left_out)
    buttons = st.columns(4)
    for column, fmt in zip(buttons, ("csv", "xlsx"), strict=False):
        column.download_button(
            f"Template ({fmt.upper()})", lambda fmt=fmt: bulk.template_bytes(template, fmt, guide),
            bulk.template_file_name(tenant.name, stable_key, missing_only=which == "missing",
                                    fmt=fmt), bulk.template.MIME_TYPES[fmt],
            key=f"bulk.template_{fmt}", icon=":material/download:", on_click="ignore")

with st.container(border=True):
    st.markdown("**2 · Upload and check**")
    uploaded = st.file_uploader("Filled-in file (CSV or XLSX)", type=["csv", "xlsx"],
                                key=K_FILE, help="UTF-8 CSV separated by commas, semicolons "
                                "or tabs, or an Excel workbook. Add a stable_key column to "
                                "fill several connections from one file.")
    options_left, options_right = st.columns(2)
    overwrite = options_left.toggle("Overwrite values already set", key=K_OVERWRITE,
                                    help="Off: a row only fills inputs that have no value.")
    valid_only = options_right.toggle("Apply the valid rows only", key=K_VALID_ONLY,
                                      help="Send the rows without problems; leave the others.")
if uploaded is None:
    st.stop()

content = uploaded.getvalue()
options = bulk.BulkOptions(overwrite=overwrite, valid_only=valid_only, connection=stable_key)
check_key = (tenant.name, uploaded.name, bulk.file_sha256(content), options.canonical())
if st.session_state.get(K_PLAN, (None,))[0] != check_key:
    with st.spinner("Checking the file against the tenant…"), user_errors("Checking the file"):
        plan = bulk.check_upload(context.client(tenant.name), uploaded.name, content, options,
                                 limits=context.configured().bulk)
        st.session_state[K_PLAN] = (check_key, plan)
plan = st.session_state[K_PLAN][1]

store = context.store()
applied = st.session_state.get(K_JOB)
just_applied = applied is not None and applied[0] == check_key
if just_applied:  # the result first; the same file checked again below it, folded
    st.subheader("Result of the apply")
    bulk_page.show_job(store, applied[1])
    below = st.expander(f"The file checked again after the apply: {bulk_page.plan_line(plan)}")
else:
    below = st.container()


def plan_and_apply() -> None:
    """The file's problems and plan, and the apply button (with its progress)."""
    bulk_page.show_issues(plan, valid_only=valid_only, applied=just_applied)
    bulk_page.show_plan(plan)
    totals = plan.totals()
    earlier = bulk.earlier_job(store, tenant.name, plan.file_sha256, options)
    if earlier is not None:
        _, done = earlier
        st.info(f"An earlier apply of this file stopped ({bulk.describe_summary(done)}). "
                "Apply continues where it stopped: rows already done are not sent again.",
                icon=":material/history:")

    writes = totals["create"] + totals["update"]
    can_apply = bool(plan.rows) and (not plan.issues or valid_only) and (
        writes > 0 or earlier is not None)
    if plan.rows and not writes and earlier is None:
        st.caption("Nothing to send: every valid row is already as the file says.")
    typed = typed_confirmation(tenant, K_CONFIRM)
    label = "Resume apply" if earlier is not None else f"Apply {writes:,} rows"
    if st.button(label, key=K_APPLY, type="primary", disabled=not can_apply):
        bar = st.progress(0.0, text="Starting…")
        shown = [0.0]

        def show(progress: bulk.Progress) -> None:
            """Update the bar at most five times a second (and at the end)."""
            if time.monotonic() - shown[0] >= 0.2 or progress.finished == progress.total:
                shown[0] = time.monotonic()
                bar.progress(progress.fraction, text=progress.describe())

        with user_errors("Applying the file", stop=False):
            result = bulk.apply_upload(
                tenant, uploaded.name, content, options, open_client=context.async_client,
                actor=actor, store=store, key=context.secret_key(), confirmation=typed,
                on_progress=show, limits=context.configured().bulk)
            bar.progress(1.0, text=result.progress.describe())
            st.session_state[K_JOB] = (check_key, result.job.id)
            st.session_state.pop(K_PLAN, None)  # check again: the plan now shows what is left
            context.refresh()
            st.rerun()


with below:
    plan_and_apply()
if applied is not None and not just_applied:  # an apply of another file, or other options
    with st.expander("The last apply in this session"):
        bulk_page.show_job(store, applied[1])
