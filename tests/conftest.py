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
