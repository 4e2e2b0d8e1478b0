"""The coverage rules, on hand-made tenants (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from orgconn.models import (
    ConnectionInput,
    Customer,
    CustomerValues,
    InputDefinition,
    InputScope,
    InputValue,
    OrgConnection,
    TenantData,
)
from orgconn.services.coverage import (
    EXPORT_COLUMNS,
    NOT_APPLICABLE,
    CoverageFilter,
    Status,
    apply_filter,
    connection_names,
    connection_summary,
    counts_frame,
    coverage_frame,
    gap_export,
    label_choices,
    matrix_frame,
    other_connections_frame,
    percent_complete,
    status_chart,
    summary_frame,
)


def _input(key: str, *, required: bool = True, default: str | None = None,
           scope: InputScope = InputScope.CUSTOMER, type_: str = "STRING") -> ConnectionInput:
    return ConnectionInput(
        definition=InputDefinition(key=key, label=key, type=type_, required=required,
                                   default=default),
        scope=scope,
    )


API = OrgConnection(
    id="scv-api", name="Acme API key", stable_key="acme-api-key", variable_scope="CUSTOMER",
    managed_by="ORG",
    inputs=(_input("apiKey", type_="PASSWORD"), _input("region"),
            _input("baseUrl", default="https://api.acme.example"),
            _input("note", required=False), _input("host", scope=InputScope.ORG)),
)
SFTP = OrgConnection(
    id="scv-sftp", name="SFTP upload", stable_key="sftp-upload", variable_scope="CUSTOMER",
    managed_by="ORG", inputs=(_input("username"),),
)
GLOBAL = OrgConnection(id="scv-g", name="Shared SMTP", stable_key="shared-smtp",
                       variable_scope="ORG", managed_by="ORG")
CUSTOMER_ACTIVATED = OrgConnection(id="scv-c", name="Dropbox", stable_key="dropbox",
                                   variable_scope="CUSTOMER", managed_by="CUSTOMER")

CUSTOMERS = tuple(
    Customer(id=f"c{i}", name=name, external_id=f"ext-{i}", labels=labels)
    for i, (name, labels) in enumerate([
        ("Alpha Co", ("tier:enterprise", "region:na")),
        ("Beta Ltd", ("tier:growth", "region:emea")),
        ("Gamma Inc", ("tier:enterprise", "region:emea")),
        ("=cmd|evil", ()),
    ])
)


def _values(connection: OrgConnection, customer: Customer | None, status: str = "ACTIVE",
            is_test: bool = False, **values: str) -> CustomerValues:
    return CustomerValues(
        id=f"ccv-{connection.id}-{customer.id if customer else 'test'}",
        connection_id=connection.id, stable_key=connection.stable_key, customer=customer,
        is_test=is_test, status=status,
        values={k: InputValue.of(k, v, secret=k == "apiKey") for k, v in values.items()},
        last_configured_at=datetime(2026, 10, 1, tzinfo=UTC),
    )


SNAPSHOT = TenantData(
    connections=(API, SFTP, GLOBAL, CUSTOMER_ACTIVATED),
    customers=CUSTOMERS,
    customer_values=(
        _values(API, CUSTOMERS[0], apiKey="canary-1", region="eu"),  # complete (default fills)
        _values(API, CUSTOMERS[1], apiKey="canary-2"),  # incomplete: region
        _values(API, CUSTOMERS[2], status="FAILED", apiKey="canary-3", region="eu"),  # error
        _values(API, None, is_test=True, apiKey="canary-t", region="us"),  # test: ignored
        _values(SFTP, CUSTOMERS[0], username="alpha"),
        _values(SFTP, CUSTOMERS[1], status="ERROR", username=""),  # error, lacks username
    ),
)


@pytest.fixture
def frame() -> pd.DataFrame:
    return coverage_frame("us", SNAPSHOT)


def _status(frame: pd.DataFrame, key: str, customer: str) -> tuple[str, str]:
    row = frame[(frame["stable_key"] == key) & (frame["customer_id"] == customer)].iloc[0]
    return str(row["status"]), str(row["missing_inputs"])


def test_every_customer_gets_a_status_for_every_org_activated_customer_connection(
    frame: pd.DataFrame,
) -> None:
    assert len(frame) == 2 * len(CUSTOMERS)
    assert set(frame["stable_key"]) == {"acme-api-key", "sftp-upload"}


def test_the_four_statuses_follow_the_rules(frame: pd.DataFrame) -> None:
    assert _status(frame, "acme-api-key", "c0") == ("complete", "")
    assert _status(frame, "acme-api-key", "c1") == ("incomplete", "region")
    assert _status(frame, "acme-api-key", "c2") == ("error", "")
    assert _status(frame, "acme-api-key", "c3") == ("missing", "")
    assert _status(frame, "sftp-upload", "c1") == ("error", "username")


def test_test_credentials_never_count_as_a_customer_s_values() -> None:
    only_test = TenantData(connections=(API,), customers=CUSTOMERS[:1],
                               customer_values=(_values(API, None, is_test=True, apiKey="x",
                                                        region="y"),))
    assert list(coverage_frame("us", only_test)["status"]) == ["missing"]


def test_global_and_customer_activated_connections_are_listed_apart(frame: pd.DataFrame) -> None:
    others = other_connections_frame("us", SNAPSHOT.connections)
    assert sorted(others["kind"]) == ["customer-activated", "org-activated global"]
    assert not frame["stable_key"].isin(["shared-smtp", "dropbox"]).any()


def test_summary_counts_customers_connections_and_percent_complete(frame: pd.DataFrame) -> None:
    row = summary_frame(frame).iloc[0]
    assert (row["customers"], row["connections"], row["complete"]) == (4, 2, 2)
    assert row["percent_complete"] == 25.0


def test_the_summary_keeps_the_tenants_in_the_order_given(frame: pd.DataFrame) -> None:
    both = pd.concat([frame, coverage_frame("eu", SNAPSHOT)], ignore_index=True)
    assert list(summary_frame(both)["tenant"]) == ["us", "eu"]


def test_the_connection_summary_counts_each_status_per_connection_in_order(
    frame: pd.DataFrame,
) -> None:
    table = connection_summary(frame)
    assert list(table["stable_key"]) == ["acme-api-key", "sftp-upload"]
    columns = ["complete", "incomplete", "missing", "error", "percent_complete"]
    assert list(table.iloc[0][columns]) == [1, 1, 1, 1, 25.0]
    assert list(table.iloc[1][columns]) == [1, 0, 2, 1, 25.0]
    assert connection_summary(frame.iloc[:0]).empty


def test_counts_include_every_status_even_at_zero(frame: pd.DataFrame) -> None:
    counts = counts_frame(frame)
    api = counts[counts["stable_key"] == "acme-api-key"].set_index("status")["customers"]
    assert dict(api) == {"complete": 1, "incomplete": 1, "missing": 1, "error": 1}
    sftp = counts[counts["stable_key"] == "sftp-upload"].set_index("status")["customers"]
    assert sftp["incomplete"] == 0 and sftp["missing"] == 2
    assert percent_complete(frame).set_index("stable_key")["percent_complete"].to_dict() == {
        "acme-api-key": 25.0, "sftp-upload": 25.0}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (CoverageFilter(stable_keys=("sftp-upload",)), 4),
        (CoverageFilter(statuses=("missing",)), 3),
        (CoverageFilter(only_gaps=True), 6),
        (CoverageFilter(labels=("tier:enterprise",)), 4),
        (CoverageFilter(labels=("tier:enterprise", "region:emea")), 2),
        (CoverageFilter(search="beta"), 2),
        (CoverageFilter(search="EXT-2"), 2),
        (CoverageFilter(search="nobody"), 0),
        (CoverageFilter(tenants=("eu",)), 0),
    ],
)
def test_filters_select_the_rows_a_user_asked_for(
    frame: pd.DataFrame, view: CoverageFilter, expected: int
) -> None:
    assert len(apply_filter(frame, view)) == expected


def test_a_label_filter_matches_whole_labels_only(frame: pd.DataFrame) -> None:
    assert len(apply_filter(frame, CoverageFilter(labels=("tier:enter",)))) == 0
    assert label_choices(frame) == ["region:emea", "region:na", "tier:enterprise", "tier:growth"]


def test_the_matrix_has_a_status_in_every_cell_and_names_missing_inputs(
    frame: pd.DataFrame,
) -> None:
    matrix = matrix_frame(frame).set_index("customer_external_id")
    assert matrix.loc["ext-1", "Acme API key"] == "incomplete: region"
    assert matrix.loc["ext-3", "SFTP upload"] == "missing"
    assert matrix.loc["ext-1", "SFTP upload"] == "error: username"
    assert not matrix[["Acme API key", "SFTP upload"]].isna().any().any()


def test_matrix_marks_cells_and_fills_connections_a_tenant_lacks(frame: pd.DataFrame) -> None:
    api_only = TenantData(connections=(API,), customers=CUSTOMERS[:2], customer_values=())
    both = pd.concat([frame, coverage_frame("eu", api_only)], ignore_index=True)
    matrix = matrix_frame(both, marks={"missing": "M ", "incomplete": "I "})
    assert len(matrix) == len(CUSTOMERS) + 2
    assert list(matrix["tenant"]) == ["us"] * len(CUSTOMERS) + ["eu", "eu"]
    eu = matrix[matrix["tenant"] == "eu"].set_index("customer_external_id")
    assert set(eu["SFTP upload"]) == {NOT_APPLICABLE}
    assert set(eu["Acme API key"]) == {"M missing"}
    us = matrix[matrix["tenant"] == "us"].set_index("customer_external_id")
    assert us.loc["ext-1", "Acme API key"] == "I incomplete: region"
    assert us.loc["ext-0", "Acme API key"] == "complete", "statuses without a mark stay bare"


def test_matrix_tells_apart_connections_that_share_a_name(frame: pd.DataFrame) -> None:
    twin = OrgConnection(id="scv-twin", name="Acme API key", stable_key="acme-api-key-2",
                         variable_scope="CUSTOMER", managed_by="ORG", inputs=(_input("x"),))
    snapshot = TenantData(connections=(API, twin), customers=CUSTOMERS[:1],
                              customer_values=())
    matrix = matrix_frame(coverage_frame("us", snapshot))
    assert list(matrix.columns)[3:] == ["Acme API key (acme-api-key)",
                                        "Acme API key (acme-api-key-2)"]


def test_customers_without_external_id_and_same_name_keep_a_row_each() -> None:
    twins = tuple(Customer(id=f"t{i}", name="Same Name", external_id=None) for i in range(2))
    snapshot = TenantData(connections=(SFTP,), customers=twins, customer_values=(
        _values(SFTP, twins[0], username="u"),))
    matrix = matrix_frame(coverage_frame("us", snapshot))
    assert sorted(matrix["SFTP upload"]) == ["complete", "missing"]


def test_the_gap_export_has_the_documented_columns_and_no_complete_rows(
    frame: pd.DataFrame,
) -> None:
    export = gap_export(frame)
    assert list(export.columns) == EXPORT_COLUMNS
    assert "complete" not in set(export["status"])
    assert len(export) == 6
    assert not export.astype(str).apply(lambda c: c.str.contains("canary")).any().any()


def test_the_status_chart_stacks_one_bar_per_connection_and_status(frame: pd.DataFrame) -> None:
    figure = status_chart(counts_frame(frame))
    assert {trace.name for trace in figure.data} == {s.value for s in Status}
    complete = next(t for t in figure.data if t.name == "complete")
    assert list(complete.x) == [1, 1]


def test_the_status_chart_lays_bars_across_so_connection_names_read_unrotated(
        frame: pd.DataFrame) -> None:
    figure = status_chart(counts_frame(frame))
    assert {t.orientation for t in figure.data} == {"h"}
    assert set(figure.data[0].y) == set(frame["connection"])


EMPTY_TENANTS = {
    "no org-activated connection": TenantData(
        connections=(), customers=SNAPSHOT.customers, customer_values=()),
    "no customers": TenantData(
        connections=SNAPSHOT.connections, customers=(), customer_values=()),
    "nothing at all": TenantData(connections=(), customers=(), customer_values=()),
}
VIEWS = [summary_frame, counts_frame, percent_complete, connection_summary, matrix_frame,
         gap_export]


@pytest.mark.parametrize("shape", sorted(EMPTY_TENANTS))
def test_a_tenant_with_nothing_to_cover_gives_empty_frames_typed_like_full_ones(
        shape: str, frame: pd.DataFrame) -> None:
    empty = coverage_frame("us", EMPTY_TENANTS[shape])

    assert empty.empty and empty.dtypes.to_dict() == frame.dtypes.to_dict()
    for view in VIEWS:
        got, full = view(empty), view(frame)
        assert got.empty, view.__name__
        assert list(got.columns) == [c for c in full.columns if c in got.columns]
        assert {c: got[c].dtype for c in got.columns} == {c: full[c].dtype for c in got.columns}
    assert list(matrix_frame(empty).columns) == ["tenant", "customer_external_id",
                                                 "customer_name"]
    assert label_choices(empty) == [] and apply_filter(empty, CoverageFilter(search="a")).empty
    assert len(status_chart(counts_frame(empty)).data) == len(Status)


def test_an_empty_tenant_beside_a_full_one_changes_no_figure(frame: pd.DataFrame) -> None:
    both = pd.concat([frame, coverage_frame("eu", EMPTY_TENANTS["no customers"])],
                     ignore_index=True)

    assert summary_frame(both).equals(summary_frame(frame))
    assert percent_complete(both).equals(percent_complete(frame))


def test_connection_names_are_read_once_per_connection_in_the_frames_order() -> None:
    frame = pd.DataFrame({"stable_key": ["b", "a", "b", "a"],
                          "connection": ["Bee", "Ay", "Bee", "Ay"]})
    assert list(connection_names(frame).items()) == [("b", "Bee"), ("a", "Ay")]
