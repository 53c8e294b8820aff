"""Permutation feature importance of the deployed model on the test split (AutoGluon's `feature_importance`),
with confidence intervals, as a background job."""

from __future__ import annotations

from typing import Callable

import pandas as pd

from automl.model.bundle import load_bundle, load_predictor
from automl.model.run_files import RunFiles
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace

__all__ = ["run_importance_job", "load_importance", "CONFIDENCE"]

CONFIDENCE = 0.95


def run_importance_job(ws: Workspace, job: JobRecord, events: jobs.EventLog, should_stop: Callable[[], bool]) -> str:
    from automl.model.model_input import to_model_input
    from automl.model.inference import model_frame

    from automl.model.forecast_run import is_forecast

    if is_forecast(ws.get_run(job.run_id)):  # which columns a forecast uses: its own reckoning
        from automl.evaluation.forecast_importance import run_forecast_importance_job

        return run_forecast_importance_job(ws, job, events, should_stop)
    params = atomic.read_json(jobs.params_path(ws, job), {}) or {}
    bundle = load_bundle(ws, job.run_id)
    predictor = load_predictor(bundle)
    raw = pd.read_parquet(bundle.files.test_rows)
    data = model_frame(bundle, to_model_input(bundle.schema, raw)[0]).assign(
        **{bundle.label: raw[bundle.label].to_numpy()})
    shuffles = int(params.get("shuffles", 5))
    events.emit("progress", done=0, total=shuffles)
    frame = predictor.feature_importance(data, model=bundle.measured_model, num_shuffle_sets=shuffles,
                                         subsample_size=min(5000, len(data)), include_confidence_band=True,
                                         confidence_level=CONFIDENCE, silent=True)
    events.emit("progress", done=shuffles, total=shuffles)
    frame = frame.reset_index().rename(columns={"index": "feature"})
    atomic.write_parquet(bundle.files.importance, frame)
    return "succeeded"


def load_importance(ws: Workspace, run_id: str) -> pd.DataFrame | None:
    path = RunFiles(ws.run_dir(run_id)).importance
    return pd.read_parquet(path) if path.exists() else None
