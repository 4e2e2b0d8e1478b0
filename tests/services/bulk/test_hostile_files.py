"""Files built to hurt are refused while they are read: in seconds, in bounded memory.

Each hostile workbook (`tests.services.bulk.hostile_files`) is built once and cached under the
temporary directory. Figures are printed (``pytest -s`` shows them): the time of each refusal,
and the peak memory of a fresh process reading every one of them.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from orgconn.config import BulkLimits
from orgconn.services.bulk.issues import FileIssueKind
from orgconn.services.bulk.parse import read_upload
from orgconn.services.bulk.plan import plan_upload
from orgconn.store import BulkOptions
from tests.services.bulk import hostile_files
from tests.services.bulk.tenant import snapshot

REFUSALS = {
    "entity-expansion": (FileIssueKind.UNREADABLE, "declares a document type"),
    "truncated-sheet": (FileIssueKind.UNREADABLE, "its XML stops or breaks"),
    "bad-shared-string": (FileIssueKind.UNREADABLE, "names a shared string the workbook does"),
    "zip-bomb": (FileIssueKind.TOO_LARGE, "unpacks to 1000.0 MB"),
    "16384-columns": (FileIssueKind.TOO_LARGE, "unpacks to 245.8 MB"),
    "100-rows-16384-columns": (FileIssueKind.TOO_LARGE, "column SG (column 501); at most 500"),
    "1048575-rows": (FileIssueKind.TOO_LARGE, "more than 20,000 rows"),
    "400-MB-cell": (FileIssueKind.TOO_LARGE, "unpacks to 400.0 MB"),
    "70000-styles": (FileIssueKind.UNREADABLE, "more cell styles than spreadsheet programs"),
}
SECONDS = 5.0
PEAK_MB = 300  # a fresh interpreter with pandas and openpyxl imported is ~150 MB of it


@pytest.fixture(scope="session")
def hostile() -> dict[str, Path]:
    """Every hostile workbook, built once per version of the builders and kept in /tmp."""
    version = hashlib.sha256(inspect.getsource(hostile_files).encode()).hexdigest()[:12]
    return hostile_files.build_all(Path(tempfile.gettempdir()) / f"orgconn-hostile-{version}")


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_a_hostile_workbook_is_refused_in_seconds_with_one_clear_problem(
        name: str, hostile: dict[str, Path]) -> None:
    content = hostile[name].read_bytes()

    started = time.perf_counter()
    parsed = read_upload(f"{name}.xlsx", content)
    seconds = time.perf_counter() - started

    print(f"\n{name}: {len(content):,} bytes refused in {seconds:.2f} s")
    kind, words = REFUSALS[name]
    assert parsed.table is None
    assert [i.kind for i in parsed.issues] == [kind]
    assert words in parsed.issues[0].message
    assert seconds < SECONDS


def test_every_hostile_workbook_is_read_within_a_bounded_peak_of_memory(
        hostile: dict[str, Path]) -> None:
    script = inspect.cleandoc("""
        import json, resource, sys
        from pathlib import Path
        from orgconn.services.bulk.parse import read_upload
        def peak_mb():  # VmHWM: this process's own high-water mark (ru_maxrss keeps the
            # parent's from before exec, so a child of a large pytest would report the parent)
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        peaks = {"(imports)": peak_mb()}
        for path in map(Path, sys.argv[1:]):
            read_upload(path.name, path.read_bytes())
            peaks[path.stem] = peak_mb()
        print(json.dumps(peaks))
    """)
    done = subprocess.run([sys.executable, "-c", script, *map(str, hostile.values())],
                          capture_output=True, text=True, check=True, timeout=120)
    peaks = json.loads(done.stdout)

    print(f"\npeak RSS in MB (a high-water mark, after each file in turn): {peaks}")
    del peaks["(imports)"]
    assert set(peaks) == set(hostile)
    assert max(peaks.values()) < PEAK_MB


def test_a_workbook_within_the_limits_reads_as_before(hostile: dict[str, Path]) -> None:
    parsed = read_upload("good.xlsx", hostile_files.valid())

    assert parsed.issues == () and parsed.table is not None
    assert [dict(r.cells) for r in parsed.table.rows] == [
        {"external_id": "alpha", "apiKey": "key-a"}, {"external_id": "beta", "apiKey": "key-b"}]


@pytest.mark.parametrize("file_name", ["values.csv", "values.xlsx"])
def test_a_value_longer_than_the_limit_makes_only_its_row_invalid_and_is_never_kept(
        file_name: str) -> None:
    limits = BulkLimits(max_value_chars=1_000)
    rows = [["external_id", "host", "port", "password"], ["beta", "h", "1", "p" * 1_001],
            ["delta", "h", "2", "fine"]]
    content = (hostile_files.workbook_of(rows) if file_name.endswith(".xlsx") else
               "".join(",".join(r) + "\n" for r in rows).encode())

    parsed = read_upload(file_name, content, limits)

    assert parsed.table is not None
    issue, = parsed.issues
    assert (issue.kind, issue.row, issue.column) == (FileIssueKind.TOO_LONG, 2, "password")
    assert "1,001 characters long; at most 1,000" in issue.message and "ppp" not in issue.message
    assert parsed.table.rows[0].cell("password") == ""
    plan = plan_upload(parsed.table, snapshot(), BulkOptions(connection="customer-warehouse"),
                       parsed.issues, tenant="us")
    assert {r.external_id: r.action for r in plan.rows} == {"beta": "invalid", "delta": "create"}


def test_the_default_value_limit_is_a_million_characters_so_certificates_fit() -> None:
    certificate = "-----BEGIN CERTIFICATE-----\n" + "A" * 64_000 + "\n-----END CERTIFICATE-----"
    content = ("external_id,password\nbeta,\"" + certificate + "\"\n").encode()

    parsed = read_upload("t.csv", content)

    assert BulkLimits().max_value_chars == 1_000_000
    assert parsed.issues == () and parsed.table is not None
    assert parsed.table.rows[0].cell("password") == certificate


def test_a_csv_with_a_value_beyond_the_column_limit_is_refused_naming_the_column() -> None:
    content = b"external_id,host\n" + b"beta,h" + b"," * 600 + b"x\n"

    parsed = read_upload("t.csv", content)

    assert parsed.table is None
    assert [i.kind for i in parsed.issues] == [FileIssueKind.TOO_LARGE]
    assert "Row 2 has a value in column WD (column 602); at most 500" in parsed.issues[0].message


def test_a_sheet_of_blank_rows_is_refused_once_past_the_rows_a_file_may_have() -> None:
    limits = BulkLimits(max_rows=10)
    content = b"external_id\nbeta\n" + b",\n" * limits.max_scanned_rows

    parsed = read_upload("t.csv", content, limits)

    assert parsed.table is None
    assert f"past row {limits.max_scanned_rows:,}" in parsed.issues[0].message


def test_a_file_of_more_values_in_all_than_its_rows_may_hold_is_refused_as_it_is_read() -> None:
    limits = BulkLimits(max_rows=10)  # 500 values
    row = ",".join(["x"] * 100)
    content = ("external_id," + row + "\n" + "".join(f"c{n},{row}\n" for n in range(9))).encode()

    parsed = read_upload("t.csv", content, limits)

    assert parsed.table is None
    assert "more than 500 values (row 5 passes that)" in parsed.issues[0].message


def test_a_workbook_with_more_shared_strings_than_values_allowed_is_refused_as_read() -> None:
    limits = BulkLimits(max_rows=100)  # 5,000 values

    parsed = read_upload("t.xlsx", hostile_files.many_strings(5_001), limits)

    assert parsed.table is None
    assert "holds more than 5,000 different texts" in parsed.issues[0].message
    assert read_upload("t.xlsx", hostile_files.many_strings(5_000), limits).issues[0].kind is (
        FileIssueKind.EMPTY_FILE)  # the sheet has a header only: read to the end
