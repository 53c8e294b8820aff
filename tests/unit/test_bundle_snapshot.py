"""A read that only reads (issue 31, 4): `load_bundle` is a snapshot of the run's files read once; it neither
moves the job queue along nor repairs a half-done model swap; the endpoint loads the run again when its signed
files change, instead of re-reading them on every request."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from automl.errors import RunNotReadyError
from automl.model.run_files import SIGNED, RunFiles
from automl.model.schema import InputSchema
from automl.model.scoring import RunMetrics
from automl.model.signing import stat_stamp
from automl.store import atomic


def _finished_run(ws, run_id: str = "run-1") -> RunFiles:
    ws.add_run(run_id, "ds-1", {"label": "y", "problem_type": "binary"}, job_kind="train")
    ws.update_job(run_id, status="succeeded")
    files = RunFiles(ws.run_dir(run_id))
    files.predictor.mkdir(parents=True)
    atomic.write_json(files.schema, InputSchema("y", "binary", ()).to_dict())
    atomic.write_json(files.metrics, RunMetrics("binary", "roc_auc", None, best_model="GBM").to_dict())
    atomic.write_json(files.threshold, {"threshold": 0.3, "chosen_by": "f1", "source": "evaluate"})
    atomic.write_json(files.model, {"complete": True})
    return files


def test_a_bundle_is_read_once_and_a_new_load_sees_a_change(ws):
    from automl.model.bundle import load_bundle

    files = _finished_run(ws)
    bundle = load_bundle(ws, "run-1")
    atomic.write_json(files.threshold, {"threshold": 0.7, "chosen_by": "f1", "source": "evaluate"})
    atomic.write_json(files.deploy, {"model": "Chosen_L1"})
    assert bundle.threshold == 0.3 and bundle.deployed_model == "GBM"  # the snapshot, not the file now
    again = load_bundle(ws, "run-1")
    assert again.threshold == 0.7 and again.deployed_model == "Chosen_L1"


def test_loading_a_bundle_neither_moves_the_queue_nor_repairs_a_swap(ws, monkeypatch):
    from automl.model import bundle as bundle_mod
    from automl.store import jobs

    files = _finished_run(ws)
    ws.add_run("run-2", "ds-1", {"label": "y"}, job_kind="train")  # queued behind nothing: a pump would start it
    called = []
    monkeypatch.setattr(jobs, "pump", lambda *a, **k: called.append("pump"))
    monkeypatch.setattr(jobs, "refresh", lambda *a, **k: called.append("refresh"))
    (files.root / "rollback").mkdir()  # a shrink's leftovers
    bundle_mod.load_bundle(ws, "run-1")
    with pytest.raises(RunNotReadyError, match="is waiting to start"):
        bundle_mod.load_bundle(ws, "run-2")
    assert not called and (files.root / "rollback").exists()  # the read only read


class _Verified:
    """A predictor as `load_predictor` marks it: which run folder, and its signed files' stamp at load."""

    def __init__(self, root) -> None:
        self._automl_studio_verified = (str(root), stat_stamp(root, SIGNED))


def test_the_endpoint_loads_the_run_again_when_its_signed_files_change(ws):
    from automl.serving.holder import ModelHolder, Served

    files = _finished_run(ws)
    loads = []

    def loader(_ws, run_id: str) -> Served:
        loads.append(run_id)
        return Served(run_id, SimpleNamespace(run_dir=files.root), _Verified(files.root), time.time())

    holder = ModelHolder(ws, "run-1", None, loader=loader, check_every_s=0.0)
    holder.current()
    assert loads == ["run-1"]  # nothing changed: no second load
    time.sleep(0.01)
    atomic.write_json(files.threshold, {"threshold": 0.7, "chosen_by": "f1", "source": "evaluate"})  # on Evaluate
    deadline = time.monotonic() + 10
    while len(loads) < 2 and time.monotonic() < deadline:
        holder.current()
        time.sleep(0.02)
    assert loads == ["run-1", "run-1"]
