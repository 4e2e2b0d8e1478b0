"""The import rules of the code's shape (one way: pages -> ui -> services -> client), read with
`ast` from the files themselves, and the one home of the policies that had second copies.

- nothing under ``lib/orgconn`` but ``ui`` imports streamlit;
- pages import neither ``orgconn.client`` nor ``orgconn.store``, and call no method of the
  store or a client themselves (they pass them to services);
- the sandbox imports nothing from the client, nor the client from the sandbox;
- services import nothing from ``ui`` and build no client (the runtime does);
- the acting user and the chosen tenants come from ``shell()``, asked once per run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "lib" / "orgconn"
PAGES = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (``from a import b`` gives ``a`` and ``a.b``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _offenders(paths: list[Path], *prefixes: str) -> list[str]:
    """``file: module`` for each import of a module at or below one of ``prefixes``."""
    return sorted({f"{path.relative_to(ROOT)}: {name}" for path in paths
                   for name in _imports(path)
                   if any(name == p or name.startswith(f"{p}.") for p in prefixes)})


def _calls(path: Path) -> Iterator[ast.Call]:
    yield from (node for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Call))


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_nothing_under_lib_orgconn_but_ui_imports_streamlit() -> None:
    below_ui = [p for p in _modules(LIB) if (LIB / "ui") not in p.parents]
    assert _offenders(below_ui, "streamlit") == []


def test_pages_import_neither_the_client_nor_the_store() -> None:
    assert _offenders(PAGES, "orgconn.client", "orgconn.store") == []


def test_the_sandbox_and_the_client_import_nothing_from_each_other() -> None:
    assert _offenders(_modules(LIB / "sandbox"), "orgconn.client") == []
    assert _offenders(_modules(LIB / "client"), "orgconn.sandbox") == []


def test_services_import_nothing_from_ui() -> None:
    assert _offenders(_modules(LIB / "services"), "orgconn.ui") == []


def test_services_build_no_client_the_runtime_does() -> None:
    built = [f"{path.relative_to(LIB)}: {_called_name(call)}"
             for path in _modules(LIB / "services") for call in _calls(path)
             if _called_name(call) in ("PrismaticClient", "AsyncPrismaticClient")]
    assert built == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_passes_the_store_and_clients_to_services_and_calls_none_of_their_methods(
        page: Path) -> None:
    tree = ast.parse(page.read_text(encoding="utf-8"))

    def reached(node: ast.AST) -> bool:  # context.store() or context.client(...)
        return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "context"
                and node.func.attr in ("store", "client"))

    held = {target.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
            and reached(node.value) for target in node.targets if isinstance(target, ast.Name)}
    used = [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and (
                reached(node.value) or (isinstance(node.value, ast.Name)
                                        and node.value.id in held))]
    assert used == []


def test_only_the_shell_asks_who_acts_and_pages_take_the_tenants_it_returns() -> None:
    asked = sorted(str(path.relative_to(ROOT)) for path in PAGES + _modules(LIB / "ui")
                   for call in _calls(path) if _called_name(call) == "current_actor")
    assert asked == ["lib/orgconn/ui/shell.py"]
    read_again = sorted(
        f"{path.relative_to(ROOT)}: {node.attr}" for path in PAGES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr.startswith("K_TENANTS")
        and isinstance(node.value, ast.Name) and node.value.id == "state")
    assert read_again == []
