"""A disk that fills up while a finished training writes its artifacts: the run fails with the reason, no
half-written file is left under an artifact's name, and the run is never offered as a model."""

import errno
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from automl.cli import worker
from automl.errors import RunNotReadyError
from automl.model import bundle
from automl.store import atomic
from automl.training.config import TrainConfig, resolve_config
from tests.helpers import SAMPLES


def test_a_full_disk_at_the_last_write_leaves_no_model(ws, monkeypatch):
    real = atomic.atomic_path
    failed = []

    @contextmanager
    def disk_full_at_model_json(target):
        with real(target) as tmp:
            yield tmp
            if Path(target).name == "model.json":
                Path(tmp).write_bytes(b'{"predictor": "predic')  # the start of the file, then the disk is full
                failed.append(target)
                raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "atomic_path", disk_full_at_model_json)
    dataset = ws.add_dataset(pd.read_csv(SAMPLES / "penguins.csv"), "penguins.csv")
    config = resolve_config(ws, TrainConfig(dataset.id, "species", time_limit=10, model_families=("GBM",)))
    run_id = "run-disk-full"
    ws.add_run(run_id, dataset.id, config.to_dict())
    atomic.write_json(ws.run_dir(run_id) / "config.json", config.to_dict())
    ws.add_job(run_id, "train", run_id)

    assert worker.main(["--workspace", str(ws.root), "--job", run_id]) == 1  # in this process, not spawned
    assert failed, "the fault was never reached"
    job = ws.get_job(run_id)
    assert job.status == "failed" and "No space left on device" in job.message
    run_dir = ws.run_dir(run_id)
    assert not (run_dir / "model.json").exists()
    assert not list(run_dir.glob(".*.tmp")), "a temporary file was left behind"
    assert run_id not in bundle.ready_runs(ws)
    with pytest.raises(RunNotReadyError, match="failed"):
        bundle.load_bundle(ws, run_id)
    # what was written before the fault is whole, not cut short
    assert pd.read_parquet(run_dir / "leaderboard.parquet").shape[0] >= 1
