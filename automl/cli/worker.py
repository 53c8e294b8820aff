"""Entry point of a job process: `python -m automl.cli.worker --workspace DIR --job ID`.

It marks the job running, runs the function registered for the job's kind, and records the outcome.
Every kind's function has the signature `run(ws, job, events, should_stop) -> "succeeded" | "stopped"`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback

from automl.store import jobs
from automl.store.workspace import Workspace

KINDS = {
    "train": "automl.training.fit:run_training_job",
    "explain": "explain.shap_values:run_shap_job",
    "importance": "automl.evaluation.importance:run_importance_job",
    "shrink": "automl.model.reshape:run_shrink_job",
    "refit": "automl.model.reshape:run_refit_job",
    "ray_batch": "automl.monitoring.batch:run_ray_batch_job",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="automl.cli.worker")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--job", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ws = Workspace(args.workspace)
    job = ws.get_job(args.job)
    if not ws.update_job(job.id, status="running", pid=os.getpid(), started_at=time.time(),
                         only_if_status=("starting", "queued")):
        print(f"job {job.id} is {ws.get_job(job.id).status}; not starting", flush=True)
        return 0
    events = jobs.EventLog(jobs.events_path(ws, job))
    stop_file = jobs.stop_path(ws, job)
    events.emit("started", kind=job.kind, pid=os.getpid())
    try:
        module_name, func_name = KINDS[job.kind].split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        outcome = func(ws, job, events, stop_file.exists)
    except BaseException as exc:  # noqa: BLE001 - the job's result must be recorded whatever happened
        traceback.print_exc()
        reason = f"{type(exc).__name__}: {exc}"
        ws.update_job(job.id, status="failed", finished_at=time.time(), message=reason,
                      only_if_status=jobs.ACTIVE)
        events.emit("failed", reason=reason)
        jobs.pump(ws)  # let the next queued training start
        return 1
    ws.update_job(job.id, status=outcome, finished_at=time.time(), only_if_status=jobs.ACTIVE)
    events.emit("finished", status=outcome)
    jobs.pump(ws)
    return 0


def _shutdown_ray() -> None:
    """Stop the Ray runtime the job started (AutoGluon's parallel folds), or leave the cluster it joined:
    `os._exit` below skips Ray's own exit hook, which would leave its node processes behind."""
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        try:
            ray.shutdown()
        except Exception:  # noqa: BLE001 - the job's outcome is recorded; a leftover is logged
            traceback.print_exc()


if __name__ == "__main__":
    try:
        code = main()
    finally:
        _shutdown_ray()
        from automl.cli.main import stop_workers

        stop_workers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip native teardown, which pyarrow can abort (apache/arrow#34314); the result is recorded
