"""Browser tests: the real dashboard (``streamlit run app.py``) in headless Debian Chromium.

- ``dashboard``: a Streamlit server on a free loopback port, started once per module, with its
  own temporary HOME, store and embedded-sandbox data folder (no tenant configured, so the
  dashboard runs on its sandbox exactly as ``make run`` does).
- ``page``: a fresh Playwright page in Chromium from ``/usr/bin/chromium`` (never a browser
  download of Playwright's own); skipped, saying why, where Chromium is not installed.
- ``screenshot(page, name)``: with ``ORGCONN_UPDATE_SCREENSHOTS=1`` (``make screenshots``)
  the README's pictures in docs/screenshots/ are written anew from the test run, once the
  page has settled (``settled=False``: at once, e.g. a read under way).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "docs" / "screenshots"
# read at import: the autouse hermetic_env fixture removes ORGCONN_* before each test runs
UPDATE_SCREENSHOTS = os.environ.get("ORGCONN_UPDATE_SCREENSHOTS") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_dashboard(
    workdir: Path, extra_env: dict[str, str] | None = None, secrets: str | None = None
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``streamlit run app.py`` on a free loopback port; return its URL and process.

    ``secrets`` is written to the server's ``~/.streamlit/secrets.toml`` (e.g. an ``[auth]``
    table, which makes every visitor a signed-out user).
    """
    port = _free_port()
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    if secrets is not None:
        (home / ".streamlit").mkdir(exist_ok=True)
        (home / ".streamlit" / "secrets.toml").write_text(secrets, encoding="utf-8")
    config = workdir / "orgconn.toml"  # no tenants: the dashboard runs on its embedded sandbox
    config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGCONN_", "PRISM"))}
    env.update(
        HOME=str(home),
        ORGCONN_DATABASE_URL=f"sqlite:///{workdir / 'orgconn.db'}",
        ORGCONN_SANDBOX_DIR=str(workdir / "sandbox"),
        ORGCONN_CONFIG=str(config),
    )
    env.update(extra_env or {})
    log = (workdir / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()  # the server holds its own copy of the file descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: see {workdir / 'streamlit.log'}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")


@contextmanager
def running_dashboard(workdir: Path, secrets: str | None = None,
                      extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`start_dashboard` (skipped without Chromium), stopped on leaving; yields its URL."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    url, proc = start_dashboard(workdir, extra_env=extra_env, secrets=secrets)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a running dashboard on its embedded sandbox."""
    with running_dashboard(tmp_path_factory.mktemp("dashboard")) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright driving /usr/bin/chromium), one per module.

    Not session-scoped: Playwright's sync API keeps an asyncio loop running in the main thread
    while it is open, and every later test calling ``asyncio.run`` would fail.
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    """A new page, 1400×1000, that fails the test on uncaught page errors."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture
def screenshot() -> Callable[..., None]:
    """Save a full-page screenshot for the README when ORGCONN_UPDATE_SCREENSHOTS=1."""

    def take(pg: object, name: str, settled: bool = True) -> None:
        if UPDATE_SCREENSHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            if not settled:  # the page as it is now (e.g. a read under way)
                pg.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]
                return
            # the page as a person sees it once Streamlit's script has finished (no skeletons)
            pg.wait_for_selector(  # type: ignore[attr-defined]
                "[data-test-script-state='notRunning']", state="attached", timeout=60_000)
            pg.wait_for_function(  # type: ignore[attr-defined]
                "!document.querySelector(\"[data-testid='stSkeleton']\")", timeout=60_000)
            pg.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]

    return take
