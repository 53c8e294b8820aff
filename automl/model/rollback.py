"""Swapping a run's model safely: the old files kept in `rollback/` until the new state is signed.

A shrink or refit (`automl.model.reshape`) builds its new model in `predictor.next`, then swaps it in.
A job that dies half-way leaves `rollback/` (or `predictor.next`) behind, and a run whose files no longer
match its signature; `recover` puts the old model back where someone waits for the run (the app's run choice,
the CLI's commands that open a model, the endpoint's loading), never inside `load_bundle`, which only reads.
"""

from __future__ import annotations

import os
import shutil

from automl.model.run_files import DEPLOY, METRICS, NEXT, PREDICTOR, ROLLBACK, RunFiles
from automl.model.signing import SIGNATURE_FILE
from automl.store import atomic, jobs
from automl.store.workspace import Workspace

__all__ = ["ROLLBACK", "NEXT", "keep_for_rollback", "roll_back", "roll_back_leftovers", "recover"]

# what a swap changes besides the predictor; kept in rollback/ until the new state is signed
SWAPPED = (METRICS, DEPLOY, SIGNATURE_FILE, "test_predictions.parquet", "leaderboard.parquet",
           "validation_predictions.parquet")
RESHAPING_KINDS = ("shrink", "refit")


def keep_for_rollback(files: RunFiles, what: str) -> None:
    """Copy what a swap will change into `rollback/`; its record is written last, so the copy is whole."""
    backup = files.root / ROLLBACK
    shutil.rmtree(backup, ignore_errors=True)
    backup.mkdir()
    kept = [name for name in SWAPPED if (files.root / name).exists()]
    for name in kept:
        shutil.copy2(files.root / name, backup / name)
    atomic.write_json(backup / "kept.json", {"files": kept, "what": what})


def swap_predictor(files: RunFiles) -> None:
    """The old predictor into `rollback/`, the new one (`predictor.next`) into its place."""
    os.rename(files.predictor, files.root / ROLLBACK / PREDICTOR)
    os.rename(files.root / NEXT, files.predictor)


def swap_done(files: RunFiles) -> None:
    shutil.rmtree(files.root / ROLLBACK, ignore_errors=True)


def roll_back(files: RunFiles) -> None:
    """Put the run back as it was before the swap began (or drop a swap that had not begun)."""
    backup = files.root / ROLLBACK
    record = atomic.read_json(backup / "kept.json")
    if record is None:  # the swap had not begun: the run was never touched
        shutil.rmtree(backup, ignore_errors=True)
        shutil.rmtree(files.root / NEXT, ignore_errors=True)
        return
    if (backup / PREDICTOR).exists():
        shutil.rmtree(files.predictor, ignore_errors=True)
        os.rename(backup / PREDICTOR, files.predictor)
    for name in SWAPPED:
        if name in record["files"]:
            os.replace(backup / name, files.root / name)
        else:
            (files.root / name).unlink(missing_ok=True)
    shutil.rmtree(files.root / NEXT, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)


def recover(ws: Workspace, run_id: str) -> bool:
    """Put the old model back if a shrink or refit of this run died half-way (none is running now)."""
    files = RunFiles(ws.run_dir(run_id))
    if not files.half_swapped:
        return False
    if any(jobs.refresh(ws, j.id).status in jobs.ACTIVE for kind in RESHAPING_KINDS
           for j in ws.list_jobs(kind=kind, run_id=run_id)):
        return False
    roll_back(files)
    return True


def roll_back_leftovers(ws: Workspace, run_id: str) -> None:
    """The calling job holds the run (one at a time per run): anything half-done is an earlier job's, undo it."""
    files = RunFiles(ws.run_dir(run_id))
    if files.half_swapped:
        roll_back(files)
