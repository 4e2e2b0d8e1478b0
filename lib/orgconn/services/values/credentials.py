"""Test credentials: the values the integration designer uses, one set per connection.

Test credentials are a CustomerConfigVariable with ``isTest`` and no customer; they are
edited with the same form as a customer's values (`services.values.form`, customer None) and may be
changed at any time. This module gives the overview of a tenant's connections: whether each
has test credentials, which inputs they set and which required ones they lack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from orgconn.client import PrismaticClient
from orgconn.client.plans import Parallel, Plan
from orgconn.models import CustomerValues, OrgConnection
from orgconn.services.coverage import missing_inputs

COLUMNS = ["connection", "stable_key", "test_credentials", "inputs_set", "missing_required",
           "last_configured_at"]


def _all(plans: Iterable[Plan[CustomerValues | None]]) -> Plan[list[CustomerValues | None]]:
    results = yield Parallel(tuple(plans))
    return list(results)


def read_test_credentials(client: PrismaticClient, connections: Sequence[OrgConnection]
                          ) -> list[CustomerValues | None]:
    """The test credentials of each connection (None where it has none), read concurrently."""
    if not connections:
        return []
    return client.run(_all(client.methods.test_credentials(c) for c in connections))


def overview_frame(connections: Sequence[OrgConnection],
                   credentials: Sequence[CustomerValues | None]) -> pd.DataFrame:
    """One row per connection: ``test_credentials`` "set"/"not set", the inputs set (names
    only), the required inputs lacking a value, and when they were last configured."""
    rows = []
    for connection, values in zip(connections, credentials, strict=True):
        rows.append({
            "connection": connection.name, "stable_key": connection.stable_key,
            "test_credentials": "set" if values is not None else "not set",
            "inputs_set": ", ".join(k for k in (i.key for i in connection.per_customer_inputs)
                                    if values is not None and values.has_value(k)),
            "missing_required": ", ".join(missing_inputs(connection, values))
            if values is not None else "",
            "last_configured_at": values.last_configured_at if values is not None else None,
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["last_configured_at"] = pd.to_datetime(frame["last_configured_at"], utc=True)
    return frame
