"""Errors on a page: a sentence the user can act on, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from orgconn.errors import AccessDenied, ConfigError, OrgconnError

log = logging.getLogger(__name__)


def explain(exc: BaseException) -> str:
    """The user-facing text (Markdown) for an error orgconn knows (its message is for users).

    A `ConfigError` lists each problem as a bullet, so that several read as several.
    """
    if isinstance(exc, ConfigError) and exc.problems:
        first = str(exc).splitlines()[0]
        return first + "\n" + "\n".join(f"- {problem}" for problem in exc.problems)
    return str(exc) or exc.__class__.__name__


@contextmanager
def user_errors(doing: str = "", *, stop: bool = True) -> Iterator[None]:
    """Show OrgconnError/AccessDenied raised inside as ``st.error`` and (by default) stop the page.

    ``doing`` prefixes the message ("Loading coverage for us: ..."). Unexpected exceptions are
    logged (type only, never their text, which could hold a value) and shown as a generic error.
    """
    prefix = f"{doing}: " if doing else ""
    try:
        yield
    except AccessDenied as exc:
        st.error(prefix + explain(exc), icon="🔒")
    except OrgconnError as exc:
        st.error(prefix + explain(exc), icon="⚠️")
    except (StopException, RerunException):
        raise
    except Exception as exc:
        log.error("unexpected %s while %s", exc.__class__.__name__, doing or "rendering a page")
        st.error(prefix + "something unexpected went wrong; nothing was changed. "
                 "Try Refresh, and if it persists report the time shown in the audit page.")
    else:
        return
    if stop:
        st.stop()
