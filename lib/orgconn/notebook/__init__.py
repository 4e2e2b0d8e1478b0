"""orgconn in a notebook: one call per question, answers as pandas DataFrames and Plotly figures.

    import orgconn

    orgconn.start()                              # the session: configured tenants, else a sandbox
    orgconn.connections("us")                    # org-activated connections, one row each
    orgconn.customers("us")                      # customers
    orgconn.customer_values("us", "acme-api-key")  # who has which values (secrets masked)
    orgconn.coverage("us")                       # customer × connection status, as on the page
    orgconn.set_values("us", "acme-api-key", "my-external-id", {"timeoutSeconds": "45"})
    client = orgconn.connect("us")               # a client that reads (close it when done)

Everything is built by `orgconn.runtime` from the configuration (`orgconn.config.load_config`:
``config=`` file, ``ORGCONN_CONFIG``, or the nearest ``.streamlit/secrets.toml``) — the same
tenants, store and roles as the CLI. ``orgconn.start()`` (`orgconn.notebook.session`) opens one
session for the kernel — on the configured tenants, or on an embedded sandbox of its own when
none is configured — and calls without ``config=`` then act through it, ``tenant`` defaulting
to the session's; without a session, ``tenant`` may be omitted when exactly one is configured.
The read functions also take ``client=`` to reuse an open client. No DataFrame holds a secret
value: secret inputs show as ``••••••`` when set.

Writes go through the dashboard's audited write path only: `set_values` acts as the OS user
with the configuration's ``[access] local_role``, refuses what that role may not do
(`AccessDenied`), asks for ``confirm_tenant`` on a protected tenant, and leaves one audit row
(source ``notebook``); `apply_values` (`orgconn.notebook.values`) is the bulk upload's apply,
with its gate, job and audit rows. The client `connect` hands out reads only: its write methods
raise `NotebookWriteRefused` pointing at `set_values`. This role is a guard-rail against
mistakes — whoever edits the configuration chooses it; the tenant's token is the security
boundary. Reports (`compare`, `rollout_history`, `rollout_targets`...) are in
`orgconn.notebook.reports`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pandas as pd

from orgconn.client import PrismaticClient
from orgconn.errors import OrgconnError
from orgconn.notebook import session
from orgconn.notebook.reports import (
    compare,
    compare_chart,
    export_csv,
    record_snapshot,
    rollout_chart,
    rollout_history,
    rollout_targets,
    set_target,
)
from orgconn.notebook.values import ValuesResult, apply_values, plan_values, values_template

__all__ = ["NotebookWriteRefused", "ValuesResult", "apply_values", "compare", "compare_chart",
           "connect", "connections", "coverage", "customer_values", "customers", "export_csv",
           "plan_values", "record_snapshot", "rollout_chart", "rollout_history",
           "rollout_targets", "set_target", "set_values", "start", "stop", "values_template"]

start, stop = session.start, session.stop
_runtime, _pick = session.acting_runtime, session.chosen_tenant
ConfigSource = session.ConfigSource

WRITE_METHODS = ("create_customer_values", "update_customer_values", "delete_customer_values",
                 "upsert_customer_values", "set_test_credentials", "create_org_connection",
                 "update_org_connection", "delete_org_connection")


class NotebookWriteRefused(OrgconnError):
    """A write asked of the notebook's reading client; nothing was sent."""


def _refuse(name: str) -> Callable[..., Any]:
    def refused(self: PrismaticClient, *args: object, **kwargs: object) -> Any:
        raise NotebookWriteRefused(
            f"{name}: the notebook's client only reads, so that every write checks your role "
            "and leaves an audit row — use orgconn.set_values(tenant, stable_key, external_id, "
            "values)", tenant=self.tenant.name)
    refused.__name__ = name
    return refused


ReadingClient = type("ReadingClient", (PrismaticClient,), {
    "__doc__": "A `PrismaticClient` whose write methods raise `NotebookWriteRefused`.",
    **{name: _refuse(name) for name in WRITE_METHODS}})


def connect(tenant: str | None = None, *, config: ConfigSource = None) -> PrismaticClient:
    """Return a reading client of ``tenant`` (the only configured one when None); close it
    when done. Its write methods raise `NotebookWriteRefused`: write with `set_values`.

    ``config`` is a loaded configuration or the path of a TOML file (default: `load_config`).
    """
    with _runtime(config) as runtime:
        return ReadingClient(_pick(runtime, tenant))  # type: ignore[no-any-return]


def set_values(tenant: str | None, stable_key: str, external_id: str,
               values: Mapping[str, str], *, confirm_tenant: str | None = None,
               redeploy: bool = False, config: ConfigSource = None) -> str:
    """Set one customer's values of one connection as the dashboard's form does, and return
    what was done in one sentence (which names the audit row).

    Inputs not named keep their current value (on a first write: their default). Raises
    `AccessDenied` when ``[access] local_role`` may not write or a protected tenant is not
    confirmed (``confirm_tenant="NAME"``), `FormInvalid` for invalid values (nothing sent), and
    the client's `OrgconnError` when the tenant refuses — every failure also audited.
    """
    from orgconn.services.values.form import find_connection, find_customer, load_form, prepare
    from orgconn.services.values.save import Saved, WriteContext, save

    with _runtime(config) as runtime:
        chosen = _pick(runtime, tenant)
        client, key = runtime.client(chosen.name), runtime.fingerprint_key()
        form = load_form(client, chosen.name, find_connection(client, stable_key),
                         find_customer(client, external_id), key)
        submission = prepare(form, {f.key: f.initial for f in form.fields} | dict(values))
        ctx = WriteContext(actor=runtime.local_actor(), tenant=chosen, store=runtime.store(),
                           fingerprint_key=key, typed_confirmation=confirm_tenant,
                           source="notebook")
        result = save(client, form, submission, ctx, redeploy=redeploy)
    if not isinstance(result, Saved):
        raise OrgconnError(f"{result.summary} Nothing was sent: call set_values again to save "
                           "over it.", tenant=chosen.name)
    return f"{result.message(form)} Audit row #{result.audit_id}."


@contextmanager
def _client(tenant: str | None, client: PrismaticClient | None) -> Iterator[PrismaticClient]:
    if client is not None:
        yield client
        return
    with connect(tenant) as opened:
        yield opened


def connections(tenant: str | None = None, *, client: PrismaticClient | None = None
                ) -> pd.DataFrame:
    """The org-activated connections: stable key, name, component, inputs by scope, usage."""
    with _client(tenant, client) as c:
        rows = [{
            "stable_key": x.stable_key, "name": x.name, "component": x.component_label,
            "connection": x.connection_label, "status": x.status,
            "per_customer_inputs": ", ".join(i.key for i in x.per_customer_inputs),
            "global_inputs": ", ".join(i.key for i in x.global_inputs),
            "is_in_use": x.is_in_use, "last_configured_at": x.last_configured_at, "id": x.id,
        } for x in c.org_connections()]
    return pd.DataFrame(rows, columns=["stable_key", "name", "component", "connection", "status",
                                       "per_customer_inputs", "global_inputs", "is_in_use",
                                       "last_configured_at", "id"])


def customers(tenant: str | None = None, *, client: PrismaticClient | None = None
              ) -> pd.DataFrame:
    """The customers: external ID, name, labels, creation time and ID."""
    with _client(tenant, client) as c:
        rows = [{"external_id": x.external_id, "name": x.name, "labels": ", ".join(x.labels),
                 "created_at": x.created_at, "id": x.id} for x in c.customers()]
    return pd.DataFrame(rows, columns=["external_id", "name", "labels", "created_at", "id"])


def customer_values(tenant: str | None = None, stable_key: str | None = None, *,
                    client: PrismaticClient | None = None) -> pd.DataFrame:
    """Customers' values of one (``stable_key``) or every org-activated connection.

    One row per customer and connection, one column per input; secrets show as ``••••••``
    when set, unset inputs as empty text.
    """
    with _client(tenant, client) as c:
        values = c.customer_values(stable_key=stable_key)
    rows = []
    for v in values:
        row: dict[str, object] = {
            "stable_key": v.stable_key,
            "customer_external_id": v.customer.external_id if v.customer else None,
            "customer_name": v.customer.name if v.customer else None,
            "status": v.status, "last_configured_at": v.last_configured_at, "values_id": v.id}
        row.update({name: value.display for name, value in v.values.items()})
        rows.append(row)
    return pd.DataFrame(rows)


def coverage(tenant: str | None = None, *, client: PrismaticClient | None = None
             ) -> pd.DataFrame:
    """Coverage as on the dashboard: one row per customer × org-activated connection, with
    its status (complete, incomplete, missing, error), the inputs it lacks, the customer's
    ``instances`` that use the connection (``enabled_instances``, ``failing_instances``:
    ``<NA>`` when the tenant cannot say — unknown, never 0) and whether the gap is
    ``blocking`` (a gap with instances). ``orgconn.coverage("us").query("blocking")``."""
    from orgconn.services.coverage import coverage_frame

    with _client(tenant, client) as c:
        return coverage_frame(c.tenant.name, c.coverage_read())
