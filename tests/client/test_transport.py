"""Transport error paths the sandbox cannot produce on demand, over httpx.MockTransport."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
import stamina

from orgconn.client import (
    AuthError,
    GraphQLError,
    HTTPStatusError,
    OutcomeUnknownError,
    PrismaticClient,
    RateLimitedError,
    RequestTimeoutError,
    RetryPolicy,
    TransportError,
)
from orgconn.client.documents import Call, operation
from orgconn.client.transport import retry_after_seconds
from tests.client.conftest import FAST, REFRESH, TOKEN, make_tenant
from tests.client.fake_prismatic import FakePrismatic


def jwt(exp: float) -> str:
    """An unsigned JWT with the given ``exp`` (the client only reads it)."""
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return f"{part({'alg': 'none'})}.{part({'exp': int(exp), 'sub': 'u'})}.sig"


def client_on(fake: FakePrismatic, retry: RetryPolicy = FAST, **tenant: object
              ) -> PrismaticClient:
    http = httpx.Client(transport=httpx.MockTransport(fake.handler))
    return PrismaticClient(make_tenant(**tenant), http=http, retry=retry)


def test_every_request_carries_the_bearer_token_and_a_timeout(fake, client):
    client.whoami()
    request = fake.requests[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.url == "https://fake.prismatic.test/api"
    assert all(request.extensions["timeout"][phase] for phase in ("connect", "read", "pool"))


def test_a_401_names_the_tenant_and_says_how_to_get_a_new_token(fake, client):
    fake.script("WhoAmI", httpx.Response(401, json={"errors": [{"message": "bad token"}]}))
    with pytest.raises(AuthError) as caught:
        client.whoami()
    text = str(caught.value)
    assert "'us'" in text and "HTTP 401" in text and "refresh_token" in text
    assert "prism me:token" in text and TOKEN not in text
    assert caught.value.status == 401 and caught.value.tenant == "us"


def test_a_403_says_the_user_lacks_permission(fake, client):
    fake.script("WhoAmI", httpx.Response(403, json={"errors": [{"message": "forbidden"}]}))
    with pytest.raises(AuthError, match=r"'us'.*HTTP 403.*permission"):
        client.whoami()
    assert len(fake.requests) == 1  # an auth refusal is not retried


def test_a_429_is_retried_after_the_time_retry_after_asks_for(fake):
    waits: list[float] = []
    stamina.instrumentation.set_on_retry_hooks([lambda details: waits.append(details.wait_for)])
    try:
        fake.script("WhoAmI", httpx.Response(429, headers={"Retry-After": "1"}))
        client = client_on(fake)
        started = time.monotonic()
        assert client.whoami().org_name == "Acme SaaS"
    finally:
        stamina.instrumentation.set_on_retry_hooks(None)
    assert waits == [1.0]
    assert time.monotonic() - started >= 1.0
    assert client.stats.requests == 2 and client.stats.retries == 1


def test_retry_after_as_an_http_date_is_understood():
    later = time.time() + 30
    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(later))
    assert 25 <= (retry_after_seconds(header) or 0) <= 31
    assert retry_after_seconds("soon") is None


def test_rate_limiting_that_never_ends_raises_rate_limited_error(fake):
    fake.script("WhoAmI", *[httpx.Response(429, headers={"Retry-After": "0"})] * 4)
    with pytest.raises(RateLimitedError) as caught:
        client_on(fake).whoami()
    assert caught.value.retry_after == 0 and len(fake.requests) == FAST.attempts


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_read_is_retried_on_server_errors(fake, status):
    fake.script("WhoAmI", httpx.Response(status), httpx.Response(status))
    client = client_on(fake)
    assert client.whoami().email == "ops@acme.test"
    assert client.stats.requests == 3


def test_a_read_that_keeps_failing_raises_the_last_status(fake):
    fake.script("WhoAmI", *[httpx.Response(502)] * 4)
    with pytest.raises(HTTPStatusError, match="HTTP 502") as caught:
        client_on(fake).whoami()
    assert caught.value.status == 502


def test_a_400_is_not_retried(fake):
    fake.script("WhoAmI", httpx.Response(404))
    with pytest.raises(HTTPStatusError):
        client_on(fake).whoami()
    assert len(fake.requests) == 1


def test_a_read_timeout_is_retried_then_reported_as_a_timeout(fake):
    def timeout(_fake: FakePrismatic, request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    fake.script("WhoAmI", timeout)
    assert client_on(fake).whoami().tenant_id == "t-1"
    fake.script("WhoAmI", *[timeout] * 4)
    with pytest.raises(RequestTimeoutError, match="did not answer WhoAmI in time") as caught:
        client_on(fake).whoami()
    assert isinstance(caught.value, TimeoutError)


def test_a_refused_connection_is_a_transport_error_naming_the_host(fake):
    def refused(_fake: FakePrismatic, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake.script("WhoAmI", *[refused] * 4)
    with pytest.raises(TransportError, match=r"fake\.prismatic\.test"):
        client_on(fake).whoami()


@pytest.mark.parametrize("failure", ["503", "500", "reset", "read-timeout"])
def test_a_write_whose_answer_is_lost_is_not_re_sent_by_the_transport(fake, failure):
    def lost(_fake: FakePrismatic, request: httpx.Request) -> httpx.Response:
        if failure == "reset":
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        if failure == "read-timeout":
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(int(failure))

    fake.script("DeleteCustomerValues", lost)
    client = client_on(fake)
    call = Call(operation("DeleteCustomerValues"), {"input": {"id": "Q0NWOjE="}})
    with pytest.raises(OutcomeUnknownError, match="may or may not have been applied"):
        client.transport.execute(call)
    assert len(fake.requests) == 1


def test_a_write_answered_503_is_re_sent_only_after_reading_back(fake):
    fake.add_connection()
    customer = fake.add_customer("Globex", "globex")
    fake.script("CreateCustomerValues", httpx.Response(503))
    client = client_on(fake)
    connection = client.connection("acme-api-key")
    assert connection is not None
    created = client.create_customer_values(connection, customer["id"], {"apiKey": "k"})
    operations = [json.loads(r.content)["operationName"] for r in fake.requests]
    assert operations == ["ConnectionByStableKey", "CreateCustomerValues", "CustomerValues",
                          "CreateCustomerValues"]
    assert len(fake.values) == 1 and created.id == fake.values[0]["id"]


def test_a_write_whose_connection_was_refused_is_re_sent(fake):
    fake.add_connection()
    customer = fake.add_customer("Globex", "globex")

    def refused(_fake: FakePrismatic, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    fake.script("CreateCustomerValues", refused)
    client = client_on(fake)
    connection = client.connection("acme-api-key")
    assert connection is not None
    created = client.create_customer_values(connection, customer["id"], {"apiKey": "k"})
    assert created.values["apiKey"].secret_value() == "k"
    assert len(fake.sent("CreateCustomerValues")) == 2 and len(fake.values) == 1


def test_graphql_errors_keep_the_partial_data(fake, client):
    fake.script("WhoAmI", httpx.Response(200, json={
        "data": {"authenticatedUser": {"email": "x@y.z", "tenantId": "t", "org": None}},
        "errors": [{"message": "org is not visible", "path": ["authenticatedUser", "org"]}]}))
    with pytest.raises(GraphQLError, match="org is not visible") as caught:
        client.whoami()
    assert caught.value.data == {"authenticatedUser": {"email": "x@y.z", "tenantId": "t",
                                                       "org": None}}
    assert caught.value.messages == ["org is not visible"]


def test_a_malformed_request_answered_400_is_a_graphql_error(fake, client):
    fake.script("WhoAmI", httpx.Response(400, json={"errors": [{"message": "Cannot query x"}]}))
    with pytest.raises(GraphQLError, match="Cannot query x"):
        client.whoami()
    assert len(fake.requests) == 1


def test_an_answer_that_is_not_json_says_to_check_the_url(fake, client):
    fake.script("WhoAmI", httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(TransportError, match="url"):
        client.whoami()


def test_a_redirect_is_not_followed_so_the_token_stays_home(fake, client):
    fake.script("WhoAmI", httpx.Response(302, headers={"Location": "https://evil.test/api"}))
    with pytest.raises(HTTPStatusError, match=r"evil\.test.*does not follow redirects"):
        client.whoami()
    assert [r.url.host for r in fake.requests] == ["fake.prismatic.test"]


def test_a_refresh_token_alone_is_exchanged_before_the_first_request(fake):
    client = client_on(fake, token=None, refresh_token=REFRESH, tenant_id="tenant-7")
    client.whoami()
    refresh, query = fake.requests
    assert refresh.url == "https://fake.prismatic.test/auth/refresh"
    assert json.loads(refresh.content) == {"refresh_token": REFRESH, "tenant_id": "tenant-7"}
    assert refresh.extensions["timeout"]["read"] == client.timeouts.read
    assert query.headers["authorization"] == "Bearer fresh-token"
    assert client.stats.refreshes == 1 and client.stats.requests == 2


def test_a_token_expiring_within_five_minutes_is_refreshed_first(fake):
    client = client_on(fake, token=jwt(time.time() + 120), refresh_token=REFRESH)
    client.whoami()
    client.whoami()
    paths = [r.url.path for r in fake.requests]
    assert paths == ["/auth/refresh", "/api", "/api"]


def test_a_token_valid_for_hours_is_not_refreshed(fake):
    token = jwt(time.time() + 7200)
    client = client_on(fake, token=token, refresh_token=REFRESH)
    client.whoami()
    assert [r.url.path for r in fake.requests] == ["/api"]
    assert fake.requests[0].headers["authorization"] == f"Bearer {token}"


def test_a_401_with_a_refresh_token_refreshes_once_and_re_sends(fake):
    fake.script("WhoAmI", httpx.Response(401))
    client = client_on(fake, refresh_token=REFRESH)
    assert client.whoami().org_name == "Acme SaaS"
    assert [r.url.path for r in fake.requests] == ["/api", "/auth/refresh", "/api"]
    assert fake.requests[-1].headers["authorization"] == "Bearer fresh-token"


def test_a_refused_refresh_token_is_an_auth_error_naming_the_tenant(fake):
    def refuse(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/refresh":
            return httpx.Response(401, json={"error": "invalid"})
        return fake.handler(request)

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    client = PrismaticClient(make_tenant(token=None, refresh_token=REFRESH), http=http,
                             retry=FAST)
    with pytest.raises(AuthError, match=r"'us'.*refused the refresh token") as caught:
        client.whoami()
    assert REFRESH not in str(caught.value)


def test_the_request_counter_counts_retries(fake):
    fake.script("WhoAmI", httpx.Response(503))
    client = client_on(fake)
    client.whoami()
    client.whoami()
    assert client.stats.requests == 3 == len(fake.requests)
    assert client.stats.retries == 1


def test_an_owned_http_client_gets_the_configured_timeouts_and_no_redirects():
    from orgconn.client import Timeouts

    client = PrismaticClient(make_tenant(), timeouts=Timeouts(connect=1.5, read=7))
    try:
        http = client.transport.http
        assert http.timeout.connect == 1.5 and http.timeout.read == 7
        assert http.follow_redirects is False
    finally:
        client.close()
    assert client.transport.http.is_closed
