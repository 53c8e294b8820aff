"""The catalogue's deployment tables: a name -> the run it serves, every change to it, and every batch or
request scored through it (what monitoring reads). The rules (which runs may be deployed, what a rollback
goes back to) are `automl.serving.deployments`'."""

from __future__ import annotations

import json
import time
from contextlib import closing
from dataclasses import dataclass
from typing import Any

__all__ = ["DeploymentRecord", "HistoryEntry", "Scoring", "Answer", "DeploymentRecords", "SAMPLE_SOURCE"]

# A summary of an endpoint's sampled requests (drift, answers, estimate), recorded like a batch file's.
SAMPLE_SOURCE = "endpoint-sample"


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
    id: int
    deployment: str
    run_id: str
    source: str  # "batch", "endpoint" (volume), SAMPLE_SOURCE, "form"
    rows: int
    at: float
    detail: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """One scored row's answer, kept by its id so that its true outcome can be joined later."""
    scoring_id: int
    row_id: str
    predicted: str | None
    proba: dict[str, float] | None
    actual: str | None


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
                       detail: dict[str, Any] | None = None,
                       answers: list[tuple[str, str | None, str | None]] | None = None) -> int:
        """Record a scoring (and its per-row answers: row id, predicted, probabilities as JSON) in one
        transaction; returns its id."""
        now = time.time()
        with closing(self._connect()) as con, con:
            cur = con.execute("INSERT INTO scorings(deployment, run_id, source, rows, at, detail_json) "
                              "VALUES (?,?,?,?,?,?)",
                              (deployment, run_id, source, int(rows), now, json.dumps(detail or {})))
            scoring_id = int(cur.lastrowid)
            if answers:
                con.executemany("INSERT INTO answers(deployment, scoring_id, row_id, predicted, proba_json, at) "
                                "VALUES (?,?,?,?,?,?)",
                                ((deployment, scoring_id, r, p, j, now) for r, p, j in answers))
        return scoring_id

    def list_scorings(self, deployment: str) -> list[Scoring]:
        rows = self._query("SELECT id, deployment, run_id, source, rows, at, detail_json FROM scorings "
                           "WHERE deployment=? ORDER BY at, id", (deployment,))
        return [Scoring(r["id"], r["deployment"], r["run_id"], r["source"], r["rows"], r["at"],
                        json.loads(r["detail_json"])) for r in rows]

    def set_actuals(self, deployment: str, actuals: list[tuple[str, str]]) -> int:
        """Store true outcomes by row id on every earlier answer of the deployment with that id; returns how
        many of the given ids matched an answer."""
        now = time.time()
        matched = 0
        with closing(self._connect()) as con, con:
            for row_id, actual in actuals:
                cur = con.execute("UPDATE answers SET actual=?, actual_at=? WHERE deployment=? AND row_id=?",
                                  (actual, now, deployment, row_id))
                matched += cur.rowcount > 0
        return matched

    def count_answers(self, deployment: str) -> int:
        return int(self._query("SELECT COUNT(*) AS n FROM answers WHERE deployment=?", (deployment,))[0]["n"])

    def labelled_answers(self, deployment: str) -> list[Answer]:
        """Answers whose true outcome has arrived, oldest scoring first."""
        rows = self._query("SELECT scoring_id, row_id, predicted, proba_json, actual FROM answers "
                           "WHERE deployment=? AND actual IS NOT NULL ORDER BY scoring_id, id", (deployment,))
        return [Answer(r["scoring_id"], r["row_id"], r["predicted"],
                       json.loads(r["proba_json"]) if r["proba_json"] else None, r["actual"]) for r in rows]

    def purge_answers(self, before: float) -> int:
        """Forget the per-row answers recorded before `before` (the retention setting)."""
        with closing(self._connect()) as con, con:
            return con.execute("DELETE FROM answers WHERE at < ?", (before,)).rowcount

    def add_challenger(self, deployment: str, run_id: str, detail: dict[str, Any] | None = None) -> None:
        with closing(self._connect()) as con, con:
            con.execute("INSERT INTO challengers(deployment, run_id, at, detail_json) VALUES (?,?,?,?) "
                        "ON CONFLICT(deployment, run_id) DO UPDATE SET detail_json=excluded.detail_json",
                        (deployment, run_id, time.time(), json.dumps(detail or {})))

    def list_challengers(self, deployment: str) -> list[tuple[str, float, dict[str, Any]]]:
        """(run id, when, detail), newest first."""
        rows = self._query("SELECT run_id, at, detail_json FROM challengers WHERE deployment=? "
                           "ORDER BY at DESC", (deployment,))
        return [(r["run_id"], r["at"], json.loads(r["detail_json"])) for r in rows]
