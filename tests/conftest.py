"""Fixtures shared by every test layer.

- ``shared_dir`` / ``reference_schema``: ``../shared`` beside the checkout; tests that need it
  skip with a printed reason where it is absent (it is never copied into the project).
- ``--run-online``: opt in to tests against a real Prismatic tenant (``PRISMATIC_URL`` and
  ``PRISM_REFRESH_TOKEN`` or ``PRISM_ACCESS_TOKEN``).
- Hermetic environment: every ``ORGCONN_*`` and ``PRISM*`` variable is removed for each test,
  and ``HOME`` points at a temporary folder so no real prism profile or store is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-online",
        action="store_true",
        default=False,
        help="run tests against a real Prismatic tenant (PRISMATIC_URL, PRISM_REFRESH_TOKEN)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-online"):
        return
    skip = pytest.mark.skip(reason="online test: pass --run-online with PRISMATIC_URL set")
    for item in items:
        if "online" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``; skips (saying why) where the checkout has no shared folder beside it."""
    if not (SHARED / "reference" / "prismatic-schema.graphql").is_file():
        pytest.skip(f"../shared is absent ({SHARED}): reference checks need Prismatic's schema")
    return SHARED


@pytest.fixture(scope="session")
def reference_schema(shared_dir: Path) -> Path:
    """Path of Prismatic's reference schema in ``../shared``."""
    return shared_dir / "reference" / "prismatic-schema.graphql"


@pytest.fixture(autouse=True)
def hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory,
                 request: pytest.FixtureRequest) -> Iterator[None]:
    """No ORGCONN_*/PRISM* variables and a temporary HOME, unless the test is online."""
    if "online" in request.keywords:
        yield
        return
    for name in list(os.environ):
        if name.startswith(("ORGCONN_", "PRISM")):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    yield


# --- the sandbox (lib/orgconn/sandbox): a Prismatic-compatible server on loopback -------------
# ``sandbox``: one per session, tenants us + eu, 40 customers, seed 1; READ-ONLY for tests.
# ``fresh_sandbox``: one per test, same data, for tests that write.
# ``make_sandbox(**settings)``: any knobs of SandboxSettings (port 0 and a temporary data
# folder unless given); ``process=True`` runs it in a subprocess. Stops what it started.

from collections.abc import Callable  # noqa: E402

from orgconn.sandbox import (  # noqa: E402
    RunningSandbox,
    SandboxSettings,
    start_sandbox,
    start_sandbox_process,
)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The shared demo sandbox (us + eu, 40 customers, seed 1): never write to it."""
    settings = SandboxSettings(port=0, data_dir=tmp_path_factory.mktemp("sandbox"))
    with start_sandbox(settings) as running:
        yield running


@pytest.fixture
def fresh_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """A sandbox of this test only (same seed as ``sandbox``), free to write to."""
    with start_sandbox(SandboxSettings(port=0, data_dir=tmp_path / "fresh-sandbox")) as running:
        yield running


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[Callable[..., RunningSandbox]]:
    """Start sandboxes with custom settings; each is stopped after the test."""
    started: list[RunningSandbox] = []

    def make(process: bool = False, **knobs: object) -> RunningSandbox:
        knobs.setdefault("port", 0)
        knobs.setdefault("data_dir", tmp_path / f"sandbox-{len(started)}")
        settings = SandboxSettings(**knobs)  # type: ignore[arg-type]
        running = (start_sandbox_process if process else start_sandbox)(settings)
        started.append(running)
        return running

    yield make
    for running in reversed(started):
        running.stop()
