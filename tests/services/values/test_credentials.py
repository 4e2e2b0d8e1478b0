"""The test-credentials overview, read from the shared sandbox."""

from __future__ import annotations

from orgconn.sandbox import RunningSandbox
from orgconn.services.coverage import missing_inputs
from orgconn.services.values.credentials import overview_frame, read_test_credentials
from tests.edit_support import sandbox_client


def test_each_connection_says_whether_it_has_test_credentials_and_what_they_set(
        sandbox: RunningSandbox) -> None:
    with sandbox_client(sandbox, "us") as client:
        connections = client.org_connections()
        found = read_test_credentials(client, connections)
        one_by_one = [client.test_credentials(c) for c in connections]
    assert [v.id if v else None for v in found] == [v.id if v else None for v in one_by_one]
    assert any(found) and not all(found)
    frame = overview_frame(connections, found).set_index("stable_key")
    for connection, values in zip(connections, found, strict=True):
        row = frame.loc[connection.stable_key]
        assert row["test_credentials"] == ("set" if values else "not set")
        if values is not None:
            assert row["inputs_set"].split(", ") == [
                i.key for i in connection.per_customer_inputs if values.has_value(i.key)]
            assert row["missing_required"] == ", ".join(missing_inputs(connection, values))
            assert "canary" not in row["inputs_set"]


def test_no_connection_means_no_request_and_an_empty_overview(sandbox: RunningSandbox) -> None:
    with sandbox_client(sandbox, "us") as client:
        assert read_test_credentials(client, []) == []
        assert client.stats.requests == 0
    assert overview_frame([], []).empty
