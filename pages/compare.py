"""Compare tenants: drift between tenants by stable key and external ID, and sync plans."""

from __future__ import annotations

from functools import partial

import streamlit as st

from orgconn.services import export
from orgconn.services.access import Action
from orgconn.services.compare import compare, sync_apply, sync_plan
from orgconn.ui import context, state, tables, widgets
from orgconn.ui.comparison import comparison, components
from orgconn.ui.errors import user_errors
from orgconn.ui.shell import shell

view = shell("compare")

K_TENANTS, Q_TENANTS = "compare.tenants", "compare"
K_KIND, Q_KIND = "compare.kind", "kind"
K_SOURCE, K_TARGET, K_CONFIRM = "compare.sync.source", "compare.sync.target", "compare.sync.ok"
K_RESULT = "compare.sync.result"

st.title("Compare tenants")
st.caption("Org-activated connections matched by stable key, customers by external ID. "
           "Customers' values are compared by fingerprint and never shown; plain global "
           "values are shown.")

names = list(context.tenants())
if K_TENANTS not in st.session_state and not st.query_params.get_all(Q_TENANTS):
    st.session_state[K_TENANTS] = view.tenants if len(view.tenants) >= 2 else names
chosen = widgets.linked_multiselect("Tenants to compare", names, key=K_TENANTS,
                                    param=Q_TENANTS, help="Two or more; the first is shown first.")
if len(chosen) < 2:
    st.info("Pick at least two tenants to compare.")
    st.stop()
with user_errors(f"Comparing {', '.join(chosen)}"):
    result = comparison(chosen)
frame, overview = result.frame, result.overview
if left_out := compare.customers_left_out(dict(zip(result.tenants, result.snapshots,
                                                   strict=True))):
    st.caption(left_out)

counts = context.derived((result.key, "counts"),
                         lambda: compare.drift_counts(frame).set_index("kind"))
drifting = int(counts.loc[counts["is_drift"], "differences"].sum())
cells = st.columns(6)
cells[0].metric("Differences", f"{drifting:,}", help="Every known difference (all kinds but "
                "\"can't compare\"), each counted once.")
for cell, kind in zip(cells[1:] + st.columns(6), compare.Kind, strict=False):
    cell.metric(kind.label, f"{counts.loc[kind.value, 'differences']:,}", help=kind.help)

heat, table = st.columns([2, 3])
with heat:
    st.markdown("**Drift by stable key and tenant**")
    st.caption("A tenant's number: how many of the key's differences it takes part in — it "
               "lacks what another has, or its value is not the most common one (with no "
               "majority, every tenant concerned). One difference can count in several tenants, "
               "so a row may add up to more than its total in brackets, which is the table's "
               "*Differences*, each counted once.")
    st.plotly_chart(context.derived((result.key, "heatmap"), lambda: compare.drift_heatmap(
        compare.drift_matrix(frame, list(overview["stable_key"])), compare.drift_totals(frame))),
        key="compare.heatmap")
with table:
    st.markdown("**Per stable key**: where it exists and % of customers complete")
    tables.table(overview, key="compare.overview", config={
        "stable_key": st.column_config.TextColumn("Stable key", width=135),
        "exists_in": st.column_config.TextColumn("Exists in", width=70),
        "differences": st.column_config.NumberColumn(
            "Differences", width=85, help="Known differences of the key, each counted once"),
        **{f"coverage {t}": st.column_config.NumberColumn(
            f"Complete in {t}", format="%.1f%%", width=95,
            help=f"% of {t}'s customers with complete values (blank: no such key there)")
           for t in chosen}})

with st.container(border=True):
    left, middle, right = st.columns([2, 2, 3])
    with left:
        kinds = widgets.linked_multiselect("Kind", [k.value for k in compare.Kind], key=K_KIND,
                                           param=Q_KIND)
    with middle:
        keys = widgets.linked_multiselect("Stable key", list(overview["stable_key"]),
                                          key="compare.connection", param=state.Q_CONNECTION)
    with right:
        search = widgets.linked_text("Search customers", key="compare.search",
                                     param=state.Q_SEARCH, placeholder="name or external ID")
wanted = compare.CompareFilter(tuple(kinds), tuple(keys), search)
shown = context.derived((result.key, "shown", wanted), lambda: compare.apply_filter(frame, wanted))
st.caption(f"{len(shown):,} of {len(frame):,} differences match. Customer rows link to the "
           "customer's values in each tenant.")
# the CSV is built when the button is clicked, not on every rerun (1 s at 10,000 customers)
st.download_button("Download differences (CSV)", partial(export.to_csv_bytes, shown),
                   f"compare-{'-'.join(chosen)}.csv", "text/csv", key="compare.download",
                   disabled=shown.empty)
# what differs and the values first (they fit at 1280 px), then the links (beside at 1440 px)
tables.table(context.derived((result.key, "links", wanted),
                             lambda: compare.with_customer_links(shown)),
             key="compare.table", first=[
    "kind", "stable_key", "customer_name", "customer_external_id", "input", *chosen,
    *(f"link {t}" for t in chosen)], config={
        "kind": st.column_config.SelectboxColumn("Kind", options=[k.value for k in compare.Kind],
                                                 format_func=compare.kind_label),
        "stable_key": st.column_config.TextColumn("Stable key", width=120),
        "customer_name": st.column_config.TextColumn("Customer", width=140),
        "input": st.column_config.TextColumn("Input", width=100),
        "drift_in": st.column_config.TextColumn(
            "Differs in", help="The tenants taking part: lacking it, or not the most common"),
        **{t: st.column_config.TextColumn(f"In {t}", width=100) for t in chosen},
        **{f"link {t}": st.column_config.LinkColumn(
            f"Open in {t}", display_text=f"Edit in {t}", width="small") for t in chosen}})

actor = view.actor
if not actor.can(Action.SYNC_CREATE):
    st.stop()

st.subheader("Sync plan")
st.caption("What to create (or rename) in a target so that its connection definitions match a "
           "source. Secret global values are never copied: type them in. Customers and their "
           "values are not synced.")
left, right = st.columns(2)
source = left.selectbox("Source", chosen, key=K_SOURCE)
target = right.selectbox("Target", [t for t in chosen if t != source], key=K_TARGET)
target_config = context.tenant(str(target))
with user_errors(f"Planning the sync of {source} to {target}"):
    plan = sync_plan.build_sync_plan(
        str(source), result.connections[chosen.index(str(source))], target_config.name,
        result.connections[chosen.index(target_config.name)],
        components(target_config.name, target_config.url))
tables.table(sync_plan.plan_frame(plan), key="compare.sync.plan", wrap=True,
             first=["action", "stable_key", "reason"], config={
                 "action": st.column_config.TextColumn("Action", width=90),
                 "stable_key": st.column_config.TextColumn("Stable key", width=130),
                 "reason": st.column_config.TextColumn("Why", width=260),
                 "name": st.column_config.TextColumn("Name", width=120),
                 "inputs": st.column_config.TextColumn("Inputs", width=200)})
applied = st.session_state.pop(K_RESULT, None)
if applied is not None:
    st.success("Sync plan applied; the comparison above is fresh. Results:")
    tables.table(applied, key="compare.sync.results", wrap=True)
if not plan.writes:
    st.info(f"Nothing to create or update in {target}.")
    st.stop()

secrets = {}
for stable_key, input_key in plan.secrets_needed:
    secrets[(stable_key, input_key)] = st.text_input(
        f"{input_key} of {stable_key}: secret global value for {target}", type="password",
        key=f"compare.sync.secret.{stable_key}.{input_key}",
        help=f"Never copied from {source}; it cannot be changed once the connection exists.")
creates = sum(s.action is sync_plan.SyncAction.CREATE for s in plan.writes)
confirmed = st.checkbox(f"I reviewed the plan: create {creates} and update "
                        f"{len(plan.writes) - creates} connection definitions in {target}",
                        key=K_CONFIRM)
typed = widgets.typed_confirmation(target_config, key="compare.sync.typed")
if st.button("Apply the sync plan", key="compare.sync.apply", type="primary",
             disabled=not confirmed):
    with user_errors("Applying the sync plan"):
        results = sync_apply.apply_sync_plan(
            plan, context.client(target_config.name), context.store(), actor=actor,
            target=target_config, confirmed=confirmed, typed_name=typed, secret_values=secrets,
            key=context.secret_key())
    context.refresh()
    st.session_state[K_RESULT] = sync_apply.results_frame(results)
    st.rerun()
