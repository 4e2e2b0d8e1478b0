"""Custom scalars as graphene serves them: ISO 8601 times and JSON carried in strings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ariadne import ScalarType

datetime_scalar = ScalarType("DateTime")
json_string = ScalarType("JSONString")
json_or_string = ScalarType("JSONOrString")


@datetime_scalar.serializer
def serialize_datetime(value: Any) -> str:
    """Stored times are already ISO 8601 text; datetimes are formatted in UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


@datetime_scalar.value_parser
def parse_datetime(value: Any) -> datetime:
    """An ISO 8601 time (naive times are UTC); anything else is refused with an example."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 time, e.g. 2025-06-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@json_string.serializer
def serialize_json_string(value: Any) -> str | None:
    """JSON text as stored; other values are encoded."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


@json_or_string.serializer
def serialize_json_or_string(value: Any) -> Any:
    """Strings as they are (input defaults are stored as text)."""
    return value


SCALARS = [datetime_scalar, json_string, json_or_string]
