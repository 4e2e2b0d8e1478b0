"""What the sync and async clients share: the tenant, the policies, the counters, the methods."""

from __future__ import annotations

from orgconn.client.methods import ClientMethods
from orgconn.client.policy import Limits, RequestStats, RetryPolicy, Timeouts
from orgconn.client.reads import Definitions
from orgconn.config import TenantConfig


class BaseClient:
    """The state of a client of one tenant; subclasses add the transport and run plans."""

    def __init__(self, tenant: TenantConfig, *, timeouts: Timeouts | None,
                 limits: Limits | None, retry: RetryPolicy | None, owns_http: bool) -> None:
        self.tenant = tenant
        self.timeouts = timeouts or Timeouts()
        self.limits = limits or Limits()
        self.retry = retry or RetryPolicy()
        self.stats = RequestStats()
        self.methods = ClientMethods(Definitions(), self.limits, self.retry)
        self._owns_http = owns_http

    def _policy(self) -> dict[str, object]:
        """The keyword arguments a transport takes from this client."""
        return {"timeouts": self.timeouts, "limits": self.limits, "retry": self.retry,
                "stats": self.stats}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(tenant={self.tenant.name!r}, url={self.tenant.url!r})"
