"""The store's errors, a branch of orgconn's one error tree (``orgconn.errors.OrgconnError``).

- ``StoreError``: base; its message is a sentence a user can act on and never holds a password.
  - ``StoreURLError`` (also a ``ValueError``): the database URL is not one the store accepts.
  - ``StoreUnavailableError``: the database could not be opened or reached.
  - ``NotFoundError`` (also a ``LookupError``): a bulk job or row that does not exist.
  - ``RowAlreadyFinishedError``: a bulk row that is done or skipped was given another outcome.
"""

from __future__ import annotations

from orgconn.errors import OrgconnError


class StoreError(OrgconnError):
    """Base class of every error the store raises on purpose."""


class StoreURLError(StoreError, ValueError):
    """The database URL is malformed or names a database the store does not support."""


class StoreUnavailableError(StoreError):
    """The database could not be opened, created or reached."""


class NotFoundError(StoreError, LookupError):
    """A bulk job or bulk row that the caller named does not exist."""


class RowAlreadyFinishedError(StoreError):
    """A bulk row whose outcome is final (done or skipped) was given a different outcome."""
