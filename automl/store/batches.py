"""Batch predictions made in the app: one workspace folder each (the uploaded input, the predictions, the
report), owned by the run that scored it. They are deleted with their run, and removed after the retention
period (`AUTOML_STUDIO_RETENTION_DAYS`, 7 days by default; 0 keeps them until their run is deleted), so
users' rows are not kept longer than the setting allows.

`purge_all` removes everything kept past that period (scored uploads and their predictions, and the answers
kept by id for monitoring). Every CLI command runs it when it opens the workspace, and the long-running
servers (`ui`, `serve`) when they start and then every hour (`keep_purging`): opening a page is not needed.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from automl import settings
from automl.store import atomic
from automl.store.workspace import Workspace

__all__ = ["BatchFolder", "batch_folder", "list_batches", "delete_batches", "purge_expired", "purge_all",
           "keep_purging", "retention_days"]

_META = "meta.json"
PURGE_EVERY_S = 3600.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchFolder:
    root: Path
    input: Path
    output: Path
    report: Path


def retention_days() -> float:
    return max(0.0, settings.RETENTION_DAYS.number())


def batch_folder(ws: Workspace, run_id: str, token: str, suffix: str) -> BatchFolder:
    """The folder of one batch (same upload, model and options: the same folder, so a rerun reuses it);
    created with its owner and time on first use."""
    root = ws.prediction_dir("predict-" + hashlib.sha256(f"{run_id}:{token}".encode()).hexdigest()[:16])
    if not (root / _META).exists():
        root.mkdir(parents=True, exist_ok=True)
        atomic.write_json(root / _META, {"run_id": run_id, "created_at": time.time()})
    return BatchFolder(root, root / ("input" + suffix), root / "output.csv", root / "report.json")


def list_batches(ws: Workspace, run_id: str | None = None) -> list[tuple[Path, dict]]:
    out = []
    for folder in sorted((ws.root / "predictions").glob("predict-*")):
        meta = atomic.read_json(folder / _META, {}) or {}
        if run_id is None or meta.get("run_id") == run_id:
            out.append((folder, meta))
    return out


def delete_batches(ws: Workspace, run_id: str) -> int:
    """Remove every batch a run scored (with the run)."""
    folders = [folder for folder, _ in list_batches(ws, run_id)]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def purge_expired(ws: Workspace, now: float | None = None) -> int:
    """Remove batches older than the retention period (folders without a record count from their mtime)."""
    days = retention_days()
    if not days:
        return 0
    now = time.time() if now is None else now
    removed = 0
    for folder, meta in list_batches(ws):
        created = meta.get("created_at") or folder.stat().st_mtime
        if now - created > days * 86400:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def purge_all(ws: Workspace, now: float | None = None) -> int:
    """Remove what is kept past the retention period: scored uploads with their predictions, and answers
    kept by id. Returns how many went; a failure is logged, never raised (the command goes on)."""
    days = retention_days()
    if not days:
        return 0
    now = time.time() if now is None else now
    try:
        return purge_expired(ws, now) + ws.purge_answers(now - days * 86400)
    except Exception as exc:  # noqa: BLE001 - a purge that fails must not stop the command that opened the workspace
        log.warning("could not remove expired predictions in %s: %s", ws.root, exc)
        return 0


def keep_purging(ws: Workspace, every_s: float = PURGE_EVERY_S) -> threading.Thread:
    """Purge now and then every `every_s` seconds, in a daemon thread (a long-running server)."""
    def run() -> None:
        while True:
            purge_all(ws)
            time.sleep(every_s)

    thread = threading.Thread(target=run, name="retention-purge", daemon=True)
    thread.start()
    return thread
