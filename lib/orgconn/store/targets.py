"""Rollout targets (issue 8): per tenant and connection, a coverage % to reach by a date."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from orgconn.store.base import StoreBase, utc_now
from orgconn.store.records import RolloutTarget
from orgconn.store.schema import rollout_target


class RolloutTargets(StoreBase):
    """Rollout target methods of ``Store``."""

    def set_rollout_target(self, tenant: str, stable_key: str, target_pct: float,
                           target_date: date, set_by: str) -> RolloutTarget:
        """Sets (or replaces) the target of one connection in one tenant and returns it.

        ``target_pct`` is in (0, 100]; ``set_by`` is the admin's email or OS user. Raises a
        pydantic ValidationError, saying which field is wrong, for an invalid target.
        """
        target = RolloutTarget(tenant=tenant, tenant_identity=self.identity_of(tenant),
                               stable_key=stable_key, target_pct=target_pct,
                               target_date=target_date, set_by=set_by, set_at=utc_now())
        with self._write() as connection:
            _upsert(connection, target.model_dump())
        return target

    def rollout_target(self, tenant: str, stable_key: str) -> RolloutTarget | None:
        """The target of one connection in one tenant, or None when none is set."""
        found = self.rollout_targets(tenant, stable_key)
        return found[0] if found else None

    def rollout_targets(self, tenant: str | None = None,
                        stable_key: str | None = None) -> list[RolloutTarget]:
        """Every target set, optionally for one tenant and/or connection, by tenant and key."""
        c = rollout_target.c
        query = (select(rollout_target).where(self._tenant_condition(rollout_target, tenant))
                 .order_by(c.tenant, c.stable_key))
        if stable_key is not None:
            query = query.where(c.stable_key == stable_key)
        with self._read() as connection:
            return [RolloutTarget.model_validate(dict(row._mapping))
                    for row in connection.execute(query)]

    def clear_rollout_target(self, tenant: str, stable_key: str) -> bool:
        """Removes a target; returns whether there was one."""
        c = rollout_target.c
        mine = self._tenant_condition(rollout_target, tenant)  # before the write lock is held
        with self._write() as connection:
            result = connection.execute(delete(rollout_target).where(
                mine, c.stable_key == stable_key))
            return bool(result.rowcount > 0)


KEY = ("tenant_identity", "tenant", "stable_key")


def _upsert(connection: Connection, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT (tenant, stable_key) DO UPDATE, in the backend's dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(rollout_target).values(**values)
    excluded = statement.excluded
    connection.execute(statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: excluded[name] for name in values if name not in KEY},
    ))
