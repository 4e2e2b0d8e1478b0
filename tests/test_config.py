"""Configuration: where it is read from, environment overrides, prism profiles, clear errors."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from orgconn.config import (
    BulkLimits,
    ConfigError,
    OrgconnConfig,
    TenantConfig,
    build_config,
    config_file,
    environment_overrides,
    import_prism_profiles,
    load_config,
)

GOOD = """
database_url = "sqlite:///orgconn.db"

[tenants.us]
label = "Acme US (prod)"
url = "https://app.prismatic.io/"
refresh_token = "refresh-us-0001"
protected = true

[tenants.eu]
url = "https://app.eu-west-1.prismatic.io"
token = "token-eu-0001"

[auth]
client_secret = "streamlit's own section"
"""


def write(tmp_path: Path, text: str, name: str = "orgconn.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_tenants_are_read_from_the_given_file(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    us, eu = config.tenant("us"), config.tenant("eu")
    assert us.label == "Acme US (prod)" and us.protected and us.refresh_token is not None
    assert us.url == "https://app.prismatic.io" and us.api_url == "https://app.prismatic.io/api"
    assert us.refresh_url == "https://app.prismatic.io/auth/refresh"
    assert eu.label == "eu" and not eu.protected and eu.token is not None
    assert config.database_url == "sqlite:///orgconn.db"


def test_orgconn_config_names_the_file_when_no_path_is_given(tmp_path):
    path = write(tmp_path, GOOD)
    assert set(load_config(env={"ORGCONN_CONFIG": str(path)}).tenants) == {"us", "eu"}


def test_streamlit_secrets_are_the_default_file(tmp_path, monkeypatch):
    write(tmp_path, GOOD, ".streamlit/secrets.toml")
    monkeypatch.chdir(tmp_path)
    assert set(load_config(env={}).tenants) == {"us", "eu"}


def test_a_kernel_started_in_a_subfolder_finds_the_projects_secrets_above_it(tmp_path,
                                                                              monkeypatch):
    secrets = write(tmp_path, GOOD, ".streamlit/secrets.toml")
    notebooks = tmp_path / "notebooks" / "drafts"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)
    config = load_config(env={})
    assert set(config.tenants) == {"us", "eu"} and config.source == str(secrets)
    assert config_file(env={}) == secrets


def test_the_nearest_secrets_file_wins_over_one_further_up(tmp_path, monkeypatch):
    write(tmp_path, GOOD, ".streamlit/secrets.toml")
    nearer = write(tmp_path / "team", '[tenants.dev]\nurl = "http://127.0.0.1:1/us"\n'
                   'token = "t"\n', ".streamlit/secrets.toml")
    (tmp_path / "team" / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "team" / "notebooks")
    assert config_file(env={}) == nearer and set(load_config(env={}).tenants) == {"dev"}


def test_orgconn_config_wins_over_secrets_found_upward(tmp_path, monkeypatch):
    write(tmp_path, GOOD, ".streamlit/secrets.toml")
    named = write(tmp_path, '[tenants.dev]\nurl = "http://127.0.0.1:1/us"\ntoken = "t"\n',
                  "named.toml")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert set(load_config(env={"ORGCONN_CONFIG": str(named)}).tenants) == {"dev"}


def test_no_file_at_all_is_a_valid_configuration_without_tenants(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.tenants == {} and config.database_url is None


def test_a_named_file_that_does_not_exist_is_an_error_saying_which(tmp_path):
    with pytest.raises(ConfigError, match=r"--config: .*nope\.toml does not exist"):
        load_config(tmp_path / "nope.toml", env={})
    with pytest.raises(ConfigError, match=r"ORGCONN_CONFIG: .*nope\.toml does not exist"):
        load_config(env={"ORGCONN_CONFIG": str(tmp_path / "nope.toml")})


def test_environment_variables_override_single_keys(tmp_path):
    env = {"ORGCONN_TENANTS__US__TOKEN": "token-from-env", "ORGCONN_DATABASE_URL": "postgresql://db",
           "ORGCONN_TENANTS__US__PROTECTED": "false"}
    config = load_config(write(tmp_path, GOOD), env=env)
    us = config.tenant("us")
    assert us.token is not None and us.token.get_secret_value() == "token-from-env"
    assert us.refresh_token is not None and us.label == "Acme US (prod)" and not us.protected
    assert config.database_url == "postgresql://db"


def test_a_tenant_can_come_from_the_environment_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={"ORGCONN_TENANTS__DEV__URL": "http://127.0.0.1:8788/us",
                              "ORGCONN_TENANTS__DEV__TOKEN": "sandbox-us"})
    assert config.tenant("dev").api_url == "http://127.0.0.1:8788/us/api"


def test_a_plain_http_url_off_loopback_is_refused_with_the_fix(tmp_path):
    text = '[tenants.us]\nurl = "http://app.prismatic.io"\ntoken = "t"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert caught.value.problems == [
        'tenants.us.url: must start with https:// (or http:// for loopback) — '
        'e.g. url = "https://app.prismatic.io"']


def test_every_problem_is_reported_at_once_without_quoting_values(tmp_path):
    text = ('[tenants.us]\nurl = "https://app.prismatic.io/api"\ntoken = "secret-token-99"\n'
            'protected = "maybe"\ntokne = "x"\n[tenants.eu]\nurl = "https://a.test"\n'
            '[tenants.EU2]\nurl = "https://b.test"\ntoken = "t"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    text = str(caught.value)
    assert "tenants.us.url: is the stack, without /api" in text
    assert "tenants.us.protected:" in text and "protected = true" in text
    assert "tenants.us.tokne: unknown key" in text
    assert "tenants.eu: needs token or refresh_token" in text
    assert "ORGCONN_TENANTS__EU__REFRESH_TOKEN" in text
    assert "tenants.EU2: a tenant name is lowercase" in text
    assert "secret-token-99" not in text and "maybe" not in text


def test_a_file_that_is_not_toml_says_so(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[tenants.us\n"), env={})


def test_asking_for_an_unknown_tenant_lists_the_known_ones(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    with pytest.raises(ConfigError, match=r"tenants\.ca: no such tenant \(configured: eu, us\)"):
        config.tenant("ca")


def test_configuration_is_frozen_and_its_repr_hides_tokens(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    with pytest.raises(pydantic.ValidationError):
        config.tenant("us").url = "https://elsewhere.test"  # type: ignore[misc]
    assert "refresh-us-0001" not in repr(config) and "token-eu-0001" not in str(config)
    assert isinstance(config, OrgconnConfig)


def test_prism_profiles_and_environment_become_tenants(tmp_path):
    path = write(tmp_path, """
profiles:
  Default:
    accessToken: prism-access-1
    refreshToken: prism-refresh-1
    tenantId: tenant-1
    prismaticUrl: https://app.eu-west-2.prismatic.io
  broken: null
""", "config.yml")
    tenants = import_prism_profiles(path, env={"PRISMATIC_URL": "https://private.example.test",
                                               "PRISM_REFRESH_TOKEN": "env-refresh"})
    assert set(tenants) == {"default", "prism-env"}
    default = tenants["default"]
    assert default.url == "https://app.eu-west-2.prismatic.io" and default.tenant_id == "tenant-1"
    assert default.token is not None and default.token.get_secret_value() == "prism-access-1"
    assert tenants["prism-env"].refresh_token is not None
    assert tenants["prism-env"].host == "private.example.test"


def test_no_prism_profile_file_gives_no_tenants(tmp_path):
    assert import_prism_profiles(tmp_path / "absent.yml", env={}) == {}


def test_the_access_table_maps_people_to_roles_and_defaults_to_admin_locally() -> None:
    config = build_config({"access": {"roles": {"@acme.example": "Viewer", "ops": "operator"},
                                      "default_role": "editor"}})
    assert config.access.roles == {"@acme.example": "viewer", "ops": "operator"}
    assert config.access.default_role == "editor"
    assert build_config({}).access.local_role == "admin"


def test_an_unknown_role_in_the_access_table_names_the_key_and_the_choices() -> None:
    with pytest.raises(ConfigError) as caught:
        build_config({"access": {"roles": {"pat@acme.example": "boss"}, "local_role": "god"}})
    text = str(caught.value)
    assert "access.local_role" in text and "access.roles" in text
    assert "viewer, editor, operator, admin" in text


def test_the_local_role_can_be_overridden_from_the_environment() -> None:
    config = load_config(env={"ORGCONN_ACCESS__LOCAL_ROLE": "viewer"})
    assert config.access.local_role == "viewer"


@pytest.mark.parametrize("url", ["https://:canary-url-secret@app.prismatic.io",
                                 "https://ops:canary-url-secret@app.prismatic.io",
                                 "https://canary-url-secret@app.prismatic.io",
                                 "http://:canary-url-secret@127.0.0.1:8788/us"])
def test_credentials_in_a_tenant_url_are_refused_without_echoing_them(tmp_path, url):
    text = f'[tenants.us]\nurl = "{url}"\ntoken = "t"\n'
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env={})
    assert caught.value.problems == [
        "tenants.us.url: must not contain a user name or password (the stack would be sent "
        "them as Basic auth instead of the token): put the credential in token or "
        'refresh_token — e.g. url = "https://app.prismatic.io"']
    with pytest.raises(pydantic.ValidationError) as direct:
        TenantConfig(name="us", url=url, token="t")
    assert "canary-url-secret" not in str(direct.value) + repr(direct.value)


@pytest.mark.parametrize("command", [["coverage"], ["snapshot"], ["bulk", "check", "f.csv",
                                                                   "--tenant", "us"]])
def test_no_command_prints_a_secret_given_in_a_tenant_url(tmp_path, capsys, monkeypatch,
                                                           command):
    from orgconn.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.csv").write_text("external_id\nalpha\n")
    config = write(tmp_path, '[tenants.us]\nurl = "https://:canary-url-secret@h.test"\n'
                             'token = "t"\n')

    status = main([*command, "--config", str(config)])

    printed = capsys.readouterr()
    assert status == 2 and "must not contain a user name or password" in printed.err
    assert "canary-url-secret" not in printed.out + printed.err


def test_bulk_limits_come_from_the_bulk_table_and_the_old_variables(tmp_path):
    text = "[bulk]\nmax_columns = 40\nmax_value_chars = 2000\n"
    env = {"ORGCONN_BULK_MAX_ROWS": "50", "ORGCONN_BULK_MAX_BYTES": "9000"}

    config = load_config(write(tmp_path, text), env=env)

    assert config.bulk == BulkLimits(max_bytes=9000, max_rows=50, max_columns=40,
                                     max_value_chars=2000)
    assert load_config(write(tmp_path, ""), env={}).bulk == BulkLimits(
        max_bytes=5_000_000, max_rows=20_000, max_columns=500, max_value_chars=1_000_000)


@pytest.mark.parametrize(("old", "key"), [
    ("ORGCONN_SANDBOX_DIR", ("sandbox", "data_dir")),
    ("ORGCONN_SANDBOX_CUSTOMERS", ("sandbox", "customers")),
    ("ORGCONN_BULK_MAX_BYTES", ("bulk", "max_bytes")),
    ("ORGCONN_BULK_MAX_ROWS", ("bulk", "max_rows")),
])
def test_an_old_variable_name_sets_its_key_and_the_current_name_wins_in_either_order(
        old: str, key: tuple[str, str], tmp_path: Path) -> None:
    current = f"ORGCONN_{key[0].upper()}__{key[1].upper()}"

    alone = environment_overrides({old: "7"})
    both = [environment_overrides(dict(pairs)) for pairs in (
        [(old, "7"), (current, "8")], [(current, "8"), (old, "7")])]

    assert alone == {key[0]: {key[1]: "7"}}
    assert both == [{key[0]: {key[1]: "8"}}] * 2
    loaded = load_config(write(tmp_path, ""), env={old: "7"})
    assert str(getattr(getattr(loaded, key[0]), key[1])) == "7"


def test_a_bad_bulk_limit_names_the_key_and_the_variable_that_sets_it(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "[bulk]\nmax_rows = 0\nmax_cells = 1\n"),
                    env={"ORGCONN_BULK_MAX_BYTES": "5MB"})
    text = str(caught.value)
    assert "bulk.max_bytes: Input should be a valid integer" in text
    assert "ORGCONN_BULK_MAX_BYTES" in text
    assert "bulk.max_rows: Input should be greater than or equal to 1" in text
    assert "bulk.max_cells: unknown key — [bulk]'s keys are max_bytes, max_rows" in text
