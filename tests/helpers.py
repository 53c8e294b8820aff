"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_data"
FAST_MODELS = ["GBM", "XGB"]


def run_cli(*args: str, workspace: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "automl.cli", *args]
    if workspace is not None:
        cmd += ["--workspace", str(workspace)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def wait_for(ws, job_id: str, timeout: float = 300):
    from automl.store import jobs

    deadline = time.time() + timeout
    while time.time() < deadline:
        job = jobs.refresh(ws, job_id)
        if job.status not in jobs.ACTIVE:
            return job
        time.sleep(0.3)
    raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")


