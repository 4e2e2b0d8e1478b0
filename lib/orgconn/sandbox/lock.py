"""One running sandbox per data folder: a lock file (``.lock``) held while it serves.

Two sandboxes writing the same SQLite files would each believe its own seed and serial write
path; so a sandbox that finds its folder's lock taken refuses to start, naming the process that
holds it and the flag to use another folder. The lock is an ``flock`` on the file: it is freed
when the sandbox stops or its process dies, so a crash never leaves a folder locked. Where
``fcntl`` does not exist (Windows), folders are not locked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


class DataDirInUse(OSError):
    """The data folder is served by another running sandbox."""


def lock_data_dir(data_dir: Path) -> Callable[[], None]:
    """Take ``data_dir``'s lock (creating the folder); returns the function that frees it.

    Raises `DataDirInUse` when another running sandbox holds it.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        return lambda: None
    path = data_dir / LOCK_FILE
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise DataDirInUse(
            f"the data folder {data_dir} is in use by another running sandbox (process "
            f"{holder}); stop that one, or pass --data-dir to serve another folder") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()

    def release() -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()

    return release
