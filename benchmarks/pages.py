"""How long each dashboard page takes in a real browser, first and warm.

    .venv/bin/python benchmarks/pages.py [--customers 40] [--warm 3] [--pages coverage,compare]

Starts ``streamlit run app.py`` on a free loopback port with no tenant configured, so it runs
on its embedded sandbox (``[sandbox] customers``; the data folder is kept under
benchmarks/results/, seeded once per size), then opens each page in headless Chromium
(Playwright, /usr/bin/chromium) at 1440×900. A page's time runs from the navigation until
Streamlit's script has finished: the app root's ``data-test-script-state`` attribute reads
``notRunning`` after the run (not the first paint).

- ``first``: the first visit of the page (the server's caches empty for what only it reads:
  the first page also pays for starting the sandbox and reading both tenants);
- ``warm``: the median of ``--warm`` further visits (new sessions, the server's caches warm:
  this includes loading Streamlit's frontend in a new tab);
- ``nav``: the median of ``--warm`` arrivals from another page through the sidebar menu, in
  the same session (what switching pages feels like).

Figures are wall-clock on whatever else the machine is doing: run it on a quiet machine, or
compare before/after on the same one.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
PAGES = ("coverage", "compare", "rollout", "customer_values", "test_credentials", "audit",
         "connections", "bulk_upload")
STATE = "[data-test-script-state]"
FINISHED = f"""() => {{
  const root = document.querySelector('{STATE}');
  return root !== null && root.getAttribute('data-test-script-state') === 'notRunning'
    && window.__orgconnRan === true;
}}"""
# Marks the page once a script run has started, so that "notRunning" before it is not taken
# for the end of the run. Mutation records carry the old value: a run that starts and ends
# between two observer callbacks is still seen (its record's oldValue is "running").
WATCH_RUNS = """
new MutationObserver((records) => {
  for (const record of records) {
    const now = record.target.getAttribute('data-test-script-state');
    if (now === 'running' || record.oldValue === 'running') {
      window.__orgconnRan = true;
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dashboard(customers: int) -> Iterator[str]:
    """A running dashboard on its embedded sandbox of ``customers`` per tenant; its URL."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="orgconn-pages-") as work:
        config = Path(work) / "orgconn.toml"
        data_dir = RESULTS / f"pages-sandbox-{customers}"
        config.write_text(f'[sandbox]\ndata_dir = "{data_dir}"\ncustomers = {customers}\n',
                          encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("ORGCONN_")}
        env.update(ORGCONN_CONFIG=str(config), HOME=work,
                   ORGCONN_DATABASE_URL=f"sqlite:///{Path(work) / 'orgconn.db'}")
        port = _free_port()
        log = (Path(work) / "streamlit.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {log.name}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def visit(page: object, url: str, timeout_s: float) -> float:
    """Open ``url``; seconds until its script run has finished."""
    start = time.perf_counter()
    page.goto(url, wait_until="commit")  # type: ignore[attr-defined]
    page.wait_for_function(FINISHED, timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def navigate(page: object, name: str, timeout_s: float) -> float:
    """Click the sidebar menu's link to ``name``; seconds until its script run has finished."""
    page.evaluate("window.__orgconnRan = false")  # type: ignore[attr-defined]
    start = time.perf_counter()
    link = f'a[data-testid="stPageLink-NavLink"][href="{name}"]'
    for attempt in range(3):  # a click during the previous page's last rerun can be lost
        page.locator(link).first.click()  # type: ignore[attr-defined]
        try:
            page.wait_for_url(f"**/{name}*", timeout=10_000)  # type: ignore[attr-defined]
            break
        except Exception:
            if attempt == 2:
                raise
    page.wait_for_function(FINISHED, timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    return time.perf_counter() - start


def main() -> None:
    """Parse the arguments, measure, print one line per page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=40, help="customers per tenant")
    parser.add_argument("--warm", type=int, default=3, help="warm visits per page")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated URL paths")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a page may take")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    print(f"{args.customers:,} customers per tenant (us, eu); seconds until the script has "
          f"finished; warm and nav: median of {args.warm}")
    print(f"{'page':<18}{'first':>8}{'warm':>8}{'nav':>8}")
    with dashboard(args.customers) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_init_script(WATCH_RUNS)
        tab = context.new_page()
        for name in pages:
            first = visit(tab, f"{url}/{name}", args.timeout)
            warm = statistics.median(visit(tab, f"{url}/{name}", args.timeout)
                                     for _ in range(args.warm))
            other = "audit" if name != "audit" else "customer_values"
            arrivals = []
            for _ in range(args.warm):
                navigate(tab, other, args.timeout)
                arrivals.append(navigate(tab, name, args.timeout))
            nav = statistics.median(arrivals)
            print(f"{name:<18}{first:>8.2f}{warm:>8.2f}{nav:>8.2f}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
