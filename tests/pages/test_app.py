"""The dashboard shell (app.py): menu by audience, tenant picker, sandbox notice, errors."""

from __future__ import annotations

import ast
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from streamlit.testing.v1 import AppTest

from orgconn.client import PrismaticClient
from orgconn.config import TenantConfig
from orgconn.sandbox import RunningSandbox
from orgconn.services.access import Role
from orgconn.ui.navigation import PAGES, PageSpec
from orgconn.ui.widgets import tenants_to_show
from tests.pages.conftest import ROOT, Configure, menu, open_page, sandbox_tenants


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    """Failed reads are not retried (an unreachable tenant fails at once, not after backoff)."""
    stamina.set_testing(True, attempts=1)
    yield
    stamina.set_testing(False)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def expected_menu(role: Role) -> dict[str, list[str]]:
    """Sections and titles the navigation spec gives ``role``, for the page files that exist."""
    sections: dict[str, list[str]] = {}
    for spec in PAGES:
        if role >= spec.role and (ROOT / spec.path).is_file():
            sections.setdefault(spec.section, []).append(spec.title)
    return sections


def texts(elements: Any) -> list[str]:
    """The text of each element (errors, captions, infos...)."""
    return [str(e.value) for e in elements]


def test_the_menu_groups_pages_by_audience_for_an_admin(
        app: AppTest, sandbox_config: Path) -> None:
    app.run()
    assert not app.exception
    shown = menu(app)
    assert shown == expected_menu(Role.ADMIN)
    assert "Coverage" in shown["Ops"]
    assert all(section in {spec.section for spec in PAGES} for section in shown)


def test_the_menu_links_coverage_to_its_own_url_and_every_page_to_its_file(
        app: AppTest, sandbox_config: Path) -> None:
    app.run()
    links = {str(link.value): link.proto.page for link in app.sidebar.page_link}
    assert links["Coverage"] == "coverage"
    assert links == {spec.title: spec.url_path for spec in PAGES}


def test_a_viewer_sees_only_the_pages_a_viewer_may_open(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORGCONN_ACCESS__LOCAL_ROLE", "viewer")
    app.run()
    assert not app.exception
    shown = menu(app)
    assert shown == expected_menu(Role.VIEWER)
    titles = {title for titles in shown.values() for title in titles}
    assert not titles & {spec.title for spec in PAGES if spec.role > Role.VIEWER}
    assert "Admin" not in shown


@pytest.mark.parametrize("spec", [s for s in PAGES if s.role > Role.VIEWER],
                         ids=lambda s: s.url_path)
def test_a_page_above_the_users_role_says_so_and_shows_nothing_of_itself(
        app: AppTest, sandbox_config: Path, monkeypatch: pytest.MonkeyPatch,
        spec: PageSpec) -> None:
    monkeypatch.setenv("ORGCONN_ACCESS__LOCAL_ROLE", "viewer")
    at = open_page(app, spec.path)
    assert not at.exception
    [warning] = texts(at.warning)
    assert spec.title in warning and f"needs the {spec.role.name.lower()} role" in warning
    assert "yours is viewer" in warning
    assert not at.main.title and not at.main.dataframe and not at.main.button
    assert not at.sidebar.multiselect, "no tenant picker, nothing fetched"
    assert menu(at) == expected_menu(Role.VIEWER), "the menu still leads elsewhere"


def test_coverage_answers_at_the_root_and_at_its_own_url_with_the_same_page(
        app: AppTest, sandbox_config: Path) -> None:
    root = app.run()
    at = AppTest.from_file(ROOT / "app.py", default_timeout=60)
    own = open_page(at, "pages/coverage.py")
    for page in (root, own):
        assert not page.exception
        assert [t.value for t in page.main.title] == ["Coverage"]
        assert page.sidebar.multiselect(key="sidebar.tenants").value == ["us", "eu"]
    assert [m.value for m in root.metric] == [m.value for m in own.metric]
    assert [m.value for m in own.metric if m.label == "Customers"], "the page has its data"


def test_the_sidebar_names_the_org_and_tenant_each_token_reaches(
        app: AppTest, sandbox_config: Path, sandbox: RunningSandbox) -> None:
    app.run()
    assert not app.exception
    captions = texts(app.sidebar.caption)
    for name in ("us", "eu"):
        tenant = TenantConfig(name=name, url=sandbox.stack_url(name), token=sandbox.token(name))
        with PrismaticClient(tenant) as client:
            who = client.whoami()
        line = next(c for c in captions if c.startswith(f"**{name}**"))
        assert who.org_name in line and who.tenant_id in line and who.email in line
    assert app.sidebar.multiselect(key="sidebar.tenants").value == ["us", "eu"]


def test_with_no_tenant_configured_the_app_runs_on_a_sandbox_and_says_so(
        app: AppTest, configure: Configure, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    configure({})
    monkeypatch.setenv("ORGCONN_SANDBOX_DIR", str(tmp_path / "embedded"))
    monkeypatch.setenv("ORGCONN_SANDBOX_CUSTOMERS", "8")
    app.run()
    assert not app.exception and not app.error
    notice = next(i for i in texts(app.info) if "Sandbox data" in i)
    second = AppTest.from_file(ROOT / "app.py", default_timeout=60).run()
    assert next(i for i in texts(second.info) if "Sandbox data" in i) == notice, \
        "a second session reuses the sandbox of the server process (same URL)"
    assert list((tmp_path / "embedded").iterdir()), "the sandbox keeps its data where told"
    assert app.sidebar.multiselect(key="sidebar.tenants").value == ["us", "eu"]
    # 8 seeded customers per tenant and the two without an external ID
    assert [m.value for m in app.metric if m.label == "Customers"] == ["10", "10"]
    said = capsys.readouterr().err  # on the terminal of `make run`, once
    assert said.count("embedded sandbox of DEMO data") == 1
    assert "us http://127.0.0.1:" in said and "/api" in said
    assert f"data in {tmp_path / 'embedded'}" in said and "sandbox-us" not in said


def test_a_configured_tenant_gets_no_sandbox_notice(app: AppTest, sandbox_config: Path) -> None:
    app.run()
    assert not any("Sandbox data" in i for i in texts(app.info))


def test_an_unreachable_tenant_is_an_error_naming_it_and_the_fix_not_a_traceback(
        app: AppTest, configure: Configure, sandbox: RunningSandbox,
        no_retry_waits: None) -> None:
    tenants = sandbox_tenants(sandbox, ("us",))
    tenants["down"] = {"url": f"http://127.0.0.1:{closed_port()}", "token": "whatever"}
    configure(tenants)
    at = open_page(app, "pages/coverage.py")
    assert not at.exception
    sidebar_errors = texts(at.sidebar.error)
    page_errors = texts(at.main.error)
    for message in (*sidebar_errors, *page_errors):
        assert "down" in message and "is its url right and the stack up?" in message
    assert sidebar_errors and page_errors
    assert [m.value for m in at.metric if m.label == "Customers"], "tenant us still shows"


class HangUp:
    """A loopback server that accepts connections and closes them at once, counting them."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def test_a_failing_tenant_is_not_asked_again_on_every_click_until_refresh(
        app: AppTest, configure: Configure, sandbox: RunningSandbox,
        no_retry_waits: None) -> None:
    hang_up = HangUp()
    try:
        configure({**sandbox_tenants(sandbox, ("us",)),
                   "flaky": {"url": hang_up.url, "token": "whatever"}})
        at = open_page(app, "pages/coverage.py")
        assert hang_up.connections > 0 and any("flaky" in e for e in texts(at.error))
        asked = hang_up.connections
        at.toggle(key="coverage.only_gaps").set_value(True).run()
        assert hang_up.connections == asked, "a click does not wait for the broken tenant"
        assert any("flaky" in e for e in texts(at.error)) and not at.exception
        at.button(key="sidebar.refresh").click().run()
        assert hang_up.connections > asked, "Refresh asks again"
    finally:
        hang_up.server.close()


def test_a_tenant_that_refuses_the_token_says_so_and_what_to_do(
        app: AppTest, configure: Configure, sandbox: RunningSandbox) -> None:
    tenants = sandbox_tenants(sandbox)
    tenants["eu"]["token"] = "not-the-eu-token"
    configure(tenants)
    at = open_page(app, "pages/coverage.py")
    assert not at.exception
    errors = texts(at.error)
    assert errors and all("'eu'" in e and "refused the token" in e for e in errors)
    assert all("[tenants.eu]" in e for e in errors), "the message says where to fix it"
    assert "not-the-eu-token" not in "".join(errors)


def test_an_invalid_configuration_shows_every_problem_and_stops(
        app: AppTest, configure: Configure) -> None:
    configure(raw='[tenants.us]\nurl = "ftp://example.com"\n\n[tenants.eu]\n'
                  'url = "https://app.prismatic.io"\ntoken = "t"\ncolour = "blue"\n')
    app.run()
    assert not app.exception
    [error] = texts(app.error)
    assert "Invalid orgconn configuration" in error
    assert "- tenants.us.url" in error and "- tenants.eu.colour" in error
    assert not app.sidebar.multiselect, "nothing else runs on a broken configuration"


def test_a_configuration_that_is_not_toml_is_an_error_too(
        app: AppTest, configure: Configure) -> None:
    configure(raw="[tenants.us\nurl = \n")
    app.run()
    assert not app.exception
    assert any("not valid TOML" in e for e in texts(app.error))


def test_every_page_in_the_menu_exists_and_its_url_is_its_file_stem() -> None:
    # the URL path must be the file's stem: in pages-directory mode Streamlit serves
    # pages/NAME.py at /NAME (any other path is "Page not found")
    for spec in PAGES:
        assert (ROOT / spec.path).is_file(), spec.path
        assert spec.url_path == Path(spec.path).stem, spec.path


def shell_call_first(source: str) -> str | None:
    """The page named by the first statement after the docstring and imports, if that
    statement is ``shell("NAME")`` or ``x = shell("NAME")``; else None."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import | ast.ImportFrom) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            continue
        call = node.value if isinstance(node, ast.Expr | ast.Assign) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id == "shell" and len(call.args) == 1
                and isinstance(call.args[0], ast.Constant)):
            return str(call.args[0].value)
        return None
    return None


def test_every_page_file_and_app_py_start_with_the_shell_call_naming_their_page() -> None:
    assert shell_call_first('"""Doc."""\nimport x\n\nshell("audit")\n') == "audit"
    assert shell_call_first('import x\n\nK = 1\nshell("audit")\n') is None, \
        "a statement before the shell call fails the check"
    assert shell_call_first((ROOT / "app.py").read_text(encoding="utf-8")) == "coverage"
    files = sorted((ROOT / "pages").glob("*.py"))
    assert files
    for path in files:
        assert shell_call_first(path.read_text(encoding="utf-8")) == path.stem, \
            f"{path.name} must start with shell({path.stem!r}) right after its imports"
    assert {p.stem for p in files} == {spec.url_path for spec in PAGES}


def test_app_py_does_not_call_st_navigation() -> None:
    names = {node.attr for node in ast.walk(ast.parse((ROOT / "app.py").read_text()))
             if isinstance(node, ast.Attribute)}
    assert "navigation" not in names


def test_refresh_also_clears_fetches_cached_by_other_ui_modules() -> None:
    from orgconn.ui import context, values_form  # values_form registers its cached fetch

    cleared: list[str] = []

    class Fetch:
        def clear(self) -> None:
            cleared.append("fetch")

    fake = context.refreshable(Fetch())
    try:
        context.refresh()
    finally:
        context._REFRESHABLE.remove(fake)
    assert cleared == ["fetch"]
    assert any(getattr(c, "__module__", "") == values_form.__name__
               for c in context._REFRESHABLE)


def test_a_link_adds_its_tenants_to_those_chosen_before_and_alone_shows_exactly_them() -> None:
    names = ["us", "eu", "apac"]
    assert tenants_to_show(names, ["us"], ["apac"]) == ["us", "apac"], "menu order, added"
    assert tenants_to_show(names, ["eu"], []) == ["eu"], "a pasted link in a fresh session"
    assert tenants_to_show(names, [], ["apac"]) == ["apac"], "no link keeps the choice"
    assert tenants_to_show(names, [], []) == names, "a fresh session with no link: all"
    assert tenants_to_show(names, ["gone"], ["also-gone"]) == names, "unknown names ignored"


def test_a_pasted_link_in_a_fresh_session_shows_only_its_tenant(
        app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, "pages/rollout.py", tenant="eu")
    assert not at.exception
    assert at.sidebar.multiselect(key="sidebar.tenants").value == ["eu"]


def test_following_a_link_adds_its_tenant_to_those_the_session_chose(
        app: AppTest, sandbox_config: Path) -> None:
    app.run()
    app.sidebar.multiselect(key="sidebar.tenants").set_value(["eu"]).run()
    app.switch_page("pages/audit.py").run()
    assert app.sidebar.multiselect(key="sidebar.tenants").value == ["eu"], "kept across pages"
    app.query_params["tenant"] = ["us"]
    app.switch_page("pages/customer_values.py").run()
    assert not app.exception
    assert app.sidebar.multiselect(key="sidebar.tenants").value == ["us", "eu"]
    assert app.selectbox(key="values.tenant").value == "us", "the page opens on the link's tenant"


def test_a_tenant_taken_out_of_the_picker_stays_out(app: AppTest, sandbox_config: Path) -> None:
    at = open_page(app, "pages/rollout.py", tenant=["us", "eu"])
    at.sidebar.multiselect(key="sidebar.tenants").set_value(["us"]).run()
    at.run()
    assert at.sidebar.multiselect(key="sidebar.tenants").value == ["us"]
    assert at.query_params["tenant"] in ("us", ["us"])


def test_derived_results_are_built_once_per_key_kept_newest_first_and_forgotten_on_refresh(
        ) -> None:
    from orgconn.ui import context

    builds: list[str] = []

    def build(name: str) -> Callable[[], str]:
        return lambda: builds.append(name) or name.upper()

    context.refresh()
    assert context.derived(("k", 1), build("a")) == "A"
    assert context.derived(("k", 1), build("again")) == "A", "kept: not built again"
    assert context.derived(("k", 2), build("b")) == "B", "another read number: built"
    keep = context._derived_values().keep
    for n in range(keep):  # ("k", 2) is older than these; ("k", 1) is used again first
        context.derived(("k", 1), build("never"))
        context.derived(("fill", n), build("f"))
    assert context.derived(("k", 1), build("never")) == "A"
    assert context.derived(("k", 2), build("b2")) == "B2", "the oldest key was let go"
    context.refresh()
    assert context.derived(("k", 1), build("a2")) == "A2", "Refresh forgets them all"
    assert [b for b in builds if b != "f"] == ["a", "b", "b2", "a2"]
