"""Job bookkeeping against real OS processes (no AutoGluon): dead-process detection, stop, cancel."""

import subprocess
import sys

import pytest

from automl.store import jobs
from tests.helpers import wait_until

pytestmark = pytest.mark.integration


def _spawn(job_id: str, code: str) -> subprocess.Popen:
    # The job id on the command line is how a job's process is recognised (guards against reused pids).
    return subprocess.Popen([sys.executable, "-c", code, job_id], start_new_session=True)


def _job(ws, job_id="train-1", kind="explain", status="running"):
    ws.add_run("run-1", "ds-1", {"label": "y"})
    job = ws.add_job(job_id, kind, "run-1", status=status)
    jobs.log_path(ws, job).parent.mkdir(parents=True, exist_ok=True)
    return job


def test_a_job_whose_process_died_is_failed_with_its_log_tail(ws):
    job = _job(ws)
    jobs.log_path(ws, job).write_text("loading data\nTraceback: MemoryError\n")
    proc = _spawn(job.id, "pass")
    proc.wait()
    ws.update_job(job.id, pid=proc.pid)
    refreshed = jobs.refresh(ws, job.id)
    assert refreshed.status == "failed"
    assert "MemoryError" in refreshed.message
    assert jobs.read_events(ws, refreshed)[-1]["event"] == "failed"


def test_a_live_job_stays_running(ws):
    job = _job(ws)
    proc = _spawn(job.id, "import time; time.sleep(30)")
    try:
        ws.update_job(job.id, pid=proc.pid)
        assert jobs.refresh(ws, job.id).status == "running"
    finally:
        proc.kill()
        proc.wait()


def test_a_reused_pid_is_not_mistaken_for_the_job(ws):
    job = _job(ws)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        ws.update_job(job.id, pid=other.pid)
        assert jobs.refresh(ws, job.id).status == "failed"
    finally:
        other.kill()
        other.wait()


def test_cancel_kills_the_whole_process_group(ws):
    job = _job(ws)
    # the job process starts a child of its own, as AutoGluon does
    code = ("import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)")
    proc = _spawn(job.id, code)
    ws.update_job(job.id, pid=proc.pid)
    # the child must be running before the cancel, or the test below would pass without a child to kill
    wait_until(lambda: len(jobs.group_members(proc.pid)) >= 2, what="the job's child process starting")
    result = jobs.cancel(ws, job.id, grace_s=2)
    assert result.status == "cancelled"
    assert proc.wait(timeout=10) < 0, "the job process was killed by a signal"
    assert jobs.group_members(proc.pid) == [], "children of the cancelled job are still alive"


def test_stop_asks_politely(ws):
    job = _job(ws)
    proc = _spawn(job.id, "import time; time.sleep(30)")
    try:
        ws.update_job(job.id, pid=proc.pid)
        assert jobs.request_stop(ws, job.id).status == "stopping"
        assert jobs.stop_path(ws, job).exists()
    finally:
        proc.kill()
        proc.wait()


def test_finished_jobs_are_left_alone(ws):
    job = _job(ws, status="succeeded")
    assert jobs.cancel(ws, job.id).status == "succeeded"
    assert jobs.request_stop(ws, job.id).status == "succeeded"


def test_event_log_round_trip_tolerates_a_partial_line(ws):
    job = _job(ws)
    log = jobs.EventLog(jobs.events_path(ws, job))
    log.emit("model_done", model="GBM", score_val=0.9)
    with open(log.path, "a") as fh:
        fh.write('{"event": "model_st')  # being written right now
    events = jobs.read_events(ws, job)
    assert [e["event"] for e in events] == ["model_done"]
    assert events[0]["score_val"] == 0.9


def test_worker_records_failure_of_an_unknown_job_kind(ws):
    job = _job(ws, job_id="odd-1", kind="explain", status="queued")
    # explain job for a run with no model: the worker must record why it failed
    proc = subprocess.run([sys.executable, "-m", "automl.cli.worker", "--workspace", str(ws.root), "--job", job.id],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    record = ws.get_job(job.id)
    assert record.status == "failed"
    assert "no model" in record.message


@pytest.mark.parametrize("status", ["cancelled"])
def test_worker_does_not_start_a_cancelled_job(ws, status):
    job = _job(ws, job_id="late-1", status=status)
    proc = subprocess.run([sys.executable, "-m", "automl.cli.worker", "--workspace", str(ws.root), "--job", job.id],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert ws.get_job(job.id).status == "cancelled"
