"""One table of exit statuses: the README shows it, every command's --help lists its codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgconn.cli import COMMANDS, build_parser
from orgconn.commands import exits
from orgconn.commands.exits import Exit

README = Path(__file__).parents[2] / "README.md"
COMMANDS_DIR = Path(exits.__file__).parent
USED = {  # what each command can end with
    "set": set(Exit),
    "bulk": {Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE, Exit.REFUSED, Exit.BUSY},
    "coverage": {Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE, Exit.UNKNOWN},
    "compare": {Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE},
    "snapshot": {Exit.OK, Exit.FOUND, Exit.INVALID, Exit.UNREADABLE},
    "sandbox": {Exit.OK, Exit.INVALID},
}


def test_the_readme_shows_the_table_as_the_code_defines_it() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- exit-table[^>]*-->\n(.*?)\n<!-- /exit-table -->", text, re.S)
    assert found is not None, "the README's exit table is missing"
    assert found.group(1) == exits.table()


def test_every_status_has_its_own_number_and_a_sentence() -> None:
    assert [int(c) for c in Exit] == list(range(len(Exit)))
    assert all(len(c.meaning) > 30 for c in Exit)
    assert "nothing was sent" in Exit.INVALID.meaning and "nothing was sent" in Exit.BUSY.meaning


@pytest.mark.parametrize("command", sorted(USED))
def test_each_commands_help_lists_the_statuses_it_uses_with_their_meaning(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for code in USED[command]:
        assert f"{int(code)} {' '.join(code.meaning.split())}" in shown, (command, code)
    for code in set(Exit) - USED[command]:
        assert f"{int(code)} {' '.join(code.meaning.split())}" not in shown, (command, code)


def test_no_command_returns_a_bare_number_instead_of_the_table() -> None:
    assert len(COMMANDS) == len(USED)
    for module in COMMANDS_DIR.glob("*.py"):
        if module.name in ("exits.py", "__init__.py"):
            continue
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"return \d\b|= range\(\d\)|status = \d\b", text), module.name


def test_a_command_line_without_a_command_is_invalid(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    from orgconn.cli import main

    assert main([]) == Exit.INVALID
    assert "COMMAND" in capsys.readouterr().out
