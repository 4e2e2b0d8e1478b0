"""The values form shared by the Customer values and Test credentials pages.

`editor(...)` draws, for one `values.form.ValuesForm`: the global inputs (read-only, secrets
masked), an ``st.form`` with one widget per per-customer input (required mark, default, help;
PASSWORD inputs never prefilled, with set/not set and fingerprint), per-input validation errors,
a warning beside a value that does not look like its input's name suggests (it saves all the same),
the optional redeploy checkbox with its count, the protected-tenant confirmation and Save; and
when the values changed since the form was loaded, the conflict view (both versions, keep mine
or take theirs) instead of the form. The loaded form lives in session state, so reruns do not
re-read it: a conflict is noticed only by the save's own fresh read. Every key starts with the
page's ``prefix``; input widgets are ``f"{prefix}.input.{input_key}"`` (see `input_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from orgconn.config import TenantConfig
from orgconn.models import OrgConnection
from orgconn.services.access import Actor
from orgconn.services.audit import WriteContext
from orgconn.services.values import credentials as test_credentials
from orgconn.services.values.form import (
    KEEP,
    Conflict,
    FormField,
    FormInvalid,
    Submission,
    ValuesForm,
    prepare,
)
from orgconn.services.values.save import Saved, delete, keep_mine, save
from orgconn.services.values.validation import ValueKind, warn_value
from orgconn.ui import context, state, tables, widgets
from orgconn.ui.errors import user_errors

NOT_SET = "(not set)"


def test_credentials_overview(name: str, url: str) -> pd.DataFrame:
    """Whether each org-activated connection of a tenant has test credentials (cached)."""
    connections = context.snapshot(name, url).connections  # outside the cache: not replayed
    return _test_credentials_overview(name, url, tuple(c.id for c in connections), connections)


def test_credentials_overview_clear() -> None:
    """Forget every tenant's test-credentials overview (after a save)."""
    _test_credentials_overview.clear()


@context.refreshable
@st.cache_data(ttl=context.TTL, show_spinner="Reading test credentials…")
def _test_credentials_overview(name: str, url: str, connection_ids: tuple[str, ...],
                               _connections: tuple[OrgConnection, ...]) -> pd.DataFrame:
    found = test_credentials.read_test_credentials(context.client(name), _connections)
    return test_credentials.overview_frame(_connections, found)


def seed_from_link(key: str, param: str, options: list[str], default: str | None = None
                   ) -> None:
    """Seed the choice widget ``key`` from the link's ``?param=`` (else ``default``) unless it
    already holds one of ``options``: a link prefills, later the user's own choice wins."""
    if st.session_state.get(key) not in options:
        linked = st.query_params.get(param)
        st.session_state[key] = linked if linked in options else default


def linked_tenant(key: str, chosen: list[str]) -> TenantConfig:
    """One of the ``chosen`` tenants (the page's shell's: those picked in the sidebar; all, if
    none are), prefilled from the link's ``?tenant=``."""
    names = chosen or list(context.tenants())
    seed_from_link(key, state.Q_TENANT, names, default=names[0])
    return widgets.one_tenant(key, names)


def input_key(prefix: str, key: str) -> str:
    """The widget key of input ``key`` in the form of page ``prefix``."""
    return f"{prefix}.input.{key}"


def _seed_inputs(prefix: str, form: ValuesForm) -> None:
    """Give each input widget its initial value: once, or again after `show_form`.

    Widgets take their values from session state only (no ``value=``), because a browser
    sends back what was typed and only a value set here, before the widget is drawn, wins.
    """
    reset = st.session_state.pop(f"{prefix}.reset", False)
    for item in form.fields:
        if reset or input_key(prefix, item.key) not in st.session_state:
            st.session_state[input_key(prefix, item.key)] = item.initial
    if reset:
        st.session_state[f"{prefix}.redeploy"] = False
        st.session_state[f"{prefix}.confirm"] = ""


def show_form(prefix: str, form: ValuesForm, notice: str | None = None) -> None:
    """Make ``form`` the page's loaded form: inputs reset to it, any conflict dropped."""
    st.session_state[f"{prefix}.form"] = form
    st.session_state.pop(f"{prefix}.conflict", None)
    st.session_state.pop(f"{prefix}.pending", None)
    st.session_state[f"{prefix}.reset"] = True
    if notice:
        st.session_state[f"{prefix}.notice"] = notice


def loaded_form(prefix: str, selection: Hashable, load: Callable[[], ValuesForm]) -> ValuesForm:
    """The form loaded for ``selection``: read again when the selection changes or on Reload."""
    reload = st.button("Reload values", key=f"{prefix}.reload", icon=":material/refresh:",
                       help="Read the values again from the tenant (drops unsaved edits)")
    if reload or st.session_state.get(f"{prefix}.selection") != selection:
        st.session_state[f"{prefix}.selection"] = selection
        show_form(prefix, load())
    form: ValuesForm = st.session_state[f"{prefix}.form"]
    return form


REQUIRED = " (required)"


def required_label(label: str, required: bool) -> str:
    """A field's label with the one required mark of every form: plain words, no Markdown, so
    the accessible name a screen reader says is exactly what is shown."""
    return f"{label}{REQUIRED}" if required else label


def _label(item: FormField) -> str:
    return required_label(item.label, item.required)


def _widget(prefix: str, item: FormField) -> str:
    key = input_key(prefix, item.key)
    if item.is_secret:
        text = st.text_input(_label(item), type="password", key=key, help=item.help,
                             placeholder=KEEP if item.is_set else "not set yet")
        if item.hidden:
            st.caption("Currently **set**, but the tenant does not return it: enter it again "
                       "to change any other input.")
        else:
            st.caption(f"Currently **{item.state}**" + (f" — {KEEP}." if item.is_set else "."))
        return str(text)
    if item.kind is ValueKind.BOOLEAN:
        options = ["", "true", "false"] + ([item.initial] if item.initial not in
                                           ("", "true", "false") else [])
        choice = st.selectbox(_label(item), options, key=key, help=item.help,
                              format_func=lambda o: o or NOT_SET)
        return str(choice or "")
    hint = item.placeholder or (f"default: {item.default}" if item.default else None)
    if item.kind in (ValueKind.JSON, ValueKind.CODE):
        return str(st.text_area(_label(item), key=key, help=item.help, placeholder=hint,
                                height=100))
    return str(st.text_input(_label(item), key=key, help=item.help, placeholder=hint))


def globals_view(prefix: str, form: ValuesForm) -> None:
    """The global inputs, read-only: one value for every customer, set on the connection."""
    if not form.globals:
        return
    st.markdown("**Global inputs** — one value for every customer, set on the connection; "
                "they cannot be changed.")
    for column, item in zip(st.columns(len(form.globals)), form.globals, strict=True):
        column.text_input(item.label, value=item.display, disabled=True, help=item.help,
                          key=f"{prefix}.global.{item.key}")


def _write_context(tenant: TenantConfig, actor: Actor, typed: str | None) -> WriteContext:
    return WriteContext(actor=actor, tenant=tenant, store=context.store(),
                        fingerprint_key=context.secret_key(), typed_confirmation=typed)


def _handle(prefix: str, result: Saved | Conflict, pending: tuple[Submission, bool, str | None],
            reload: Callable[[], ValuesForm], after_write: Callable[[], None]) -> None:
    if isinstance(result, Conflict):
        st.session_state[f"{prefix}.conflict"] = result
        st.session_state[f"{prefix}.pending"] = pending
    else:
        after_write()
        form: ValuesForm = st.session_state[f"{prefix}.form"]
        show_form(prefix, reload(), notice=result.message(form))
    st.rerun()


def _conflict_view(prefix: str, tenant: TenantConfig, actor: Actor,
                   reload: Callable[[], ValuesForm], after_write: Callable[[], None]) -> None:
    conflict: Conflict = st.session_state[f"{prefix}.conflict"]
    submission, redeploy, typed = st.session_state[f"{prefix}.pending"]
    st.warning(f"{conflict.summary} Nothing has been saved: choose which version to keep.",
               icon=":material/merge:")
    tables.table(pd.DataFrame([{"input": r.label, "yours": r.mine, "theirs": r.theirs,
                                "differs": r.differs} for r in conflict.rows]),
                 key=f"{prefix}.conflict_table", config={"yours": "Yours", "theirs": "Theirs"})
    mine, theirs = st.columns(2)
    if mine.button("Keep mine (save it over theirs)", key=f"{prefix}.keep_mine",
                   type="primary"):
        with user_errors("Saving your version", stop=False):
            result = keep_mine(context.client(tenant.name), conflict, submission,
                               _write_context(tenant, actor, typed), redeploy=redeploy)
            _handle(prefix, result, (submission, redeploy, typed), reload, after_write)
    if theirs.button("Take theirs (discard my edits)", key=f"{prefix}.take_theirs"):
        show_form(prefix, conflict.theirs_form, notice="Showing their version; your edits "
                  "were discarded and nothing was saved.")
        st.rerun()


def editor(prefix: str, tenant: TenantConfig, actor: Actor, form: ValuesForm, *,
           reload: Callable[[], ValuesForm], allow_redeploy: bool,
           after_write: Callable[[], None] = context.refresh) -> None:
    """Draw the form of ``form`` (or its conflict view) and save what the user submits.

    ``reload`` reads the form again after a save; ``after_write`` clears cached fetches.
    """
    if notice := st.session_state.pop(f"{prefix}.notice", None):
        st.success(notice, icon=":material/check_circle:")
    if f"{prefix}.conflict" in st.session_state:
        _conflict_view(prefix, tenant, actor, reload, after_write)
        return
    globals_view(prefix, form)
    _seed_inputs(prefix, form)
    with st.form(f"{prefix}.values"):
        typed_values, slots = {}, {}
        for item in form.fields:
            typed_values[item.key] = _widget(prefix, item)
            slots[item.key] = st.empty()
            if warning := warn_value(item, typed_values[item.key]):
                slots[item.key].warning(warning.message, icon=":material/warning:")
        redeploy = False
        if allow_redeploy and form.current is not None:
            count = form.dependents.total
            redeploy = st.checkbox(f"Redeploy the instances that use these values ({count} "
                                   "affected)", key=f"{prefix}.redeploy", disabled=not count)
        typed = widgets.typed_confirmation(tenant, key=f"{prefix}.confirm")
        submitted = st.form_submit_button("Save", key=f"{prefix}.save", type="primary")
    if not submitted:
        return
    try:
        submission = prepare(form, typed_values)
    except FormInvalid as invalid:
        _show_issues(slots, invalid)
        return
    with user_errors("Saving", stop=False):
        result = save(context.client(tenant.name), form, submission,
                      _write_context(tenant, actor, typed), redeploy=redeploy)
        _handle(prefix, result, (submission, redeploy, typed), reload, after_write)


def _show_issues(slots: dict[str, DeltaGenerator], invalid: FormInvalid) -> None:
    for issue in invalid.issues:
        slot = slots.get(issue.input_key)
        (slot.error if slot is not None else st.error)(issue.message, icon=":material/error:")
    st.error(f"Nothing was sent: fix the {len(invalid.issues)} value(s) marked above.")


def delete_button(prefix: str, tenant: TenantConfig, actor: Actor, form: ValuesForm, *,
                  reload: Callable[[], ValuesForm],
                  after_write: Callable[[], None] = context.refresh) -> None:
    """"Delete values…" and its confirmation dialog, which says what depends on the values."""
    is_open = f"{prefix}.delete_open"
    if st.button("Delete values…", key=f"{prefix}.delete", icon=":material/delete:",
                 disabled=form.current is None,
                 help="Nothing to delete yet" if form.current is None else None):
        st.session_state[is_open] = True
    if not st.session_state.get(is_open):
        return

    def close() -> None:
        st.session_state.pop(is_open, None)

    @st.dialog("Delete these values?", on_dismiss=close)
    def confirm() -> None:
        st.markdown(f"This deletes **{form.what}**.")
        usage = form.dependents
        if usage.total:
            names = ", ".join(i.name for i in usage.instances[:10])
            more = f" and {usage.total - 10} more" if usage.total > 10 else ""
            st.warning(f"**{usage.total} instance(s) use these values:** {names}{more}. "
                       "Prismatic refuses to delete values that deployed instances use: "
                       "remove this connection from those instances first.")
        else:
            st.info("No instance uses these values.")
        typed = widgets.typed_confirmation(tenant, key=f"{prefix}.delete_confirm")
        left, right = st.columns(2)
        if left.button("Delete", key=f"{prefix}.delete_confirmed", type="primary"):
            with user_errors("Deleting", stop=False):
                delete(context.client(tenant.name), form, _write_context(tenant, actor, typed))
                close()
                after_write()
                show_form(prefix, reload(), notice=f"Deleted {form.what}.")
                st.rerun()
        if right.button("Cancel", key=f"{prefix}.delete_cancel"):
            close()
            st.rerun()

    confirm()
