"""The comparison rules on hand-made tenants: every kind found, each difference exactly once."""

from __future__ import annotations

import pandas as pd
import pytest

from orgconn.models import OrgConnection
from orgconn.secrets import fingerprint
from orgconn.services.compare.compare import (
    CUSTOMERS_ROW,
    CompareFilter,
    Kind,
    apply_filter,
    connections_overview,
    differences,
    drift_counts,
    drift_heatmap,
    drift_matrix,
    drift_totals,
    has_drift,
)
from tests.services.compare.compare_builders import (
    API_INPUTS,
    HIDDEN,
    KEY,
    connection,
    customer,
    snapshot,
    values,
)


def _rows(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    keys = frame[["kind", "stable_key", "customer_external_id", "input"]]
    return set(keys.itertuples(index=False, name=None))


def _one(frame: pd.DataFrame, kind: Kind) -> pd.Series:
    rows = frame[frame["kind"] == kind.value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_identical_tenants_have_no_difference() -> None:
    us = snapshot([connection("us")])
    eu = snapshot([connection("eu")])
    assert differences({"us": us, "eu": eu}, KEY).empty


def test_a_connection_in_one_tenant_only_is_one_row_and_nothing_else() -> None:
    us = snapshot([connection("us"), connection("us", "crm-sync", name="CRM")])
    eu = snapshot([connection("eu")])
    frame = differences({"us": us, "eu": eu}, KEY)
    assert _rows(frame) == {("connection_missing", "crm-sync", "", "")}
    row = _one(frame, Kind.CONNECTION_MISSING)
    assert (row["us"], row["eu"], row["drift_in"]) == ("present", "missing", "eu")


def test_a_stable_key_held_by_a_connection_left_alone_says_what_holds_it() -> None:
    held = connection("eu", "crm-sync", name="CRM", scope=("ORG", "ORG"))
    us = snapshot([connection("us", "crm-sync", name="CRM")])
    eu = snapshot([held])
    frame = differences({"us": us, "eu": eu}, KEY, all_connections={"eu": [held]})
    assert _one(frame, Kind.CONNECTION_MISSING)["eu"] == "org-activated global (left alone)"


def test_connections_left_alone_are_never_compared() -> None:
    us = snapshot([connection("us", "ops", scope=("ORG", "ORG"), inputs=[
        ("url", "STRING", "org", "https://us.example")])])
    eu = snapshot([connection("eu", "ops", scope=("ORG", "ORG"), inputs=[
        ("url", "STRING", "org", "https://eu.example")])])
    assert differences({"us": us, "eu": eu}, KEY).empty


def test_name_and_description_differences_are_one_row_each_with_both_texts() -> None:
    us = snapshot([connection("us")])
    eu = snapshot([connection("eu", name="Acme key (EU)", description="")])
    frame = differences({"us": us, "eu": eu}, KEY)
    assert _rows(frame) == {("name", "acme-api-key", "", ""),
                            ("description", "acme-api-key", "", "")}
    assert _one(frame, Kind.NAME)[["us", "eu"]].tolist() == ["Acme API key", "Acme key (EU)"]
    assert _one(frame, Kind.DESCRIPTION)["eu"] == "(empty)"


def test_another_component_connection_is_one_row_without_its_input_consequences() -> None:
    us = snapshot([connection("us")])
    eu = snapshot([connection("eu", component=("http", "basic"),
                              inputs=[("username", "STRING", "customer", None)])])
    frame = differences({"us": us, "eu": eu}, KEY)
    assert _rows(frame) == {("component", "acme-api-key", "", "")}
    assert _one(frame, Kind.COMPONENT)[["us", "eu"]].tolist() == ["acme-saas/apiKey",
                                                                  "http/basic"]


def test_an_input_missing_in_a_tenant_is_one_row_with_its_scope_where_it_exists() -> None:
    us = snapshot([connection("us")])
    eu = snapshot([connection("eu", inputs=API_INPUTS[:2])])
    frame = differences({"us": us, "eu": eu}, KEY)
    assert _rows(frame) == {("input_missing", "acme-api-key", "", "baseUrl")}
    assert _one(frame, Kind.INPUT_MISSING)[["us", "eu"]].tolist() == ["global", "missing"]


def test_a_scope_difference_is_one_row_and_hides_the_values_of_that_input() -> None:
    us_conn = connection("us")
    eu_conn = connection("eu", inputs=[*API_INPUTS[:2], ("baseUrl", "STRING", "customer", None)])
    us_cust, eu_cust = customer("us", "c1"), customer("eu", "c1")
    us = snapshot([us_conn], [us_cust], [values("us", us_conn, us_cust, apiKey="canary-1",
                                                region="eu")])
    eu = snapshot([eu_conn], [eu_cust], [values("eu", eu_conn, eu_cust, apiKey="canary-1",
                                                region="eu", baseUrl="https://eu.example")])
    frame = differences({"us": us, "eu": eu}, KEY)
    assert _rows(frame) == {("input_scope", "acme-api-key", "", "baseUrl")}
    assert _one(frame, Kind.INPUT_SCOPE)[["us", "eu"]].tolist() == ["global", "per-customer"]


def test_plain_global_values_that_differ_are_shown() -> None:
    us = snapshot([connection("us")])
    eu = snapshot([connection("eu", inputs=[*API_INPUTS[:2], (
        "baseUrl", "STRING", "org", "https://eu.example.com")])])
    row = _one(differences({"us": us, "eu": eu}, KEY), Kind.GLOBAL_VALUE)
    assert (row["input"], row["us"], row["eu"]) == (
        "baseUrl", "https://api.example.com", "https://eu.example.com")


def _secret_global(tenant: str, value: object) -> OrgConnection:
    return connection(tenant, inputs=[("token", "PASSWORD", "org", value)])


def test_secret_global_values_are_compared_by_fingerprint_never_shown() -> None:
    us = snapshot([_secret_global("us", "canary-us")])
    eu = snapshot([_secret_global("eu", "canary-eu")])
    frame = differences({"us": us, "eu": eu}, KEY)
    row = _one(frame, Kind.GLOBAL_VALUE)
    assert row["us"] == f"fingerprint {fingerprint('canary-us', KEY)}"
    assert not frame.astype(str).apply(lambda c: c.str.contains("canary")).any().any()


def test_equal_secret_global_values_are_no_difference() -> None:
    us = snapshot([_secret_global("us", "canary-same")])
    eu = snapshot([_secret_global("eu", "canary-same")])
    assert differences({"us": us, "eu": eu}, KEY).empty


def test_a_secret_global_value_the_api_hides_cannot_be_compared() -> None:
    us = snapshot([_secret_global("us", "canary-us")])
    eu = snapshot([_secret_global("eu", HIDDEN)])
    frame = differences({"us": us, "eu": eu}, KEY)
    row = _one(frame, Kind.CANT_COMPARE)
    assert (row["input"], row["eu"], row["drift_in"]) == (
        "token", "set, not returned by the API", "eu")
    assert not has_drift(frame)


def test_a_hidden_secret_against_an_unset_one_is_a_known_difference() -> None:
    us = snapshot([_secret_global("us", None)])
    eu = snapshot([_secret_global("eu", HIDDEN)])
    row = _one(differences({"us": us, "eu": eu}, KEY), Kind.GLOBAL_VALUE)
    assert row[["us", "eu"]].tolist() == ["not set", "set, not returned by the API"]


def _customers_case(us_values: dict[str, dict[str, object]],
                    eu_values: dict[str, dict[str, object]],
                    us_only: tuple[str, ...] = (), eu_only: tuple[str, ...] = ()
                    ) -> pd.DataFrame:
    """us and eu with the same connection; customers c1..c3 (+ extras), values as given."""
    snaps = {}
    for tenant, given, extra in (("us", us_values, us_only), ("eu", eu_values, eu_only)):
        conn = connection(tenant)
        people = [customer(tenant, e) for e in ("c1", "c2", "c3", *extra)]
        vals = [values(tenant, conn, c, **given[c.external_id]) for c in people
                if c.external_id in given]
        snaps[tenant] = snapshot([conn], people, vals)
    return differences(snaps, KEY)


def test_a_customer_in_one_tenant_only_is_one_row_even_when_it_has_values() -> None:
    frame = _customers_case({"c4": {"apiKey": "canary-4"}}, {}, us_only=("c4",))
    assert _rows(frame) == {("customer_missing", "", "c4", "")}
    row = _one(frame, Kind.CUSTOMER_MISSING)
    assert (row["us"], row["eu"], row["drift_in"]) == ("Customer c4", "missing", "eu")


def test_values_in_one_tenant_only_are_one_configured_row() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1"}}, {})
    assert _rows(frame) == {("customer_configured", "acme-api-key", "c1", "")}
    row = _one(frame, Kind.CUSTOMER_CONFIGURED)
    assert row[["us", "eu", "drift_in"]].tolist() == ["configured", "not configured", "eu"]


def test_values_that_differ_are_one_row_per_input_by_fingerprint_plain_ones_too() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1", "region": "us-east"}},
                            {"c1": {"apiKey": "canary-2", "region": "eu-west"}})
    assert _rows(frame) == {("customer_value", "acme-api-key", "c1", "apiKey"),
                            ("customer_value", "acme-api-key", "c1", "region")}
    region = frame[frame["input"] == "region"].iloc[0]
    assert region["us"] == f"fingerprint {fingerprint('us-east', KEY)}"
    text = " ".join(frame.astype(str).to_numpy().ravel())
    assert "canary" not in text and "us-east" not in text and "eu-west" not in text


def test_a_value_set_in_one_tenant_and_not_the_other_differs() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1", "region": "us"}},
                            {"c1": {"apiKey": "canary-1"}})
    row = _one(frame, Kind.CUSTOMER_VALUE)
    assert (row["input"], row["eu"]) == ("region", "not set")


def test_hidden_customer_secrets_are_one_cant_compare_row_per_input_counting_customers() -> None:
    frame = _customers_case({c: {"apiKey": "canary-x"} for c in ("c1", "c2")},
                            {c: {"apiKey": HIDDEN} for c in ("c1", "c2")})
    assert _rows(frame) == {("cant_compare", "acme-api-key", "", "apiKey")}
    row = _one(frame, Kind.CANT_COMPARE)
    assert row[["us", "eu", "drift_in"]].tolist() == ["returned", "not returned for 2 customers",
                                                      "eu"]


def test_no_customer_rows_for_a_connection_that_exists_in_one_tenant_only() -> None:
    us_conn = connection("us", "crm-sync", name="CRM")
    people = [customer("us", "c1")]
    us = snapshot([connection("us"), us_conn], people, [values("us", us_conn, people[0],
                                                               apiKey="canary-1")])
    eu = snapshot([connection("eu")], [customer("eu", "c1")])
    assert _rows(differences({"us": us, "eu": eu}, KEY)) == {
        ("connection_missing", "crm-sync", "", "")}


def test_with_three_tenants_the_odd_one_out_is_charged() -> None:
    snaps = {t: snapshot([connection(t, name="Acme API key" if t != "dev" else "Acme (dev)")])
             for t in ("us", "eu", "dev")}
    row = _one(differences(snaps, KEY), Kind.NAME)
    assert row["drift_in"] == "dev"


def test_a_tenant_lacking_the_connection_takes_no_part_in_its_other_rows() -> None:
    snaps = {"us": snapshot([connection("us")]), "eu": snapshot([connection("eu", name="X")]),
             "dev": snapshot([])}
    frame = differences(snaps, KEY)
    assert _rows(frame) == {("connection_missing", "acme-api-key", "", ""),
                            ("name", "acme-api-key", "", "")}
    assert _one(frame, Kind.NAME)["dev"] == "—"


@pytest.mark.parametrize(("tenants", "message"), [
    (["us"], "at least two tenants"), (["us", "kind"], "clash with a column")])
def test_bad_tenant_choices_are_refused_saying_what_to_do(tenants: list[str],
                                                          message: str) -> None:
    with pytest.raises(ValueError, match=message):
        differences({t: snapshot([]) for t in tenants}, KEY)


def test_drift_counts_list_every_kind_and_count_rows() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1"}, "c2": {"apiKey": "canary-2"}}, {},
                            us_only=("c4",))
    counts = drift_counts(frame).set_index("kind")["differences"]
    assert set(counts.index) == {k.value for k in Kind}
    assert counts["customer_configured"] == 2
    assert counts["customer_missing"] == 1
    assert counts.sum() == len(frame)


def test_filters_select_by_kind_stable_key_and_customer_search() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1"}, "c2": {"apiKey": "canary-2"}}, {},
                            us_only=("c4",))
    assert set(apply_filter(frame, CompareFilter(kinds=("customer_missing",)))["kind"]) == {
        "customer_missing"}
    assert len(apply_filter(frame, CompareFilter(stable_keys=("acme-api-key",)))) == 2
    found = apply_filter(frame, CompareFilter(search="CUSTOMER C2"))
    assert found["customer_external_id"].tolist() == ["c2"]


def test_the_drift_matrix_charges_each_difference_to_the_tenants_that_differ() -> None:
    frame = _customers_case({"c1": {"apiKey": "canary-1"}}, {"c2": {"apiKey": "canary-2"}},
                            eu_only=("c5",))
    matrix = drift_matrix(frame, ["acme-api-key", "quiet-key"])
    assert matrix.loc["acme-api-key"].tolist() == [1, 1]  # c1 lacks in eu, c2 lacks in us
    assert matrix.loc[CUSTOMERS_ROW].tolist() == [1, 0]
    assert matrix.loc["quiet-key"].tolist() == [0, 0]
    figure = drift_heatmap(matrix)
    assert figure.data[0].z.tolist() == matrix.to_numpy().tolist()


def test_the_heatmap_rows_name_their_total_which_agrees_with_the_overview() -> None:
    us_conn, eu_conn = connection("us"), connection("eu")
    us_people = [customer("us", e) for e in ("c1", "c2")]
    eu_people = [customer("eu", e) for e in ("c1", "c2")]
    snaps = {  # c1's values differ (no majority of two: both tenants take part), c2 lacks in eu
        "us": snapshot([us_conn], us_people, [
            values("us", us_conn, us_people[0], apiKey="canary-a", region="x"),
            values("us", us_conn, us_people[1], apiKey="canary-c", region="x")]),
        "eu": snapshot([eu_conn], eu_people, [
            values("eu", eu_conn, eu_people[0], apiKey="canary-b", region="x")]),
    }
    frame = differences(snaps, KEY)
    overview = connections_overview(snaps, frame).set_index("stable_key")
    totals = drift_totals(frame)
    assert totals["acme-api-key"] == overview.loc["acme-api-key", "differences"] == 2
    matrix = drift_matrix(frame, ["acme-api-key"])
    assert matrix.loc["acme-api-key"].sum() > totals["acme-api-key"], "a row may add up to more"
    figure = drift_heatmap(matrix, totals)
    assert list(figure.data[0].y) == ["acme-api-key<br>(2 in all)"]


def test_the_overview_gives_where_each_key_exists_and_coverage_in_each_tenant() -> None:
    us_conn, eu_conn = connection("us"), connection("eu")
    us_people = [customer("us", e) for e in ("c1", "c2")]
    eu_people = [customer("eu", e) for e in ("c1", "c2")]
    snaps = {
        "us": snapshot([us_conn, connection("us", "crm-sync", name="CRM")], us_people,
                       [values("us", us_conn, us_people[0], apiKey="canary", region="x")]),
        "eu": snapshot([eu_conn], eu_people),
    }
    overview = connections_overview(snaps, differences(snaps, KEY)).set_index("stable_key")
    assert overview.loc["acme-api-key", "coverage us"] == 50.0
    assert overview.loc["acme-api-key", "coverage eu"] == 0.0
    assert overview.loc["crm-sync", "exists_in"] == "us"
    assert pd.isna(overview.loc["crm-sync", "coverage eu"])
    assert overview.loc["acme-api-key", "differences"] == 1


def test_the_drift_matrix_of_identical_tenants_is_all_zeros() -> None:
    frame = differences({"us": snapshot([connection("us")]), "eu": snapshot([connection("eu")])},
                        KEY)
    matrix = drift_matrix(frame, ["acme-api-key"])
    assert matrix.to_dict() == {"us": {"acme-api-key": 0}, "eu": {"acme-api-key": 0}}
