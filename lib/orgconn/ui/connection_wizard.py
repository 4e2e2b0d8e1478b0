"""The new-connection wizard of the Connection definitions page: one function per step.

Steps: component connection → name and stable key → input scopes → global values and create →
test credentials, then done (not a step: it is counted as the end). Each step is one ``st.form``
with Back/Next, except name and stable key, whose stable key follows the name as it is typed
(until the user types one of their own); the checks are those of
`orgconn.services.definitions`. Streamlit forgets the state of widgets a run does not draw, so
each step copies its widgets' values into the wizard's plan (``K_PLAN``) when it is left, and
seeds them from the plan when it is drawn again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from orgconn.config import TenantConfig
from orgconn.errors import OrgconnError
from orgconn.models import (
    Component,
    ComponentConnection,
    InputDefinition,
    InputScope,
    OrgConnection,
)
from orgconn.services import definitions
from orgconn.services.access import Actor
from orgconn.services.audit import WriteContext
from orgconn.services.values import form as edit
from orgconn.ui import context, widgets
from orgconn.ui.errors import user_errors
from orgconn.ui.values_form import NOT_SET, required_label

# --- session-state keys of the wizard (widget keys are these, or these + an input key) -------
K_STEP = "connections.wizard.step"
K_PLAN = "connections.wizard.plan"
K_CONNECTION = "connections.wizard.connection"
K_NAME = "connections.wizard.name"
K_STABLE_KEY = "connections.wizard.stable_key"
K_DESCRIPTION = "connections.wizard.description"
K_SCOPE = "connections.wizard.scope."
K_GLOBAL = "connections.wizard.global."
K_CONFIRM = "connections.wizard.confirm"
K_DEFAULT = "connections.wizard.default_for_component"
K_TYPED = "connections.wizard.typed"
K_TEST = "connections.wizard.test."
K_TEST_TYPED = "connections.wizard.test_typed"
K_NEXT = "connections.wizard.next"
K_BACK = "connections.wizard.back"
K_CREATE = "connections.wizard.create"
K_SAVE_TEST = "connections.wizard.save_test"
K_SKIP_TEST = "connections.wizard.skip_test"
K_RESTART = "connections.wizard.restart"

STEPS = ("connection", "identity", "inputs", "globals", "test", "done")
TITLES = ("Component connection", "Name and stable key", "Input scopes",
          "Global values", "Test credentials", "Done")


@context.refreshable
@st.cache_resource(ttl=context.TTL, show_spinner="Loading components…")
def components(name: str, url: str) -> tuple[Component, ...]:
    """The tenant's components with their connections (cached per tenant URL)."""
    return tuple(context.client(name).components())


def write_context(tenant: TenantConfig, actor: Actor, typed: str | None) -> WriteContext:
    """Who writes (``actor``, the page's shell's), where, and where the audit row goes."""
    return WriteContext(actor=actor, tenant=tenant, store=context.store(),
                                    fingerprint_key=context.secret_key(),
                                    typed_confirmation=typed)


def _plan() -> dict[str, Any]:
    plan: dict[str, Any] = st.session_state.setdefault(K_PLAN, {})
    return plan


def _go(step: str) -> None:
    st.session_state[K_STEP] = step
    st.rerun()


def _seed(key: str, value: object) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _show(issues: list[definitions.Issue]) -> None:
    for issue in issues:
        st.error(issue.message, icon="✋")


def _labels(tenant: TenantConfig) -> dict[str, str]:
    """Each component connection's label by its ID (public/private and version shown)."""
    return definitions.component_choices(components(tenant.name, tenant.url))


def _connection_label(connection: ComponentConnection) -> str:
    return definitions.component_choices([Component(
        id=connection.component_id, key=connection.component_key,
        label=connection.component_label, connections=(connection,))])[connection.id]


def _catalog(tenant: TenantConfig) -> dict[str, ComponentConnection]:
    """The tenant's component connections by ID (the widget's values): components may share
    a key (public and private, several versions), so the ID is what picks the right one."""
    return {c.id: c for comp in components(tenant.name, tenant.url) for c in comp.connections}


def _chosen(tenant: TenantConfig) -> ComponentConnection:
    return _catalog(tenant)[_plan()["connection"]]


def restart() -> None:
    """Forget the wizard's plan and go back to its first step."""
    st.session_state[K_PLAN] = {}
    st.session_state[K_STEP] = STEPS[0]


def render(tenant: TenantConfig, actor: Actor) -> None:
    """Draw the wizard's current step for ``tenant`` (switching tenant starts it again);
    ``actor`` (the page's shell's) writes."""
    if _plan().get("tenant") != tenant.name:
        restart()
        _plan()["tenant"] = tenant.name
    step = st.session_state.setdefault(K_STEP, STEPS[0])
    index, count = STEPS.index(step), len(STEPS) - 1  # "done" is the end, not a step
    st.progress(index / count, text=f"Step {index + 1} of {count}: {TITLES[index]}"
                if index < count else f"Done: all {count} steps")
    {"connection": _step_connection, "identity": _step_identity, "inputs": _step_inputs,
     "globals": _step_globals, "test": _step_test, "done": _step_done}[step](tenant, actor)


def _step_connection(tenant: TenantConfig, actor: Actor) -> None:
    options, labels = _catalog(tenant), _labels(tenant)
    _seed(K_CONNECTION, _plan().get("connection") or next(iter(options)))
    with st.form("connections.wizard.form.connection"):
        st.caption("Which component connection the new org-activated connection is built on "
                   "(components sharing a key are told apart by public/private and version). "
                   "OAuth 2.0 connections cannot be organization-activated.")
        chosen = st.selectbox("Component → connection", list(options), key=K_CONNECTION,
                              format_func=labels.__getitem__)
        go = st.form_submit_button("Next", key=K_NEXT, type="primary")
    if go:
        issues = definitions.check_component_connection(options[chosen])
        if issues:
            return _show(issues)
        if _plan().get("connection") != chosen:
            _plan().update(connection=chosen, scopes={}, global_values={}, seeded=False)
        _go("identity")


def _suggestions(tenant: TenantConfig, connection: ComponentConnection
                 ) -> list[definitions.Suggestion]:
    elsewhere: dict[str, tuple[OrgConnection, ...]] = {}
    for name, other in context.tenants().items():
        if name != tenant.name:
            try:
                elsewhere[name] = context.all_connections(name, other.url)
            except OrgconnError:
                st.caption(f"Tenant {name} could not be read: no suggestion from it.")
    here = context.all_connections(tenant.name, tenant.url)
    return definitions.suggest_stable_keys(connection, here, elsewhere)


def _step_identity(tenant: TenantConfig, actor: Actor) -> None:
    plan, connection = _plan(), _chosen(tenant)
    found = _suggestions(tenant, connection)
    if found and not plan.get("seeded"):
        plan.update(name=found[0].name, stable_key=found[0].stable_key,
                    description=found[0].description, seeded=True)
    for suggestion in found:
        st.info(f"Suggested from tenant {', '.join(suggestion.tenants)}: there, "
                f"{connection.label} is **{suggestion.name}** with stable key "
                f"`{suggestion.stable_key}`. Use the same stable key in every tenant so "
                "integrations synced between tenants find this connection.",
                icon=":material/lightbulb:")
    st.warning("The stable key can **never be changed** once the connection exists.",
               icon=":material/lock:")
    for key, field in ((K_NAME, "name"), (K_STABLE_KEY, "stable_key"),
                       (K_DESCRIPTION, "description")):
        _seed(key, plan.get(field, ""))
    with st.container(border=True):  # not a form: the stable key follows the name as typed
        name = st.text_input("Name", key=K_NAME, placeholder=connection.label,
                             on_change=_suggest_stable_key)
        stable_key = st.text_input(
            "Stable key", key=K_STABLE_KEY,
            placeholder=definitions.slugify(name or connection.label),
            help="Lowercase letters and digits joined by hyphens. Suggested from the name "
                 "until you type one of your own.")
        description = st.text_area("Description", key=K_DESCRIPTION)
        back, go = _back_next(in_form=False)
    plan.update(name=name, stable_key=stable_key.strip(), description=description)
    if back:
        _go("connection")
    if go:
        existing = context.all_connections(tenant.name, tenant.url)
        issues = definitions.check_identity(name, stable_key.strip(), existing, tenant.name)
        if issues:
            return _show(issues)
        _go("inputs")


def _suggest_stable_key() -> None:
    """On a new name: the stable key made from it, unless the user typed a key of their own
    (one that is neither empty nor made from the name before)."""
    before = _plan().get("name", "")
    key = str(st.session_state.get(K_STABLE_KEY, "")).strip()
    if not key or key == definitions.slugify(before):
        st.session_state[K_STABLE_KEY] = definitions.slugify(st.session_state[K_NAME])
    _plan()["name"] = st.session_state[K_NAME]


def _back_next(next_label: str = "Next", next_key: str = K_NEXT, *,
               in_form: bool = True) -> tuple[bool, bool]:
    button = st.form_submit_button if in_form else st.button
    left, right = st.columns([1, 7], vertical_alignment="center")
    with left:
        back = button("Back", key=K_BACK, icon=":material/arrow_back:")
    with right:
        go = button(next_label, key=next_key, type="primary")
    return bool(back), bool(go)


def _value_widget(spec: InputDefinition, key: str) -> str:
    """The widget of one input's value: a true/false choice for a boolean, a masked box for a
    secret, a text box otherwise; labelled as in every form (`required_label`)."""
    label = required_label(spec.label, spec.required)
    if spec.type.upper() == "BOOLEAN":
        options = ["", "true", "false"]
        if st.session_state.get(key) not in options:
            options.append(str(st.session_state.get(key)))
        return str(st.selectbox(label, options, key=key, help=spec.comments,
                                format_func=lambda o: o or NOT_SET) or "")
    return str(st.text_input(label, key=key, help=spec.comments,
                             type="password" if spec.is_secret else "default"))


def _step_inputs(tenant: TenantConfig, actor: Actor) -> None:
    plan, connection = _plan(), _chosen(tenant)
    labels = {s.value: definitions.SCOPE_LABELS[s] for s in InputScope}
    with st.form("connections.wizard.form.inputs"):
        st.caption("Per customer: each customer gives its own value. Global: one value, set "
                   "now on the connection, for every customer — it cannot be changed later.")
        for spec in connection.inputs:
            _seed(K_SCOPE + spec.key, plan["scopes"].get(spec.key, InputScope.CUSTOMER.value))
            marks = ", ".join([spec.type.lower(), *(["required"] if spec.required else [])])
            st.radio(f"{spec.label} ({spec.key}, {marks})", list(labels), key=K_SCOPE + spec.key,
                     format_func=labels.__getitem__, horizontal=True, help=spec.comments)
        back, go = _back_next()
    plan["scopes"] = {s.key: st.session_state[K_SCOPE + s.key] for s in connection.inputs}
    if back:
        _go("identity")
    if go:
        _go("globals")


def _new_connection(tenant: TenantConfig, confirmed: bool) -> definitions.NewConnection:
    plan = _plan()
    return definitions.NewConnection(
        _chosen(tenant), name=plan["name"], stable_key=plan["stable_key"],
        description=plan["description"],
        scopes={k: InputScope(v) for k, v in plan["scopes"].items()},
        global_values=plan["global_values"], confirmed=confirmed,
        default_for_component=bool(plan.get("default_for_component")))


def _step_globals(tenant: TenantConfig, actor: Actor) -> None:
    plan, connection = _plan(), _chosen(tenant)
    globals_ = [s for s in connection.inputs if plan["scopes"].get(s.key) == InputScope.ORG.value]
    st.markdown(f"**{plan['name']}** · stable key `{plan['stable_key']}` · "
                f"{_connection_label(connection)}")
    with st.form("connections.wizard.form.globals"):
        if not globals_:
            st.caption("No global inputs: every customer gives every value.")
        for spec in globals_:
            _seed(K_GLOBAL + spec.key, plan["global_values"].get(
                spec.key, "" if spec.is_secret else spec.default or ""))
            _value_widget(spec, K_GLOBAL + spec.key)
        for warning in definitions.global_value_warnings(
                connection, {k: InputScope(v) for k, v in plan["scopes"].items()},
                {s.key: st.session_state[K_GLOBAL + s.key] for s in globals_}):
            st.warning(warning.message, icon=":material/warning:")
        _seed(K_DEFAULT, bool(plan.get("default_for_component")))
        default = st.checkbox(
            f"Default for {connection.component_label}: the integration designer uses this "
            "connection by default (defaultForComponent)", key=K_DEFAULT)
        confirmed = bool(globals_) and st.checkbox(
            "I understand that these global values **cannot be changed once set**, and that "
            f"the stable key `{plan['stable_key']}` never changes.", key=K_CONFIRM)
        typed = widgets.typed_confirmation(tenant, K_TYPED)
        back, create = _back_next("Create connection", K_CREATE)
    plan["global_values"] = {s.key: st.session_state[K_GLOBAL + s.key] for s in globals_}
    plan["default_for_component"] = default
    if back:
        _go("inputs")
    if not create:
        return None
    new = _new_connection(tenant, confirmed)
    issues = new.check(context.all_connections(tenant.name, tenant.url), tenant.name)
    if issues:
        return _show(issues)
    created = None
    with user_errors("Creating the connection", stop=False):
        created = definitions.create_connection(context.client(tenant.name),
                                                write_context(tenant, actor, typed), new)
    if created is not None:
        context.refresh()
        plan.update(created=created.stable_key, global_values={})
        _go("test")


def _step_test(tenant: TenantConfig, actor: Actor) -> None:
    plan = _plan()
    connection = next(c for c in context.all_connections(tenant.name, tenant.url)
                      if c.stable_key == plan["created"])
    st.success(f"Created **{connection.name}** (`{connection.stable_key}`).", icon="✅")
    with st.form("connections.wizard.form.test"):
        st.caption("Test credentials are what the integration designer tests with. You can "
                   "change them at any time.")
        values = {}
        for spec in (i.definition for i in connection.per_customer_inputs):
            _seed(K_TEST + spec.key, "" if spec.is_secret else spec.default or "")
            values[spec.key] = _value_widget(spec, K_TEST + spec.key)
        typed = widgets.typed_confirmation(tenant, K_TEST_TYPED)
        left, right = st.columns([1, 5], vertical_alignment="center")
        skip = left.form_submit_button("Skip for now", key=K_SKIP_TEST)
        save = right.form_submit_button("Save test credentials", key=K_SAVE_TEST,
                                        type="primary")
    if skip:
        plan["tested"] = False
        _go("done")
    if not save:
        return
    saved = None
    with user_errors("Saving the test credentials", stop=False):
        try:
            saved = definitions.set_test_credentials(
                context.client(tenant.name), write_context(tenant, actor, typed), connection,
                values)
        except edit.FormInvalid as invalid:
            _show([definitions.Issue(i.input_key, i.message) for i in invalid.issues])
    if saved is not None:
        plan["tested"] = True
        _go("done")


def _step_done(tenant: TenantConfig, actor: Actor) -> None:
    plan = _plan()
    tested = ("with test credentials" if plan.get("tested")
              else "without test credentials yet (set them on the Test credentials page)")
    st.success(f"Connection `{plan.get('created')}` is ready in tenant {tenant.name}, {tested}. "
               "Customers' values can now be filled in.", icon="🎉")
    if st.button("Define another connection", key=K_RESTART):
        restart()
        st.rerun()
