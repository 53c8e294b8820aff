"""The training queue: one at a time by default, first in first out, removable, and never stuck."""

import subprocess
import sys

import pytest

from automl.store import jobs


@pytest.fixture
def spawned(monkeypatch):
    started = []
    monkeypatch.setattr(jobs, "_spawn", lambda ws, job: started.append(job.id))
    return started


def _queued(ws, n):
    ids = []
    for i in range(n):
        ws.add_run(f"run-{i}", "ds-1", {"label": "y"})
        ids.append(jobs.start(ws, "train", job_id=f"run-{i}").id)
    return ids


def test_second_training_waits_and_starts_first_in_first_out(ws, spawned, monkeypatch):
    monkeypatch.delenv("AUTOML_STUDIO_MAX_TRAINING", raising=False)
    _queued(ws, 3)
    assert spawned == ["run-0"]
    assert [j.id for j in jobs.queue(ws)] == ["run-1", "run-2"]
    assert ws.get_job("run-0").status == "starting"
    # the first one finishes: the next in line gets the slot
    ws.update_job("run-0", status="succeeded")
    assert jobs.pump(ws) == ["run-1"]
    assert [j.id for j in jobs.queue(ws)] == ["run-2"]


def test_the_limit_is_configurable(ws, spawned, monkeypatch):
    monkeypatch.setenv("AUTOML_STUDIO_MAX_TRAINING", "2")
    _queued(ws, 3)
    assert spawned == ["run-0", "run-1"]


def test_a_queued_run_can_be_removed(ws, spawned):
    _queued(ws, 2)
    removed = jobs.cancel(ws, "run-1")
    assert removed.status == "cancelled" and "queue" in removed.message
    assert jobs.queue(ws) == []
    assert jobs.request_stop(ws, "run-1").status == "cancelled"


def test_a_dead_run_frees_its_slot(ws, spawned):
    _queued(ws, 2)
    proc = subprocess.Popen([sys.executable, "-c", "pass", "run-0"])
    proc.wait()
    ws.update_job("run-0", status="running", pid=proc.pid)
    assert jobs.pump(ws) == ["run-1"]
    assert ws.get_job("run-0").status == "failed"


def test_other_jobs_do_not_queue(ws, spawned):
    _queued(ws, 1)
    ws.add_run("run-x", "ds-1", {"label": "y"})
    job = jobs.start(ws, "explain", run_id="run-x")
    assert job.status == "starting" and job.id in spawned


def test_a_client_waiting_on_its_queued_job_moves_the_queue(ws, spawned):
    _queued(ws, 2)
    ws.update_job("run-0", status="failed")
    assert jobs.refresh(ws, "run-1").status == "starting"
