"""The workspace folder and its SQLite catalogue: the only module that builds artifact paths.

Layout::

    <root>/catalog.sqlite
    <root>/datasets/<dataset_id>/data.parquet, meta.json
    <root>/runs/<run_id>/config.json, events.jsonl, train.log, predictor/, ...
    <root>/predictions/<job_id>/output.csv
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from automl.store import atomic
from automl.errors import DatasetNotFoundError, InvalidIdError, JobNotFoundError, RunNotFoundError

__all__ = ["Workspace", "DatasetInfo", "RunInfo", "JobRecord", "default_root", "validate_id"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, rows INTEGER, cols INTEGER,
    created_at REAL NOT NULL, meta_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, label TEXT NOT NULL,
    problem_type TEXT, eval_metric TEXT, preset TEXT, time_limit REAL,
    created_at REAL NOT NULL, config_json TEXT NOT NULL DEFAULT '{}', test_score REAL, test_value REAL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, run_id TEXT, status TEXT NOT NULL,
    pid INTEGER, created_at REAL NOT NULL, started_at REAL, finished_at REAL, message TEXT
);
CREATE INDEX IF NOT EXISTS jobs_run ON jobs(run_id);
"""


def default_root() -> Path:
    """`$AUTOML_STUDIO_HOME`, else `./workspace`."""
    return Path(os.environ.get("AUTOML_STUDIO_HOME") or "workspace").resolve()


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


class Workspace:
    """A folder holding datasets, runs and prediction outputs, catalogued in SQLite (WAL mode)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).resolve() if root else default_root()
        if not self.root.exists():  # a new workspace is the owner's alone (an existing folder is left as it is)
            self.root.mkdir(parents=True, mode=0o700, exist_ok=True)
            self.root.chmod(0o700)
        for sub in ("datasets", "runs", "predictions"):
            (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        self.catalog_path = self.root / "catalog.sqlite"
        for attempt in range(100):
            try:
                with closing(self._connect()) as con, con:
                    con.execute("PRAGMA journal_mode=WAL")
                    con.executescript(_SCHEMA)
                    _migrate(con)
                break
            except sqlite3.OperationalError as exc:
                # processes opening a new workspace at once: switching it to WAL does not wait for the lock
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.02 + 0.03 * secrets.randbelow(10) / 10)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    # -- connection -------------------------------------------------------------------------
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

    # -- paths (the only place that builds them) --------------------------------------------
    def dataset_dir(self, dataset_id: str) -> Path:
        return self.root / "datasets" / validate_id(dataset_id, "dataset id")

    def run_dir(self, run_id: str) -> Path:
        return self.root / "runs" / validate_id(run_id, "run id")

    def run_file(self, run_id: str, name: str) -> Path:
        path = (self.run_dir(run_id) / name).resolve()
        if self.run_dir(run_id).resolve() not in path.parents:
            raise InvalidIdError(f"{name!r} is not a file name inside a run folder.")
        return path

    def prediction_dir(self, job_id: str) -> Path:
        return self.root / "predictions" / validate_id(job_id, "prediction id")

    def job_dir(self, job: JobRecord) -> Path:
        """Where a job writes its events and log: the run folder, or a folder of its own."""
        if job.kind == "train":
            return self.run_dir(job.id)
        if job.run_id:
            return self.run_dir(job.run_id) / job.kind / job.id
        return self.prediction_dir(job.id)

    def secret_key(self) -> bytes:
        """The workspace's own key (for signing bundles); created on first use, readable by the owner only."""
        path = self.root / "secret.key"
        if not path.exists():
            # written whole to a private temporary file (0600 from its creation), then linked into place:
            # the link fails if another process got there first, so every process ends with one key
            tmp = self.root / f".secret.key.{secrets.token_hex(8)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(secrets.token_bytes(32))
                    fh.flush()
                    os.fsync(fh.fileno())
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_bytes()

    # -- datasets ---------------------------------------------------------------------------
    def add_dataset(self, df: pd.DataFrame, name: str, meta: dict[str, Any] | None = None) -> DatasetInfo:
        """Store a table as Parquet under an id derived from its content; adding it again is a no-op."""
        dataset_id = "ds-" + content_hash(df)[:16]
        existing = self._query("SELECT * FROM datasets WHERE id=?", (dataset_id,))
        if existing:
            return _dataset_from_row(existing[0])
        meta = dict(meta or {})
        meta.setdefault("columns", {c: str(t) for c, t in df.dtypes.items()})
        folder = self.dataset_dir(dataset_id)
        atomic.write_parquet(folder / "data.parquet", df)
        atomic.write_json(folder / "meta.json", {"name": name, **meta})
        created = time.time()
        self._execute(
            "INSERT OR IGNORE INTO datasets(id, name, rows, cols, created_at, meta_json) VALUES (?,?,?,?,?,?)",
            (dataset_id, name, len(df), df.shape[1], created, json.dumps(meta, default=str)),
        )
        return DatasetInfo(dataset_id, name, len(df), df.shape[1], created, meta)

    def update_dataset_meta(self, dataset_id: str, **changes: Any) -> DatasetInfo:
        """Merge `changes` into a dataset's metadata (catalogue and meta.json)."""
        info = self.get_dataset(dataset_id)
        meta = {**info.meta, **changes}
        self._execute("UPDATE datasets SET meta_json=? WHERE id=?", (json.dumps(meta, default=str), dataset_id))
        atomic.write_json(self.dataset_dir(dataset_id) / "meta.json", {"name": info.name, **meta})
        return self.get_dataset(dataset_id)

    def delete_dataset(self, dataset_id: str) -> None:
        """Remove a dataset's catalogue row, then its folder (its rows, profile, draft recipe)."""
        validate_id(dataset_id, "dataset id")
        self._execute("DELETE FROM datasets WHERE id=?", (dataset_id,))
        shutil.rmtree(self.dataset_dir(dataset_id), ignore_errors=True)

    def list_datasets(self) -> list[DatasetInfo]:
        return [_dataset_from_row(r) for r in self._query("SELECT * FROM datasets ORDER BY created_at DESC")]

    def get_dataset(self, dataset_id: str) -> DatasetInfo:
        rows = self._query("SELECT * FROM datasets WHERE id=?", (validate_id(dataset_id, "dataset id"),))
        if not rows:
            raise DatasetNotFoundError(f"No dataset {dataset_id!r} in {self.root}; upload it on the Data page first.")
        return _dataset_from_row(rows[0])

    def load_dataset(self, dataset_id: str, columns: list[str] | None = None) -> pd.DataFrame:
        self.get_dataset(dataset_id)
        return pd.read_parquet(self.dataset_dir(dataset_id) / "data.parquet", columns=columns)

    # -- runs -------------------------------------------------------------------------------
    def add_run(self, run_id: str, dataset_id: str, config: dict[str, Any]) -> None:
        validate_id(run_id, "run id")
        self._execute(
            "INSERT INTO runs(id, dataset_id, label, problem_type, eval_metric, preset, time_limit, created_at, config_json)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (
                run_id, dataset_id, config["label"], config.get("problem_type"), config.get("eval_metric"),
                config.get("preset"), config.get("time_limit"), time.time(), json.dumps(config),
            ),
        )

    def set_run_result(self, run_id: str, test_score: float | None, test_value: float | None,
                       eval_metric: str | None) -> None:
        """`test_score` is AutoGluon's higher-is-better score; `test_value` the metric as users read it."""
        self._execute("UPDATE runs SET test_score=?, test_value=?, eval_metric=COALESCE(?, eval_metric) WHERE id=?",
                      (test_score, test_value, eval_metric, run_id))

    def list_runs(self, dataset_id: str | None = None) -> list[RunInfo]:
        sql = ("SELECT runs.*, COALESCE(jobs.status, 'unknown') AS status FROM runs "
               "LEFT JOIN jobs ON jobs.id = runs.id")
        params: tuple = ()
        if dataset_id:
            sql += " WHERE runs.dataset_id=?"
            params = (dataset_id,)
        return [_run_from_row(r) for r in self._query(sql + " ORDER BY runs.created_at DESC", params)]

    def get_run(self, run_id: str) -> RunInfo:
        rows = self._query(
            "SELECT runs.*, COALESCE(jobs.status, 'unknown') AS status FROM runs "
            "LEFT JOIN jobs ON jobs.id = runs.id WHERE runs.id=?", (validate_id(run_id, "run id"),))
        if not rows:
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}; list runs with the app's Train page.")
        return _run_from_row(rows[0])

    def delete_run(self, run_id: str) -> None:
        """Remove a run, its jobs and its folder (the catalogue first, so nothing half-deleted is offered)."""
        validate_id(run_id, "run id")
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM jobs WHERE id=? OR run_id=?", (run_id, run_id))
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)

    # -- jobs -------------------------------------------------------------------------------
    def add_job(self, job_id: str, kind: str, run_id: str | None, status: str = "queued") -> JobRecord:
        validate_id(job_id, "job id")
        self._execute("INSERT INTO jobs(id, kind, run_id, status, created_at) VALUES (?,?,?,?,?)",
                      (job_id, kind, run_id, status, time.time()))
        return self.get_job(job_id)

    def get_job(self, job_id: str) -> JobRecord:
        rows = self._query("SELECT * FROM jobs WHERE id=?", (validate_id(job_id, "job id"),))
        if not rows:
            raise JobNotFoundError(f"No job {job_id!r} in {self.root}.")
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


def _migrate(con: sqlite3.Connection) -> None:
    """Bring a catalogue written by an earlier version up to date (columns are only ever added)."""
    have = {r["name"] for r in con.execute("PRAGMA table_info(runs)")}
    if "test_value" not in have:
        con.execute("ALTER TABLE runs ADD COLUMN test_value REAL")


def content_hash(df: pd.DataFrame) -> str:
    """A stable hash of a table's columns, dtypes and values."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return h.hexdigest()


def _dataset_from_row(row: sqlite3.Row) -> DatasetInfo:
    return DatasetInfo(row["id"], row["name"], row["rows"], row["cols"], row["created_at"],
                       json.loads(row["meta_json"] or "{}"))


def _run_from_row(row: sqlite3.Row) -> RunInfo:
    return RunInfo(
        id=row["id"], dataset_id=row["dataset_id"], label=row["label"], problem_type=row["problem_type"],
        eval_metric=row["eval_metric"], preset=row["preset"], time_limit=row["time_limit"],
        created_at=row["created_at"], config=json.loads(row["config_json"] or "{}"),
        test_score=row["test_score"], test_value=row["test_value"], status=row["status"],
    )
