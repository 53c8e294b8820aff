"""The workspace folder: the only module that builds artifact paths; datasets and runs in its catalogue
(`automl.store.catalogue`, which also holds the jobs).

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
import secrets
import shutil
import stat
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd

from automl import settings
from automl.errors import DatasetNotFoundError, DeploymentError, InvalidIdError, RunNotFoundError, WorkspaceError
from automl.store import atomic
from automl.store.catalogue import Catalogue, DatasetInfo, JobRecord, RunInfo, validate_id
from automl.store.deploy_records import DeploymentRecords

__all__ = ["Workspace", "DatasetInfo", "RunInfo", "JobRecord", "default_root", "validate_id"]


def _owner_only(path: Path, mode: int) -> None:
    """Give `path` `mode` (no access for group or others) if it allows more; refuse a path this user cannot
    tighten, saying what to do."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077 == 0:
        return
    try:
        path.chmod(mode)
    except PermissionError:
        raise WorkspaceError(f"{path} can be read by other users and is not yours to change: run "
                             f"`chmod {mode:o} {path}` as its owner, or use a workspace of your own "
                             "(AUTOML_STUDIO_HOME).") from None


def default_root() -> Path:
    """`$AUTOML_STUDIO_HOME`, else `./workspace`."""
    return Path(settings.HOME.text()).resolve()


class Workspace(Catalogue, DeploymentRecords):
    """A folder holding datasets, runs and prediction outputs, catalogued in SQLite (WAL mode)."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).resolve() if root else default_root()
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=0o700, exist_ok=True)
        _owner_only(self.root, 0o700)  # a workspace is its owner's alone, one made before this rule included
        for sub in ("datasets", "runs", "predictions"):
            (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
        super().__init__(self.root / "catalog.sqlite")
        for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):  # kept answers and ids
            if (self.root / name).exists():
                _owner_only(self.root / name, 0o600)

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

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

    def deployment_dir(self, name: str) -> Path:
        """A deployment's own files (its endpoint's process record and log)."""
        return self.root / "deployments" / validate_id(name, "deployment name")

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
            return DatasetInfo.from_row(existing[0])
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
        return [DatasetInfo.from_row(r) for r in self._query("SELECT * FROM datasets ORDER BY created_at DESC")]

    def get_dataset(self, dataset_id: str) -> DatasetInfo:
        rows = self._query("SELECT * FROM datasets WHERE id=?", (validate_id(dataset_id, "dataset id"),))
        if not rows:
            raise DatasetNotFoundError(f"No dataset {dataset_id!r} in {self.root}; upload it on the Data page first.")
        return DatasetInfo.from_row(rows[0])

    def load_dataset(self, dataset_id: str, columns: list[str] | None = None) -> pd.DataFrame:
        self.get_dataset(dataset_id)
        return pd.read_parquet(self.dataset_dir(dataset_id) / "data.parquet", columns=columns)

    # -- runs -------------------------------------------------------------------------------
    def add_run(self, run_id: str, dataset_id: str, config: dict[str, Any], job_kind: str | None = None) -> None:
        """Catalogue a run; with `job_kind`, its job (queued, same id) in the same transaction, so no reader
        ever sees the run without the job that trains it."""
        validate_id(run_id, "run id")
        now = time.time()
        with closing(self._connect()) as con, con:
            con.execute(
                "INSERT INTO runs(id, dataset_id, label, problem_type, eval_metric, preset, time_limit, created_at, "
                "config_json) VALUES (?,?,?,?,?,?,?,?,?)",
                (run_id, dataset_id, config["label"], config.get("problem_type"), config.get("eval_metric"),
                 config.get("preset"), config.get("time_limit"), now, json.dumps(config)))
            if job_kind:
                con.execute("INSERT INTO jobs(id, kind, run_id, status, created_at) VALUES (?,?,?,?,?)",
                            (run_id, job_kind, None, "queued", now))

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
        return [RunInfo.from_row(r) for r in self._query(sql + " ORDER BY runs.created_at DESC", params)]

    def get_run(self, run_id: str) -> RunInfo:
        rows = self._query(
            "SELECT runs.*, COALESCE(jobs.status, 'unknown') AS status FROM runs "
            "LEFT JOIN jobs ON jobs.id = runs.id WHERE runs.id=?", (validate_id(run_id, "run id"),))
        if not rows:
            raise RunNotFoundError(f"No run {run_id!r} in {self.root}; list runs with the app's Train page.")
        return RunInfo.from_row(rows[0])

    def delete_run(self, run_id: str) -> None:
        """Remove a run, its jobs and its folder (the catalogue first, so nothing half-deleted is offered)."""
        validate_id(run_id, "run id")
        serving = [d.name for d in self.list_deployments() if d.run_id == run_id]
        if serving:
            raise DeploymentError(f"Run {run_id} serves the deployment(s) {', '.join(serving)}; point them at "
                                  "another run first (automl-studio promote NAME RUN).")
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM jobs WHERE id=? OR run_id=?", (run_id, run_id))
            con.execute("DELETE FROM runs WHERE id=?", (run_id,))
        shutil.rmtree(self.run_dir(run_id), ignore_errors=True)


def content_hash(df: pd.DataFrame) -> str:
    """A stable hash of a table's columns, dtypes and values."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
    return h.hexdigest()

