"""Compare secret values without revealing them: keyed fingerprints.

A fingerprint is the first 12 hex digits of HMAC-SHA256(key, value). The same value always gives
the same fingerprint under the same key, so two tenants' or two points in time's values can be
compared; without the key a fingerprint cannot be brute-forced from a list of likely passwords.

The key comes from the configuration (``fingerprint_key``), else from a random key generated once
and kept in ``~/.orgconn/fingerprint.key`` (mode 0600). Everyone sharing one deployment should
share one key (set it in the configuration) so that fingerprints in audit logs stay comparable.

Secret values travel as `pydantic.SecretStr`, whose ``repr``/``str`` show ``**********``.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

FINGERPRINT_HEX_DIGITS = 12
KEY_FILE = Path(".orgconn") / "fingerprint.key"


def fingerprint(value: str | SecretStr, key: bytes | str | SecretStr) -> str:
    """Return the short hex fingerprint of ``value`` under ``key``; stable across runs."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(key, SecretStr):
        key = key.get_secret_value()
    key_bytes = key.encode() if isinstance(key, str) else key
    digest = hmac.digest(key_bytes, raw.encode(), "sha256")  # = hmac.new(...).digest(), in C
    return digest.hex()[:FINGERPRINT_HEX_DIGITS]


def fingerprint_key(configured: SecretStr | str | None = None, *, home: Path | None = None
                    ) -> bytes:
    """Return the fingerprint key: ``configured`` if given, else the per-user key file's key.

    The file (``~/.orgconn/fingerprint.key``) is created on first use with a random 32-byte key;
    a second process racing to create it reads the winner's key, so every process agrees.
    """
    if isinstance(configured, SecretStr):
        configured = configured.get_secret_value()
    if configured:
        return configured.encode()
    path = (home or Path.home()) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # write a complete file under a private name, then link it into place: atomic, and a
        # concurrent creator's link fails instead of overwriting (both then read one key)
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_text().strip().encode()
