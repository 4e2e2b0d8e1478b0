"""Notebook tests: every notebook in ``notebooks/`` executed by a real ipykernel kernel.

- ``kernel_manager``: a kernel of the test run's own Python (the venv's), from a kernelspec
  installed into a temporary folder (never into the user's Jupyter folders);
- ``executed(name)``: ``notebooks/NAME.ipynb`` run top to bottom once per session (cached),
  with nbclient, in its own temporary working directory, with no tenant configured — so it
  runs on the embedded sandbox exactly as after ``make notebook`` (40 customers, its data in
  ``.orgconn/notebook-sandbox`` of that directory). A cell that fails fails every test using
  it, with nbclient's report of the cell and its traceback.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
KERNEL_NAME = "orgconn-tests"
CELL_TIMEOUT = 180  # seconds; a cell that hangs fails instead of blocking the suite


@dataclass(frozen=True)
class Executed:
    """A notebook after its run: the notebook with outputs, its folder, how long it took."""

    notebook: nbformat.NotebookNode
    workdir: Path
    seconds: float

    def outputs_text(self) -> str:
        """Every output of every cell as JSON text (streams, results, errors, rich data;
        not the cells' source)."""
        return "\n".join(json.dumps(cell.outputs, ensure_ascii=False)
                         for cell in self.notebook.cells if cell.cell_type == "code")


@pytest.fixture(scope="session")
def kernel_spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec running this interpreter's ipykernel, in a temporary folder."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name=KERNEL_NAME, prefix=str(prefix), display_name="orgconn tests")
    return prefix / "share" / "jupyter" / "kernels"


def _kernel_env(workdir: Path, config_text: str) -> dict[str, str]:
    """The kernel's environment: no ORGCONN_*/PRISM* settings, a temporary HOME, a
    configuration file holding ``config_text`` (empty: no tenant; the project's own must not
    be found), this checkout's lib first."""
    config = workdir / "orgconn.toml"
    config.write_text(config_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORGCONN_", "PRISM"))}
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), ORGCONN_CONFIG=str(config), PYTHONPATH=str(ROOT / "lib"),
               PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
    return env


@pytest.fixture(scope="session")
def executed(kernel_spec_dir: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> Callable[[str], Executed]:
    """Run ``notebooks/NAME.ipynb`` once per session; later calls return the same run.

    ``config`` is the TOML the kernel's configuration holds (default empty: the sandbox).
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from traitlets import default

    class TestKernels(AsyncKernelManager):
        """Kernels from the temporary kernelspec (nbclient starts and shuts them down)."""

        @default("kernel_spec_manager")
        def _temporary_specs(self) -> KernelSpecManager:
            return KernelSpecManager(kernel_dirs=[str(kernel_spec_dir)])

    runs: dict[tuple[str, str], Executed] = {}

    def run(name: str, config: str = "") -> Executed:
        if (name, config) not in runs:
            workdir = tmp_path_factory.mktemp(name)
            notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
            client = NotebookClient(notebook, kernel_name=KERNEL_NAME,
                                    kernel_manager_class=TestKernels, timeout=CELL_TIMEOUT,
                                    resources={"metadata": {"path": str(workdir)}})
            started = time.monotonic()
            client.execute(env=_kernel_env(workdir, config))
            runs[name, config] = Executed(notebook, workdir, time.monotonic() - started)
            print(f"\n{name}.ipynb ran in {runs[name, config].seconds:.1f} s", file=sys.stderr)
        return runs[name, config]

    return run
