"""SQLite under the data folder: a restart keeps every change, --reset reseeds; the CLI serves."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from orgconn.cli import main
from orgconn.commands.exits import Exit
from orgconn.sandbox import RunningSandbox, SandboxSettings
from orgconn.sandbox.tenants import open_tenants
from tests.sandbox.sandbox_api import Api, find_scv

RENAME = """mutation($i: UpdateScopedConfigVariableInput!) {
  updateScopedConfigVariable(input: $i) { errors { field } } }"""


def key_of(api: Api, stable_key: str) -> str:
    return find_scv(api, stable_key)["key"]  # type: ignore[no-any-return]


def test_a_restart_keeps_changes_and_reset_reseeds(make_sandbox: Callable[..., RunningSandbox],
                                                   api_for: Callable[..., Api],
                                                   tmp_path: Path) -> None:
    data_dir = tmp_path / "kept"
    first = make_sandbox(data_dir=data_dir)
    api = api_for(first)
    scv = find_scv(api, "sftp-drop")
    assert api.data(RENAME, {"i": {"id": scv["id"], "key": "SFTP inbox"}})[
        "updateScopedConfigVariable"]["errors"] == []
    first.stop()
    second = make_sandbox(data_dir=data_dir)
    assert key_of(api_for(second), "sftp-drop") == "SFTP inbox"
    second.stop()
    assert key_of(api_for(make_sandbox(data_dir=data_dir, reset=True)), "sftp-drop") == (
        "SFTP drop")


def test_a_second_sandbox_on_the_data_folder_of_a_running_one_refuses_to_start(
        make_sandbox: Callable[..., RunningSandbox], tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    running = make_sandbox(data_dir=data_dir, tenants=("us",))
    command = [sys.executable, "-m", "orgconn.cli", "sandbox", "--port", "0", "--tenants", "us",
               "--data-dir", str(data_dir)]

    refused = subprocess.run(command, capture_output=True, text=True, timeout=60)

    assert refused.returncode == Exit.INVALID
    assert f"the data folder {data_dir} is in use by another running sandbox (process " \
        f"{os.getpid()})" in refused.stderr and "--data-dir" in refused.stderr
    running.stop()
    again = make_sandbox(data_dir=data_dir, tenants=("us",))  # free once the first stopped
    assert again.data_dir == data_dir


def test_the_orgconn_sandbox_command_prints_urls_and_tokens_and_serves(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "orgconn.cli", "sandbox", "--port", "0", "--customers",
               "12", "--data-dir", str(tmp_path / "cli"), "--token", "eu=eu-secret"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        base = re.search(r"at (http://\S+)", lines[0])
        assert base, lines
        assert "sandbox-us" in lines[1] and f"{base.group(1)}/us/api" in lines[1]
        stack = re.search(r"stack URL (http://\S+)", lines[2])
        assert stack and "eu-secret" in lines[2] and "sandbox-eu" not in lines[2]
        for _ in range(200):
            try:
                if httpx.get(f"{base.group(1)}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
        answer = httpx.post(f"{base.group(1)}/eu/api",
                            json={"query": "{ customers { totalCount } }"},
                            headers={"Authorization": "Bearer eu-secret"})
        assert answer.json()["data"]["customers"]["totalCount"] == 15  # + 2 without external ID
        at_stack = httpx.post(f"{stack.group(1)}/api",
                              json={"query": "{ customers { totalCount } }"},
                              headers={"Authorization": "Bearer eu-secret"})
        assert at_stack.json()["data"]["customers"]["totalCount"] == 15
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
    assert (tmp_path / "cli" / "us.sqlite3").is_file()


def test_orgconn_help_lists_the_sandbox_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "sandbox" in capsys.readouterr().out


def test_bad_sandbox_arguments_say_which_flag_to_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--fault-rate", "2", "--tenants", "US"]) == 2
    err = capsys.readouterr().err
    assert "--fault-rate" in err and "--tenants" in err
    assert main(["sandbox", "--token", "us"]) == 2
    assert "TENANT=TOKEN" in capsys.readouterr().err


def test_a_data_file_of_another_tables_version_is_seeded_anew_with_a_note(
        make_sandbox: Callable[..., RunningSandbox], api_for: Callable[..., Api],
        tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    first = make_sandbox(data_dir=data_dir, tenants=("us",))
    api = api_for(first)
    scv = find_scv(api, "sftp-drop")
    assert api.data(RENAME, {"i": {"id": scv["id"], "key": "SFTP inbox"}})[
        "updateScopedConfigVariable"]["errors"] == []
    first.stop()
    path = data_dir / "us.sqlite3"
    with sqlite3.connect(path) as conn:  # as an older sandbox left it
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    settings = SandboxSettings(port=0, tenants=("us",))
    databases, notes = open_tenants(settings, data_dir)
    for db in databases.values():
        db.close()
    assert len(notes) == 1 and "tables version 1" in notes[0] and "seeded anew" in notes[0]
    assert key_of(api_for(make_sandbox(data_dir=data_dir, tenants=("us",))), "sftp-drop") == (
        "SFTP drop")
