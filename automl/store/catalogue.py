"""The workspace's SQLite catalogue: its tables, their versions (`PRAGMA user_version`), and the job records.

Datasets and runs are catalogued by `automl.store.workspace.Workspace`, which builds on this class; jobs
(their claiming, one at a time where it matters, and their status) live here. WAL mode lets the app, the CLI
and job processes read while one of them writes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from automl.errors import InvalidIdError, JobNotFoundError, WorkspaceError

__all__ = ["Catalogue", "DatasetInfo", "JobRecord", "RunInfo", "SCHEMA_VERSION", "validate_id"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

_TABLES_V1 = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, rows INTEGER, cols INTEGER,
    created_at REAL NOT NULL, meta_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, label TEXT NOT NULL,
    problem_type TEXT, eval_metric TEXT, preset TEXT, time_limit REAL,
    created_at REAL NOT NULL, config_json TEXT NOT NULL DEFAULT '{}', test_score REAL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_id TEXT, status TEXT NOT NULL,
    pid INTEGER, created_at REAL NOT NULL, started_at REAL, finished_at REAL, message TEXT
);
CREATE INDEX IF NOT EXISTS jobs_run ON jobs(run_id);
"""


def _v1_tables(con: sqlite3.Connection) -> None:
    for statement in _TABLES_V1.split(";"):
        if statement.strip():
            con.execute(statement)


def _v2_metric_as_read(con: sqlite3.Connection) -> None:
    """runs.test_value: the test metric as users read it (test_score is AutoGluon's higher-is-better)."""
    if "test_value" not in {r["name"] for r in con.execute("PRAGMA table_info(runs)")}:
        con.execute("ALTER TABLE runs ADD COLUMN test_value REAL")


def _v3_deployments(con: sqlite3.Connection) -> None:
    """Deployments (a name -> the run it serves), their history, and what was scored through them."""
    for statement in (
        "CREATE TABLE IF NOT EXISTS deployments (name TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
        "created_at REAL NOT NULL, changed_at REAL NOT NULL)",
        "CREATE TABLE IF NOT EXISTS deployment_history (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
        "run_id TEXT NOT NULL, action TEXT NOT NULL, at REAL NOT NULL)",
        "CREATE INDEX IF NOT EXISTS deployment_history_name ON deployment_history(name)",
        "CREATE TABLE IF NOT EXISTS scorings (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, "
        "run_id TEXT NOT NULL, source TEXT NOT NULL, rows INTEGER NOT NULL, at REAL NOT NULL, "
        "detail_json TEXT NOT NULL DEFAULT '{}')",
        "CREATE INDEX IF NOT EXISTS scorings_deployment ON scorings(deployment, at)",
    ):
        con.execute(statement)


def _v4_answers(con: sqlite3.Connection) -> None:
    """Per-row answers of batches scored with an id column (what actuals join to, by id), and challengers."""
    for statement in (
        "CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, "
        "scoring_id INTEGER NOT NULL, row_id TEXT NOT NULL, predicted TEXT, proba_json TEXT, actual TEXT, "
        "at REAL NOT NULL, actual_at REAL)",
        "CREATE INDEX IF NOT EXISTS answers_row ON answers(deployment, row_id)",
        "CREATE INDEX IF NOT EXISTS answers_scoring ON answers(scoring_id)",
        "CREATE TABLE IF NOT EXISTS challengers (deployment TEXT NOT NULL, run_id TEXT NOT NULL, "
        "at REAL NOT NULL, detail_json TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (deployment, run_id))",
    ):
        con.execute(statement)


# Version n of the catalogue is reached by applying MIGRATIONS[n - 1]; each is idempotent, because a
# catalogue written before versions were recorded (user_version 0) may already hold some of them.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_v1_tables, _v2_metric_as_read, _v3_deployments,
                                                               _v4_answers)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(con: sqlite3.Connection) -> int:
    """Bring a catalogue up to `SCHEMA_VERSION`, one recorded step at a time; return the version found."""
    found = con.execute("PRAGMA user_version").fetchone()[0]
    if found > SCHEMA_VERSION:
        raise WorkspaceError(f"This workspace was written by a newer AutoML Studio (catalogue version {found}; "
                             f"this one reads up to {SCHEMA_VERSION}). Upgrade AutoML Studio, or use another "
                             "workspace (--workspace or AUTOML_STUDIO_HOME).")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version - 1](con)
        con.execute(f"PRAGMA user_version={version:d}")
    return found


def validate_id(value: str, what: str = "id") -> str:
    """Refuse ids that are not short lowercase tokens, so no id can name a path outside the workspace."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise InvalidIdError(
            f"{what} {value!r} is not valid: use the id shown in the app or by the CLI "
            "(lowercase letters, digits, '-' and '_')."
        )
    return value


@dataclass(frozen=True)
class DatasetInfo:
    id: str
    name: str
    rows: int
    cols: int
    created_at: float
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DatasetInfo:
        return cls(row["id"], row["name"], row["rows"], row["cols"], row["created_at"],
                   json.loads(row["meta_json"] or "{}"))


@dataclass(frozen=True)
class JobRecord:
    id: str
    kind: str
    run_id: str | None
    status: str
    pid: int | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    message: str | None


@dataclass(frozen=True)
class RunInfo:
    id: str
    dataset_id: str
    label: str
    problem_type: str | None
    eval_metric: str | None
    preset: str | None
    time_limit: float | None
    created_at: float
    config: dict[str, Any]
    test_score: float | None
    test_value: float | None
    status: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunInfo:
        return cls(
            id=row["id"], dataset_id=row["dataset_id"], label=row["label"], problem_type=row["problem_type"],
            eval_metric=row["eval_metric"], preset=row["preset"], time_limit=row["time_limit"],
            created_at=row["created_at"], config=json.loads(row["config_json"] or "{}"),
            test_score=row["test_score"], test_value=row["test_value"], status=row["status"],
        )


class Catalogue:
    """The SQLite file of a workspace: opened (and migrated) once, then one short connection per call."""

    def __init__(self, path: Path) -> None:
        self.catalog_path = path
        for attempt in range(100):
            try:
                with closing(self._connect()) as con:
                    con.execute("PRAGMA journal_mode=WAL")
                    con.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then find it done
                    try:
                        migrate(con)
                        con.execute("COMMIT")
                    except BaseException:
                        con.execute("ROLLBACK")
                        raise
                break
            except sqlite3.OperationalError as exc:
                # processes opening a new workspace at once: switching it to WAL does not wait for the lock
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.02 + 0.03 * secrets.randbelow(10) / 10)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.catalog_path, timeout=30)
        con.row_factory = sqlite3.Row
        return con

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as con:
            return con.execute(sql, params).fetchall()

    def _execute(self, sql: str, params: tuple = ()) -> None:
        with closing(self._connect()) as con, con:
            con.execute(sql, params)

    # -- jobs -------------------------------------------------------------------------------
    def add_job(self, job_id: str, kind: str, run_id: str | None, status: str = "queued") -> JobRecord:
        """Record a job; a queued job of the same id and kind recorded with its run is taken as it is."""
        validate_id(job_id, "job id")
        self._execute("INSERT INTO jobs(id, kind, run_id, status, created_at) VALUES (?,?,?,?,?) "
                      "ON CONFLICT(id) DO NOTHING", (job_id, kind, run_id, status, time.time()))
        job = self.get_job(job_id)
        if job.kind != kind:
            raise ValueError(f"job {job_id} is already recorded as a {job.kind} job")
        return job

    def get_job(self, job_id: str) -> JobRecord:
        rows = self._query("SELECT * FROM jobs WHERE id=?", (validate_id(job_id, "job id"),))
        if not rows:
            raise JobNotFoundError(f"No job {job_id!r} in {self.catalog_path.parent}.")
        return JobRecord(**dict(rows[0]))

    def list_jobs(self, kind: str | None = None, run_id: str | None = None) -> list[JobRecord]:
        clauses, params = [], []
        if kind:
            clauses.append("kind=?")
            params.append(kind)
        if run_id:
            clauses.append("run_id=?")
            params.append(run_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._query(f"SELECT * FROM jobs{where} ORDER BY created_at DESC", tuple(params))
        return [JobRecord(**dict(r)) for r in rows]

    def claim_next_queued(self, kind: str, limit: int) -> JobRecord | None:
        """Atomically move the oldest queued job of `kind` to 'starting' if fewer than `limit` hold a slot."""
        return self._claim("kind=?", (kind,), limit)

    def claim_next_for_run(self, run_id: str, kinds: tuple[str, ...]) -> JobRecord | None:
        """Atomically move the oldest queued job of `kinds` on `run_id` to 'starting' if none of them holds
        the run now (jobs that write a run's files run one at a time per run)."""
        return self._claim(f"run_id=? AND kind IN ({','.join('?' * len(kinds))})", (run_id, *kinds), 1)

    def _claim(self, where: str, params: tuple, limit: int) -> JobRecord | None:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            busy = con.execute(f"SELECT COUNT(*) FROM jobs WHERE {where} AND status IN "
                               "('starting','running','stopping')", params).fetchone()[0]
            row = None
            if busy < limit:
                row = con.execute(f"SELECT * FROM jobs WHERE {where} AND status='queued' ORDER BY created_at "
                                  "LIMIT 1", params).fetchone()
                if row is not None:
                    con.execute("UPDATE jobs SET status='starting' WHERE id=?", (row["id"],))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.close()
        return self.get_job(row["id"]) if row is not None else None

    def update_job(self, job_id: str, *, only_if_status: tuple[str, ...] | None = None, **fields: Any) -> bool:
        """Set fields of a job; with `only_if_status`, only while its status is one of those. True if changed."""
        allowed = {"status", "pid", "started_at", "finished_at", "message"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        sets = ", ".join(f"{k}=?" for k in fields)
        sql = f"UPDATE jobs SET {sets} WHERE id=?"
        params: list[Any] = [*fields.values(), job_id]
        if only_if_status:
            sql += f" AND status IN ({','.join('?' * len(only_if_status))})"
            params.extend(only_if_status)
        with closing(self._connect()) as con, con:
            return con.execute(sql, tuple(params)).rowcount > 0

