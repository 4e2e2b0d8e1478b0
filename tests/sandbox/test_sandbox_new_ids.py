"""IDs of objects created through the API: valid UUIDs, unique, and in the order they were made
(version 7), so that a bulk write appends to the tables' indexes instead of scattering."""

from __future__ import annotations

import uuid

from orgconn.sandbox.writes_common import new_id


def test_new_ids_are_version_7_uuids_in_the_order_they_were_made() -> None:
    ids = [new_id() for _ in range(20_000)]  # many share a millisecond: the counter orders them
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    parsed = uuid.UUID(ids[0])
    assert (parsed.version, parsed.variant, str(parsed)) == (7, uuid.RFC_4122, ids[0])
