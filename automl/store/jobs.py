"""Background jobs, each in its own OS process (own session, so it survives the UI and can be killed as a group).

A job row lives in the catalogue; its folder holds `events.jsonl` (JSON lines the pages poll), its log and
a stop file. A job whose process died is marked failed, with the end of its log, on the next read.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Literal

import psutil

from automl import settings
from automl.store import atomic
from automl.store.workspace import JobRecord, Workspace

__all__ = [
    "ACTIVE", "FINAL", "JobStatus", "EventLog", "start", "refresh", "request_stop", "cancel",
    "read_events", "log_tail", "events_path", "log_path", "stop_path", "params_path", "new_job_id",
    "group_members", "pump", "queue", "max_training", "RUNNING",
]

log = logging.getLogger(__name__)

JobStatus = Literal["queued", "starting", "running", "stopping", "succeeded", "stopped", "failed", "cancelled"]
ACTIVE: tuple[str, ...] = ("queued", "starting", "running", "stopping")
RUNNING: tuple[str, ...] = ("starting", "running", "stopping")  # holding a slot
QUEUED_KINDS = ("train",)
# Jobs that write one run's files (explanations, importance): one at a time per run, the others wait.
RUN_KINDS = ("explain", "importance", "shrink", "refit")
FINAL: tuple[str, ...] = ("succeeded", "stopped", "failed", "cancelled")
_START_GRACE_S = 120.0  # a queued job whose process never reported in is failed after this
_children: dict[int, subprocess.Popen] = {}


def new_job_id(prefix: str) -> str:
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def events_path(ws: Workspace, job: JobRecord) -> Path:
    return ws.job_dir(job) / "events.jsonl"


def log_path(ws: Workspace, job: JobRecord) -> Path:
    return ws.job_dir(job) / ("train.log" if job.kind == "train" else "job.log")


def stop_path(ws: Workspace, job: JobRecord) -> Path:
    return ws.job_dir(job) / "STOP"


def params_path(ws: Workspace, job: JobRecord) -> Path:
    return ws.job_dir(job) / "params.json"


class EventLog:
    """Append-only JSON-lines file; picklable (it holds a path only)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)

    def emit(self, event: str, **fields: Any) -> None:
        record = {"t": time.time(), "event": event, **fields}
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")


def start(ws: Workspace, kind: str, *, job_id: str | None = None, run_id: str | None = None,
          params: dict[str, Any] | None = None) -> JobRecord:
    """Record a job and launch `python -m automl.cli.worker` for it in a new process session.

    Training jobs wait in a queue while `max_training()` of them run; other jobs start at once.
    """
    job = ws.add_job(job_id or new_job_id(kind), kind, run_id)
    folder = ws.job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_json(params_path(ws, job), params or {})
    if kind in QUEUED_KINDS:
        EventLog(events_path(ws, job)).emit("queued")
        pump(ws)
    elif kind in RUN_KINDS and run_id is not None:
        EventLog(events_path(ws, job)).emit("queued")
        _pump_run(ws, run_id)
    elif ws.update_job(job.id, status="starting", only_if_status=("queued",)):
        _spawn(ws, job)
    return ws.get_job(job.id)


def max_training() -> int:
    """How many training jobs may run at once (`AUTOML_STUDIO_MAX_TRAINING`, default 1 on a small machine)."""
    return max(1, settings.MAX_TRAINING.whole())


def pump(ws: Workspace) -> list[str]:
    """Start queued training jobs while slots are free; returns the ids started. Safe to call from anywhere."""
    for job in ws.list_jobs(kind="train"):
        if job.status in RUNNING:
            _check(ws, job)
    started = []
    while (job := ws.claim_next_queued("train", max_training())) is not None:
        _spawn(ws, job)
        started.append(job.id)
    waiting_runs = {j.run_id for kind in RUN_KINDS for j in ws.list_jobs(kind=kind)
                    if j.status == "queued" and j.run_id}
    for run_id in waiting_runs:
        started += _pump_run(ws, run_id)
    return started


def _pump_run(ws: Workspace, run_id: str) -> list[str]:
    """Start the next job waiting on this run, if no other job holds it."""
    for kind in RUN_KINDS:
        for job in ws.list_jobs(kind=kind, run_id=run_id):
            if job.status in RUNNING:
                _check(ws, job)
    job = ws.claim_next_for_run(run_id, RUN_KINDS)
    if job is None:
        return []
    _spawn(ws, job)
    return [job.id]


def queue(ws: Workspace) -> list[JobRecord]:
    """Training jobs waiting to start, first in line first."""
    return sorted((j for j in ws.list_jobs(kind="train") if j.status == "queued"), key=lambda j: j.created_at)


def _spawn(ws: Workspace, job: JobRecord) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with open(log_path(ws, job), "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "automl.cli.worker", "--workspace", str(ws.root), "--job", job.id],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, close_fds=True,
        )
    _children[proc.pid] = proc
    ws.update_job(job.id, pid=proc.pid)
    log.info("started %s job %s (pid %s)", job.kind, job.id, proc.pid)


def refresh(ws: Workspace, job_id: str) -> JobRecord:
    """The job's current record; an active job whose process is gone is marked failed here.

    A queued job is also offered a free slot, so a client waiting on its job moves the queue along.
    """
    job = ws.get_job(job_id)
    if job.status == "queued":
        pump(ws)
        return ws.get_job(job_id)
    if job.status in RUNNING:
        _check(ws, job)
    return ws.get_job(job_id)


def _check(ws: Workspace, job: JobRecord) -> None:
    if job.pid is None:
        if time.time() - job.created_at > _START_GRACE_S and job.status == "starting":
            _mark_dead(ws, job, "its process never started")
    elif not _is_alive(job.pid, job.id):
        _mark_dead(ws, job, "its process ended without reporting a result (the machine or server may have "
                            "restarted, or it ran out of memory)")


def request_stop(ws: Workspace, job_id: str) -> JobRecord:
    """Ask the job to finish after the current step and keep what it has (training: the best model so far)."""
    job = refresh(ws, job_id)
    if job.status == "queued":
        return cancel(ws, job_id)  # nothing to keep yet: leave the queue
    if job.status in ("starting", "running"):
        stop_path(ws, job).touch()
        ws.update_job(job.id, status="stopping", only_if_status=("starting", "running"))
    return ws.get_job(job_id)


def cancel(ws: Workspace, job_id: str, grace_s: float = 5.0) -> JobRecord:
    """Kill the job's whole process group now; nothing it made is offered afterwards."""
    job = refresh(ws, job_id)
    if job.status not in ACTIVE:
        return job
    ws.update_job(job.id, status="cancelled", finished_at=time.time(),
                  message="Removed from the queue." if job.status == "queued" else "Cancelled by the user.",
                  only_if_status=ACTIVE)
    if job.pid:
        _kill_group(job.pid, job.id, grace_s)
    if job.kind in QUEUED_KINDS + RUN_KINDS:
        pump(ws)  # its slot is free
    return ws.get_job(job_id)


def read_events(ws: Workspace, job: JobRecord) -> list[dict[str, Any]]:
    events = []
    try:
        with open(events_path(ws, job), encoding="utf-8") as fh:
            for line in fh:
                try:
                    events.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line being written right now
    except FileNotFoundError:
        pass
    return events


def log_tail(ws: Workspace, job: JobRecord, lines: int = 30) -> str:
    path = log_path(ws, job)
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64_000))
            text = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _mark_dead(ws: Workspace, job: JobRecord, why: str) -> None:
    tail = log_tail(ws, job, 15)
    message = f"Interrupted: the {job.kind} job stopped unexpectedly; {why}."
    if tail:
        message += f"\nLast lines of its log:\n{tail}"
    if ws.update_job(job.id, status="failed", finished_at=time.time(), message=message, only_if_status=ACTIVE):
        EventLog(events_path(ws, job)).emit("failed", reason=why)


def _is_alive(pid: int, job_id: str) -> bool:
    """Whether the job's process still runs (psutil: Linux, macOS and Windows alike)."""
    proc = _children.get(pid)
    if proc is not None and proc.poll() is not None:  # our child and it exited: reaped now
        _children.pop(pid, None)
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return any(job_id in part for part in process.cmdline())  # guards against a reused pid
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return False  # gone, or a process of another user: never one of our jobs


def _kill_group(pid: int, job_id: str, grace_s: float) -> None:
    """SIGTERM the job's process group, then SIGKILL whatever of it is still alive after `grace_s`."""
    if not _is_alive(pid, job_id):
        return
    for sig, wait in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.time() + wait
        while time.time() < deadline:
            _is_alive(pid, job_id)  # reaps the leader if it is our child
            if not group_members(pid):
                return
            time.sleep(0.1)


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group."""
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if process.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(process.pid) == pgid:
                members.append(process.pid)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return members
