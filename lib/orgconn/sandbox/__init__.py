"""A local, Prismatic-compatible GraphQL server with demo tenants (see `orgconn.sandbox.seed`).

    from orgconn.sandbox import SandboxSettings, start_sandbox

    with start_sandbox(SandboxSettings(port=0)) as sandbox:
        url, token = sandbox.api_url("us"), sandbox.token("us")

The sandbox talks to the rest of orgconn only over HTTP, like the real Prismatic; it imports
nothing from ``orgconn.client``, ``orgconn.models`` or ``orgconn.config``.
"""

from __future__ import annotations

from orgconn.sandbox.server import RunningSandbox, start_sandbox, start_sandbox_process
from orgconn.sandbox.settings import FAULT_KINDS, FaultKind, SandboxSettings

__all__ = [
    "FAULT_KINDS",
    "FaultKind",
    "RunningSandbox",
    "SandboxSettings",
    "start_sandbox",
    "start_sandbox_process",
]
