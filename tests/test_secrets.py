"""Fingerprints: stable, keyed, short; the key comes from config or a file made once."""

from __future__ import annotations

import stat

from pydantic import SecretStr

from orgconn.secrets import fingerprint, fingerprint_key


def test_a_fingerprint_is_short_hex_and_stable():
    first = fingerprint("canary-value", b"key")
    assert first == fingerprint(SecretStr("canary-value"), "key")
    assert len(first) == 12 and int(first, 16) >= 0
    assert "canary" not in first
    # the first 12 hex digits of HMAC-SHA256: fingerprints already in stores stay comparable
    assert first == "47724694c355"


def test_fingerprints_differ_by_value_and_by_key():
    assert fingerprint("a", b"k1") != fingerprint("b", b"k1")
    assert fingerprint("a", b"k1") != fingerprint("a", b"k2")


def test_the_configured_key_wins_over_the_key_file(tmp_path):
    assert fingerprint_key(SecretStr("shared-key"), home=tmp_path) == b"shared-key"
    assert not (tmp_path / ".orgconn").exists()


def test_without_a_configured_key_one_is_generated_once_and_kept_private(tmp_path):
    key = fingerprint_key(None, home=tmp_path)
    path = tmp_path / ".orgconn" / "fingerprint.key"
    assert len(key) == 64 and path.read_bytes().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fingerprint_key(None, home=tmp_path) == key
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_the_default_key_file_lives_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fingerprint_key() == (tmp_path / ".orgconn" / "fingerprint.key").read_bytes().strip()
