"""``python -m orgconn.sandbox``: the same command as ``orgconn sandbox``."""

from __future__ import annotations

from orgconn.commands.sandbox import main

if __name__ == "__main__":
    raise SystemExit(main())
