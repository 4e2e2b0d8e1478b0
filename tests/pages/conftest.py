"""Fixtures of the page tests: AppTest from app.py, pointed at a sandbox through a config file.

- ``clear_streamlit_caches`` (autouse): every test starts with empty ``st.cache_data`` and
  ``st.cache_resource`` (the configuration, clients, the embedded sandbox and every fetch are
  cached per server process; a test is a fresh process).
- ``configure(tenants, **top_level)``: writes a TOML config (``[tenants.NAME]`` tables) and
  points ``ORGCONN_CONFIG`` at it, with ``ORGCONN_DATABASE_URL`` a temporary SQLite store.
- ``sandbox_config``: tenants ``us`` and ``eu`` of the shared read-only ``sandbox``;
  ``fresh_sandbox_config``: the same on this test's ``fresh_sandbox`` (for pages that write);
  ``app_store``: the store that app writes its audit rows to (open it after ``configure``).
- ``app``: ``AppTest.from_file(app.py)``; ``open_page(app, "pages/x.py", key=value, ...)``
  opens a page with query parameters (a list value repeats the parameter, as a link does).
- ``downloads``: ``downloads.data(button)`` is the bytes an ``st.download_button`` serves
  (data given as a callable is generated, as a click would).
- ``menu(at)``: section -> page titles of the sidebar menu (its ``st.page_link``s) on ``at``'s
  latest run.

AppTest runs the app as a server does, in Streamlit's pages-directory mode: app.py for the
first run, then ``switch_page("pages/x.py")`` runs that page file alone, shell call first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import DownloadButton

from orgconn.sandbox import RunningSandbox
from orgconn.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
TIMEOUT = 60  # seconds per script run: the 2-core machine is shared, a cold fetch can be slow

Configure = Callable[..., Path]


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """Empty Streamlit's caches before and after each test (as a fresh server would be)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def config_toml(tenants: Mapping[str, Mapping[str, object]], **top_level: object) -> str:
    """TOML text with ``top_level`` keys and one ``[tenants.NAME]`` table per tenant."""
    lines = [f"{key} = {_toml_value(value)}" for key, value in top_level.items()]
    for name, table in tenants.items():
        lines += ["", f"[tenants.{name}]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def sandbox_tenants(box: RunningSandbox, names: tuple[str, ...] = ("us", "eu")
                    ) -> dict[str, dict[str, object]]:
    """``[tenants.NAME]`` tables reaching ``names`` of a running sandbox with its tokens."""
    return {name: {"url": box.stack_url(name), "token": box.token(name)} for name in names}


@pytest.fixture
def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Configure:
    """Write a config file and point the app at it (``ORGCONN_CONFIG``) with a temp store.

    Call ``configure({"us": {"url": ..., "token": ...}}, fingerprint_key="...")``; returns the
    file's path. ``configure(raw="...")`` writes that text as is (for invalid configs).
    """

    def write(tenants: Mapping[str, Mapping[str, object]] | None = None, *,
              raw: str | None = None, **top_level: object) -> Path:
        path = tmp_path / "orgconn.toml"
        path.write_text(raw if raw is not None else config_toml(tenants or {}, **top_level),
                        encoding="utf-8")
        monkeypatch.setenv("ORGCONN_CONFIG", str(path))
        monkeypatch.setenv("ORGCONN_DATABASE_URL", f"sqlite:///{tmp_path / 'orgconn.db'}")
        return path

    return write


@pytest.fixture
def sandbox_config(configure: Configure, sandbox: RunningSandbox) -> Path:
    """The app configured with tenants us and eu of the shared (read-only) sandbox."""
    return configure(sandbox_tenants(sandbox))


@pytest.fixture
def fresh_sandbox_config(configure: Configure, fresh_sandbox: RunningSandbox) -> Path:
    """The app configured with tenants us and eu of this test's own sandbox (writes allowed)."""
    return configure(sandbox_tenants(fresh_sandbox))


@pytest.fixture
def app_store(fresh_sandbox_config: Path) -> Iterator[Store]:
    """The store (audit log...) of the app configured on this test's sandbox."""
    with open_store(os.environ["ORGCONN_DATABASE_URL"]) as opened:
        yield opened


@pytest.fixture
def app() -> AppTest:
    """The dashboard (app.py) as an AppTest, not yet run."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def open_page(at: AppTest, path: str, /, **params: str | list[str]) -> AppTest:
    """Run a fresh ``at`` on the page file ``path`` (e.g. "pages/coverage.py") with ``params``.

    As a pasted link would: the query parameters are in place before the first run. The app
    runs once on app.py first: AppTest finds a page among those the first run registered (the
    files of ``pages/``). To move an AppTest that has already run, call
    ``at.switch_page(path).run()``.
    """
    at.query_params.update(params)
    at.run()
    return at.switch_page(path).run()


class Downloads:
    """The media managers of AppTest runs, to get what an ``st.download_button`` serves."""

    def __init__(self) -> None:
        self.managers: list[Any] = []

    def data(self, button: DownloadButton) -> bytes:
        """The bytes ``button`` serves, as a click would fetch them (a deferred file — data
        given as a callable — is generated now)."""
        proto = button.proto
        if not proto.url and not proto.deferred_file_id:
            raise AssertionError(f"download button {button.label!r} has no file (disabled?)")
        for manager in reversed(self.managers):  # the latest run first
            try:
                url = proto.url or manager.execute_deferred(proto.deferred_file_id)
                return bytes(manager.storage.get_file(url.rsplit("/", 1)[-1]).content)
            except MediaFileStorageError:
                continue
        raise AssertionError(f"no stored file behind download button {button.label!r}")


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Downloads:
    """Keep each AppTest run's media manager, so tests can read download buttons' bytes."""
    recorder = Downloads()

    class RecordingManager(MediaFileManager):
        def __init__(self, storage: MemoryMediaFileStorage) -> None:
            super().__init__(storage)
            self.storage = storage
            recorder.managers.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", RecordingManager)
    return recorder


def elements(at: AppTest, kind: str) -> list[Any]:
    """Every element of ``kind`` ("error", "info", ...) in the main area and the sidebar."""
    return list(getattr(at.main, kind)) + list(getattr(at.sidebar, kind))


def menu(at: AppTest) -> dict[str, list[str]]:
    """The sidebar menu of ``at``'s latest run: section heading -> titles of its page links."""
    sections: dict[str, list[str]] = {}
    heading = ""

    def walk(node: Any) -> None:
        nonlocal heading
        if node.type == "caption":
            heading = str(node.value)
        elif node.type == "page_link":
            sections.setdefault(heading, []).append(str(node.value))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.sidebar)
    return sections
