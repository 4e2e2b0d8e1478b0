"""Every GraphQL operation orgconn sends validates against Prismatic's schema and the sandbox's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import graphql

from orgconn.client.documents import operations
from tests.client.schema_fields import used_fields

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_SCHEMA = ROOT / "lib" / "orgconn" / "sandbox" / "schema.graphql"


def validate(shared_dir: Path, schema: Path) -> str:
    tool = shared_dir / "tools" / "validate_operations.py"
    paths = [p for p in ("lib", "pages", "app.py") if (ROOT / p).exists()]
    done = subprocess.run([sys.executable, str(tool), str(schema), *paths], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return done.stdout


def test_every_operation_validates_against_the_reference_schema(shared_dir, reference_schema):
    out = validate(shared_dir, reference_schema)
    summary = out.strip().splitlines()[-1]
    assert summary.endswith(" 0 invalid"), "\n".join(
        line for line in out.splitlines() if "INVALID" in line)
    assert int(summary.split()[0]) >= len(operations())


def test_every_operation_validates_against_the_sandbox_schema(shared_dir):
    out = validate(shared_dir, SANDBOX_SCHEMA)
    invalid = [line for line in out.splitlines() if "INVALID" in line]
    assert out.strip().endswith(" 0 invalid"), "\n".join(invalid)


def test_each_operation_is_sent_with_exactly_the_fragments_it_uses():
    schema = graphql.build_schema(SANDBOX_SCHEMA.read_text())
    for name, operation in operations().items():
        document = graphql.parse(operation.document)
        assert graphql.validate(schema, document) == [], name
        assert operation.is_mutation == name.startswith(("Create", "Update", "Delete"))


def test_filters_naming_enum_values_are_sent_lowercase():
    text = "".join(operations()["OrgConnections"].document.split())
    assert 'variableScope:"customer"' in text and 'managedBy:"org"' in text
    values = "".join(operations()["CustomerValues"].document.split())
    assert 'scopedConfigVariable_ManagedBy:"org"' in values
    assert 'scopedConfigVariable_VariableScope:"customer"' in values and "isTest:false" in values


def test_the_sandbox_gives_every_field_orgconn_uses_the_reference_type(reference_schema):
    reference = graphql.build_schema(reference_schema.read_text())
    sandbox = graphql.build_schema(SANDBOX_SCHEMA.read_text())
    for name, operation in operations().items():
        document = graphql.parse(operation.document)
        in_reference = used_fields(reference, document)
        assert len(in_reference) > 2, name
        assert used_fields(sandbox, document) == in_reference, name
