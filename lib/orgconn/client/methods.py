"""The methods of `PrismaticClient` and `AsyncPrismaticClient`, written once as plans.

Each method here returns a plan (see `orgconn.client.plans`); the sync client runs it and
returns its result, the async client awaits it. Signatures and docstrings below are therefore
those of both clients (``client.whoami()`` / ``await client.whoami()``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orgconn.client import impact, reads, writes
from orgconn.client.batch import RowAnswer, ValuesWrite, WriteKind, batch_call, send_batch
from orgconn.client.plans import PageProgress, Plan
from orgconn.client.policy import Limits, RetryPolicy
from orgconn.client.reads import Definitions
from orgconn.client.writes import Values
from orgconn.models import (
    Component,
    ComponentConnection,
    CoverageRead,
    Customer,
    CustomerValues,
    InputScope,
    InstanceImpact,
    InstanceUsage,
    OrgConnection,
    TenantData,
    UpsertResult,
    WhoAmI,
)


def _id(obj: Customer | CustomerValues | OrgConnection | str) -> str:
    return obj if isinstance(obj, str) else obj.id


class ClientMethods:
    """Plans for one tenant, sharing what the client has learnt of its connections."""

    def __init__(self, definitions: Definitions, limits: Limits, retry: RetryPolicy) -> None:
        self._definitions = definitions
        self._page = limits.page_size
        self._attempts = retry.write_attempts

    # ---------------------------------------------------------------- reads

    def whoami(self) -> Plan[WhoAmI]:
        """Which user (email), organization and tenant the token reaches."""
        return reads.whoami()

    def org_connections(self, stable_keys: Sequence[str] | None = None
                        ) -> Plan[list[OrgConnection]]:
        """The org-activated customer connections (CUSTOMER scope, ORG managed), oldest first.

        ``stable_keys`` limits the answer to those keys. Each connection carries its inputs:
        definitions, scope (per-customer or global) and global values (secrets as SecretStr).
        """
        return reads.org_connections(self._definitions, stable_keys, page_size=self._page)

    def all_connections(self, *, on_page: PageProgress | None = None
                        ) -> Plan[list[OrgConnection]]:
        """Every connection definition of the tenant, including org-activated global and
        customer-activated ones (tell them apart with ``is_org_activated_customer``).
        ``on_page`` hears of each page read (`orgconn.client.plans.PageRead`)."""
        return reads.all_connections(self._definitions, page_size=self._page, on_page=on_page)

    def connection(self, stable_key: str) -> Plan[OrgConnection | None]:
        """The connection with this stable key (any kind), or None."""
        return reads.connection_by_stable_key(self._definitions, stable_key)

    def connection_by_id(self, connection_id: str) -> Plan[OrgConnection | None]:
        """The connection with this ID, or None."""
        return reads.connection_by_id(self._definitions, connection_id)

    def customers(self, external_id: str | None = None, *, name_contains: str | None = None
                  ) -> Plan[list[Customer]]:
        """Customers (never the system customer), oldest first; optionally filtered by
        external ID or case-insensitive part of the name."""
        return reads.customers(external_id=external_id, name_contains=name_contains,
                               page_size=self._page)

    def customer_by_id(self, customer_id: str) -> Plan[Customer | None]:
        """The customer with this Prismatic ID (``Customer:...`` in base64), or None."""
        return reads.customer_by_id(customer_id)

    def customer(self, external_id: str) -> Plan[Customer | None]:
        """The customer with this external ID, or None."""
        found = yield from reads.customers(external_id=external_id, page_size=self._page)
        return next((c for c in found if c.external_id == external_id), None)

    def customer_values(self, *, connection_id: str | None = None,
                        stable_key: str | None = None, customer_id: str | None = None,
                        ids: Sequence[str] | None = None, brief: bool = False,
                        with_instance_count: bool = False) -> Plan[list[CustomerValues]]:
        """Customers' values (never test credentials) of org-activated connections.

        Filter by connection (ID or stable key), customer ID and/or the value sets' ``ids``
        (up to a page of them, 100, is one request: how bulk re-reads a batch's rows); with no
        filter, every customer's values of every org-activated connection, in one paged
        stream. ``brief`` reads what `snapshot` reads brief (no status, use, configuration
        time or input meta). ``with_instance_count`` also fills ``instance_count`` (costs the
        server more).
        """
        return reads.customer_values(self._definitions, connection_id=connection_id,
                                     stable_key=stable_key, customer_id=customer_id,
                                     ids=ids, brief=brief,
                                     with_instance_count=with_instance_count,
                                     page_size=self._page)

    def customer_values_by_id(self, values_id: str) -> Plan[CustomerValues | None]:
        """One CCV (customer values or test credentials) by ID, or None if it is gone."""
        return reads.customer_values_by_id(self._definitions, values_id)

    def test_credentials(self, connection: OrgConnection | str) -> Plan[CustomerValues | None]:
        """The test credentials of a connection (object or ID), or None if it has none."""
        return reads.test_credentials(self._definitions, _id(connection))

    def instances_using(self, values: CustomerValues | str) -> Plan[InstanceUsage]:
        """How many instances use these values (``total``) and the first 100 of them, for
        delete and redeploy warnings."""
        return reads.instances_using(_id(values))

    def components(self) -> Plan[list[Component]]:
        """Components that have connections, with each connection's input definitions
        (for creating an org-activated connection; skip ``is_oauth2`` ones)."""
        return reads.components(page_size=self._page)

    def read_tenant(self, stable_keys: Sequence[str] | None = None, *,
                 brief: bool = False, on_page: PageProgress | None = None
                 ) -> Plan[TenantData]:
        """Org-activated connections, customers and all their values, read concurrently:
        what coverage needs, in about (items / 100) requests. ``brief`` reads only what a bulk
        plan needs: each customer's ID, name and external ID (no labels, description, creation
        time), and each value set's inputs (no status, use, configuration time, input meta).
        ``on_page`` hears of each page of connections, customers and values as it arrives
        (`orgconn.client.plans.PageRead`; from the client's threads: keep it quick)."""
        return reads.read_tenant(self._definitions, stable_keys, page_size=self._page, brief=brief,
                              on_page=on_page)

    def instance_impact(self, connections: Sequence[OrgConnection] | None = None
                        ) -> Plan[InstanceImpact | None]:
        """How many instances of each customer use each connection (and how many of those are
        enabled and failing), whether or not the customer has values: read in pages per
        connection, concurrently (``connections`` default: the org-activated ones).

        None when the tenant cannot answer (its schema or an error): the impact is unknown
        and must not be shown as 0. See `orgconn.client.impact`.
        """
        return impact.instance_impact(self._definitions, connections, page_size=self._page)

    def coverage_read(self, stable_keys: Sequence[str] | None = None, *,
                      with_impact: bool = True, on_page: PageProgress | None = None
                      ) -> Plan[CoverageRead]:
        """What coverage needs, lean: org-activated connections (optionally ``stable_keys``),
        customers (ID, name, external ID, labels), their values as the keys of the inputs that
        have a value (no value is read) and, ``with_impact``, the instance impact (None when
        the tenant cannot answer: unknown, never 0). Every stream in pages, concurrently.
        ``on_page`` hears of each page as it arrives (from the client's threads)."""
        return impact.coverage_read(self._definitions, stable_keys, with_impact=with_impact,
                                    page_size=self._page, on_page=on_page)

    # ---------------------------------------------------------------- writes

    def create_customer_values(self, connection: OrgConnection, customer: Customer | str,
                               values: Values) -> Plan[CustomerValues]:
        """Create a customer's values; every per-customer input is sent (unset ones empty).

        Refused (`PayloadError`) if the customer already has values for the connection:
        prefer `upsert_customer_values`. ``values`` maps input keys to text or SecretStr.
        """
        return writes.create_values(self._definitions, connection, _id(customer), values,
                                    attempts=self._attempts)

    def update_customer_values(self, current: CustomerValues, values: Values, *,
                               connection: OrgConnection, redeploy: bool = False,
                               overwrite: bool = True) -> Plan[CustomerValues]:
        """Merge ``values`` over ``current`` and send every per-customer input.

        Returns ``current`` without writing when nothing changes. ``redeploy`` redeploys the
        customer's instances that use the values. ``overwrite=False`` only fills unset inputs.
        Compare ``current.last_configured_at`` with a fresh read first to detect others' edits.
        """
        intended = writes.intended_values(connection, current, values, overwrite=overwrite)
        if intended is None:
            return _done(current)
        return writes.update_values(self._definitions, connection, current, intended,
                                    redeploy=redeploy, attempts=self._attempts)

    def delete_customer_values(self, values: CustomerValues | str) -> Plan[None]:
        """Delete a customer's values or test credentials (object or ID).

        Refused (`PayloadError`) while deployed instances use them: see `instances_using`.
        """
        return writes.delete_values(self._definitions, _id(values), attempts=self._attempts)

    def upsert_customer_values(self, connection: OrgConnection, customer: Customer | str,
                               values: Values, *, overwrite: bool = True,
                               redeploy: bool = False) -> Plan[UpsertResult]:
        """Create or update a customer's values; safe to repeat and safe under lost answers.

        Finds the existing values, then creates, updates (every per-customer input sent) or
        does nothing (``action="unchanged"``). After a write whose answer was lost it reads
        back before re-sending, so no write is lost or doubled. ``overwrite=False`` keeps
        values already set.
        """
        return writes.upsert_values(self._definitions, connection, _id(customer), values,
                                    overwrite=overwrite, redeploy=redeploy,
                                    attempts=self._attempts)

    def set_test_credentials(self, connection: OrgConnection, values: Values
                             ) -> Plan[UpsertResult]:
        """Create or update the connection's test credentials (used by the designer)."""
        return writes.upsert_values(self._definitions, connection, None, values,
                                    overwrite=True, redeploy=False, attempts=self._attempts)

    def create_org_connection(self, connection: ComponentConnection, *, name: str,
                              stable_key: str, description: str = "",
                              scopes: Mapping[str, InputScope] | None = None,
                              global_values: Values | None = None,
                              default_for_component: bool = False) -> Plan[OrgConnection]:
        """Create an org-activated customer connection on a component connection.

        ``scopes`` gives each input's scope (default per-customer); ``global_values`` the
        values of global inputs — they can never be changed afterwards, and the stable key
        neither. ``default_for_component`` is set by an update right after the create (the
        create input has no such field). Validate the stable key's format and uniqueness
        before calling.
        """
        return writes.create_connection(
            self._definitions, connection, name=name, stable_key=stable_key,
            description=description, scopes=scopes or {}, global_values=global_values or {},
            default_for_component=default_for_component, attempts=self._attempts)

    def update_org_connection(self, connection: OrgConnection, *, name: str | None = None,
                              description: str | None = None,
                              default_for_component: bool | None = None) -> Plan[OrgConnection]:
        """Change a connection's name, description and/or whether the designer uses it by
        default (None leaves it as is)."""
        return writes.update_connection(self._definitions, connection, name=name,
                                        description=description,
                                        default_for_component=default_for_component,
                                        attempts=self._attempts)

    def write_values_batch(self, kind: WriteKind, rows: Sequence[ValuesWrite], *,
                           overwrite: bool = True) -> Plan[list[RowAnswer]]:
        """Create (``kind="create"``) or update many customers' values in one request.

        Returns one `RowAnswer` per row, in order: written, or why the tenant refused it.
        Never retried: if the batch raises (answer lost, refused as a whole), send each row
        with `upsert_customer_values`, which reads back before writing (see `batch`).
        """
        return send_batch(batch_call(kind, rows, overwrite=overwrite))

    def delete_org_connection(self, connection: OrgConnection | str) -> Plan[None]:
        """Delete a connection definition (refused with a `PayloadError` while in use)."""
        return writes.delete_connection(self._definitions, _id(connection),
                                        attempts=self._attempts)


def _done(result: CustomerValues) -> Plan[CustomerValues]:
    """A plan that sends nothing and returns ``result``."""
    return result
    yield  # pragma: no cover - makes this a generator
