"""Prismatic's own CLI (npm ``@prismatic-io/prism``, pinned), installed once into a cache folder.

``prism``: a session fixture that installs `PRISM_VERSION` into
``~/.cache/orgconn/prism-<version>`` (``ORGCONN_PRISM_CACHE`` overrides the parent folder) the
first time, reuses it afterwards, and skips, saying why, where node or npm is absent, node is
older than prism needs, or the install fails (no registry). `Prism.run` runs it unmodified
against a stack URL with only the environment variables prism reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

PRISM_VERSION = "10.4.0"
PACKAGE = f"@prismatic-io/prism@{PRISM_VERSION}"
NODE_MAJOR = 20  # prism's "engines": {"node": ">=20"}
INSTALL_TIMEOUT_S = 300
RUN_TIMEOUT_S = 60
# resolved at import, before the hermetic fixture points HOME at a temporary folder
CACHE = Path(os.environ.get("ORGCONN_PRISM_CACHE") or Path.home() / ".cache" / "orgconn")


@dataclass(frozen=True)
class Prism:
    """An installed prism: ``node`` runs ``entry`` (prism's ``bin``)."""

    node: str
    entry: Path
    home: Path

    def run(self, stack_url: str, *args: str, access_token: str | None = None,
            refresh_token: str | None = None) -> subprocess.CompletedProcess[str]:
        """``prism <args>`` against ``stack_url`` (``PRISMATIC_URL``), authenticated only by
        ``PRISM_ACCESS_TOKEN``/``PRISM_REFRESH_TOKEN``, with a HOME holding no profile."""
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home), "NO_COLOR": "1",
               "PRISMATIC_URL": stack_url}
        if access_token is not None:
            env["PRISM_ACCESS_TOKEN"] = access_token
        if refresh_token is not None:
            env["PRISM_REFRESH_TOKEN"] = refresh_token
        return subprocess.run([self.node, str(self.entry), *args], env=env, text=True,
                              capture_output=True, timeout=RUN_TIMEOUT_S,
                              stdin=subprocess.DEVNULL, check=False)


def _node_major(node: str) -> int | None:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def _skip(reason: str) -> NoReturn:
    print(f"\nprism conformance tests skipped: {reason}", file=sys.stderr)
    pytest.skip(reason)


def install_prism(folder: Path, npm: str) -> float | None:
    """Install the pinned prism into ``folder`` unless it is there; the seconds it took (None
    when reused). Installed next to ``folder`` and renamed, so a failed install leaves nothing."""
    entry = folder / "node_modules" / "@prismatic-io" / "prism" / "lib" / "run.js"
    if entry.is_file():
        return None
    staging = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund",
             "--loglevel=error", "--save-exact", PACKAGE],
            capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"npm install {PACKAGE} took over {INSTALL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"npm install {PACKAGE} failed: {last}")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return time.monotonic() - started


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Prism:
    """Prismatic's CLI, installed once (see the module docstring); skips where it cannot be."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _skip("node and npm are needed to install Prismatic's CLI (@prismatic-io/prism)")
    major = _node_major(node)
    if major is None or major < NODE_MAJOR:
        _skip(f"prism {PRISM_VERSION} needs node >= {NODE_MAJOR} (found {major})")
    folder = CACHE / f"prism-{PRISM_VERSION}"
    try:
        seconds = install_prism(folder, npm)
    except (OSError, RuntimeError) as error:
        _skip(f"could not install {PACKAGE} into {folder}: {error}")
    else:
        if seconds is not None:
            print(f"\ninstalled {PACKAGE} into {folder} in {seconds:.1f} s", file=sys.stderr)
    entry = folder / "node_modules" / "@prismatic-io" / "prism" / "lib" / "run.js"
    return Prism(node, entry, tmp_path_factory.mktemp("prism-home"))
