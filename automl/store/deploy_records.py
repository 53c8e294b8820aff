"""The catalogue's deployment tables: a name -> the run it serves, every change to it, and every batch or
request scored through it (what monitoring reads). The rules (which runs may be deployed, what a rollback
goes back to) are `automl.serving.deployments`'."""

from __future__ import annotations

import json
import time
from contextlib import closing
from dataclasses import dataclass
from typing import Any

__all__ = ["DeploymentRecord", "HistoryEntry", "Scoring", "DeploymentRecords"]


@dataclass(frozen=True)
class DeploymentRecord:
    name: str
    run_id: str
    created_at: float
    changed_at: float


@dataclass(frozen=True)
class HistoryEntry:
    name: str
    run_id: str
    action: str  # "deploy", "promote" or "rollback"
    at: float


@dataclass(frozen=True)
class Scoring:
    deployment: str
    run_id: str
    source: str  # "batch", "endpoint", "form"
    rows: int
    at: float
    detail: dict[str, Any]


class DeploymentRecords:
    """Mixed into the workspace's catalogue (it provides `_connect` and `_query`)."""

    def point_deployment(self, name: str, run_id: str, action: str) -> DeploymentRecord:
        """Create `name` or point it at `run_id`, and record the change, in one transaction."""
        now = time.time()
        with closing(self._connect()) as con, con:
            con.execute("INSERT INTO deployments(name, run_id, created_at, changed_at) VALUES (?,?,?,?) "
                        "ON CONFLICT(name) DO UPDATE SET run_id=excluded.run_id, changed_at=excluded.changed_at",
                        (name, run_id, now, now))
            con.execute("INSERT INTO deployment_history(name, run_id, action, at) VALUES (?,?,?,?)",
                        (name, run_id, action, now))
        return self.get_deployment(name)

    def get_deployment(self, name: str) -> DeploymentRecord | None:
        rows = self._query("SELECT * FROM deployments WHERE name=?", (name,))
        return DeploymentRecord(**dict(rows[0])) if rows else None

    def list_deployments(self) -> list[DeploymentRecord]:
        return [DeploymentRecord(**dict(r)) for r in self._query("SELECT * FROM deployments ORDER BY name")]

    def deployment_history(self, name: str) -> list[HistoryEntry]:
        """Newest first."""
        rows = self._query("SELECT name, run_id, action, at FROM deployment_history WHERE name=? "
                           "ORDER BY at DESC, id DESC", (name,))
        return [HistoryEntry(**dict(r)) for r in rows]

    def record_scoring(self, deployment: str, run_id: str, source: str, rows: int,
                       detail: dict[str, Any] | None = None) -> None:
        with closing(self._connect()) as con, con:
            con.execute("INSERT INTO scorings(deployment, run_id, source, rows, at, detail_json) VALUES (?,?,?,?,?,?)",
                        (deployment, run_id, source, int(rows), time.time(), json.dumps(detail or {})))

    def list_scorings(self, deployment: str) -> list[Scoring]:
        rows = self._query("SELECT deployment, run_id, source, rows, at, detail_json FROM scorings "
                           "WHERE deployment=? ORDER BY at, id", (deployment,))
        return [Scoring(r["deployment"], r["run_id"], r["source"], r["rows"], r["at"], json.loads(r["detail_json"]))
                for r in rows]
