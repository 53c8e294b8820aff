"""A batch file scored on a Ray cluster from the app, as a job (the app's own process never joins a
cluster): the Predict page's folder of the batch gets its predictions and report, and a batch scored
through a deployment is recorded under it, as when it is scored here."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from automl.model.bundle import load_bundle
from automl.model.ray_scoring import predict_csv_on_ray
from automl.monitoring.record import record_batch
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace

__all__ = ["run_ray_batch_job"]


def run_ray_batch_job(ws: Workspace, job: JobRecord, events: jobs.EventLog,
                      should_stop: Callable[[], bool]) -> str:
    """params: input, output, report (paths), address, id_column, deployment, rows (an estimate)."""
    params = atomic.read_json(jobs.params_path(ws, job), {}) or {}
    bundle = load_bundle(ws, job.run_id)
    total = int(params.get("rows") or 1)
    events.emit("progress", done=0, total=total)
    report, nodes = predict_csv_on_ray(bundle, params["input"], params["output"], params["address"],
                                       id_column=params.get("id_column"),
                                       on_progress=lambda n: events.emit("progress", done=n, total=max(n, total)))
    lines = report.lines() + [f"Scored on the Ray cluster at {params['address']} by actors on {len(nodes)} node(s)."]
    atomic.write_json(Path(params["report"]), {"lines": lines, "drift": report.drift, "rows": report.rows})
    record_batch(ws, params.get("deployment"), bundle, report, file=params.get("file_name") or "",
                 unreadable=report.coerced_to_missing, executor="ray")
    return "succeeded"
