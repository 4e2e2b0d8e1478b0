"""Sign-in with st.login (OIDC) and roles from the [access] table."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from orgconn.sandbox import RunningSandbox
from orgconn.services.access import Role
from orgconn.ui import sign_in
from orgconn.ui.navigation import PAGES, PageSpec
from tests.pages.conftest import Configure, config_toml, menu, open_page, sandbox_tenants

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "orgconn", "client_secret": "not-a-real-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ACCESS = """
[access]
roles = { "ops@acme.example" = "operator", "@acme.example" = "viewer", "admins" = "admin" }
default_role = "editor"
"""


@pytest.fixture
def signed_app(configure: Configure, sandbox: RunningSandbox) -> AppTest:
    configure(raw=config_toml(sandbox_tenants(sandbox)) + ACCESS)
    at = AppTest.from_file(Path(__file__).resolve().parents[2] / "app.py", default_timeout=60)
    at.secrets["auth"] = AUTH
    return at


def titles_for(role: Role) -> set[str]:
    return {spec.title for spec in PAGES if role >= spec.role}


def test_with_sign_in_configured_nobody_gets_past_the_sign_in_button(
    signed_app: AppTest
) -> None:
    signed_app.user = {"is_logged_in": False}
    signed_app.run()
    assert not signed_app.exception
    assert [b.label for b in signed_app.button] == ["Sign in"]
    assert menu(signed_app) == {}, "no page is offered before sign-in"
    assert not signed_app.dataframe and not signed_app.metric


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.url_path)
def test_every_page_file_shows_a_signed_out_user_only_the_sign_in_prompt(
    signed_app: AppTest, spec: PageSpec
) -> None:
    signed_app.user = {"is_logged_in": False}
    at = open_page(signed_app, spec.path)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.value for t in at.title] == ["orgconn"]
    assert menu(at) == {} and not at.sidebar.caption and not at.sidebar.multiselect
    assert not at.dataframe and not at.metric and not at.get("download_button")
    assert [h.proto.body for h in at.get("html")] == [sign_in.REMEMBER_SCRIPT], \
        "the prompt remembers the page for after sign-in"


def test_only_a_sessions_first_signed_in_run_carries_the_return_to_page_script(
    signed_app: AppTest
) -> None:
    signed_app.user = {"is_logged_in": True, "email": "pat@acme.example", "groups": []}
    first = [h.proto.body for h in signed_app.run().get("html")]
    assert sign_in.RETURN_SCRIPT in first
    again = [h.proto.body for h in signed_app.run().get("html")]
    assert sign_in.RETURN_SCRIPT not in again


def test_without_sign_in_no_page_carries_a_sign_in_script(
    app: AppTest, sandbox_config: Path
) -> None:
    bodies = [h.proto.body for h in app.run().get("html")]
    assert sign_in.RETURN_SCRIPT not in bodies and sign_in.REMEMBER_SCRIPT not in bodies


@pytest.mark.parametrize(
    ("email", "groups", "role"),
    [
        ("ops@acme.example", [], Role.OPERATOR),
        ("pat@acme.example", [], Role.VIEWER),
        ("pat@acme.example", ["admins"], Role.ADMIN),
        ("someone@elsewhere.example", [], Role.EDITOR),
    ],
)
def test_a_signed_in_user_gets_the_role_the_access_table_gives_and_only_its_pages(
    signed_app: AppTest, email: str, groups: list[str], role: Role
) -> None:
    signed_app.user = {"is_logged_in": True, "email": email, "groups": groups}
    signed_app.run()
    assert not signed_app.exception
    shown = {title for titles in menu(signed_app).values() for title in titles}
    assert shown == titles_for(role)
    captions = " ".join(str(c.value) for c in signed_app.sidebar.caption)
    assert f"Signed in as **{email}** · {role.name.lower()}" in captions
    assert "Single-user mode" not in captions


def test_without_sign_in_every_page_says_it_is_single_user_mode(
    configure: Configure, sandbox: RunningSandbox
) -> None:
    configure(sandbox_tenants(sandbox))
    for spec in PAGES:
        at = AppTest.from_file(Path(__file__).resolve().parents[2] / "app.py",
                               default_timeout=60)
        at.run()
        at.switch_page(spec.path).run()
        captions = " ".join(str(c.value) for c in at.sidebar.caption)
        assert "Single-user mode" in captions, spec.path
