"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_data"
FAST_MODELS = ["GBM", "XGB"]


def run_cli(*args: str, workspace: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "automl.cli", *args]
    if workspace is not None:
        cmd += ["--workspace", str(workspace)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)


@contextmanager
def serving(workspace: Path, name: str, *extra: str) -> Iterator[str]:
    """`automl-studio serve NAME [extra options]` on a free port, as a user starts it; yields its URL once /health
    answers (fails with its log when it exits first)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = workspace.parent / f"serve-{name}-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "automl.cli", "serve", name, "--port", str(port),
                                 "--workspace", str(workspace), *extra], cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    with urllib.request.urlopen(url + "/health", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None:
                        raise AssertionError("the endpoint exited: " + log_path.read_text()[-2000:]) from None
                    time.sleep(0.3)
            else:
                raise AssertionError("the endpoint did not start: " + log_path.read_text()[-2000:])
            yield url
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until(condition, timeout: float = 60, what: str = "the condition") -> None:
    """Poll `condition()` until it holds; fail after `timeout` seconds. Tests wait on conditions, never on a
    fixed sleep that passes vacuously when the machine is slow."""
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.05)


def wait_for(ws, job_id: str, timeout: float = 300):
    from automl.store import jobs

    deadline = time.time() + timeout
    while time.time() < deadline:
        job = jobs.refresh(ws, job_id)
        if job.status not in jobs.ACTIVE:
            return job
        time.sleep(0.3)
    raise TimeoutError(f"job {job_id} still {job.status} after {timeout} s")




def score_drifting_batches(ws, run_id: str, name: str) -> None:
    """Deploy `run_id` (titanic) as `name` and score eight batches through it, as `predict NAME` does: from
    the sixth on, ages are 40 years older; the seventh has no age at all; the eighth has 12 rows. Answers are
    kept by `name` (the id), so outcomes can be added."""
    import numpy as np
    import pandas as pd

    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.files import predict_csv
    from automl.monitoring.record import record_batch
    from automl.serving import deployments

    deployments.deploy(ws, run_id, name)
    bundle = load_bundle(ws, run_id)
    predictor = load_predictor(bundle)
    rows = pd.read_csv(SAMPLES / "titanic.csv").drop(columns=["survived"])
    rng = np.random.default_rng(0)
    for i in range(8):
        batch = rows.sample(300 if i < 7 else 12, random_state=i).copy()
        if i >= 5:
            batch["age"] = batch["age"] + 40 + rng.normal(0, 2, len(batch))
        if i == 6:
            batch["age"] = np.nan
        path = ws.root / f"batch{i}.csv"
        batch.to_csv(path, index=False)
        report = predict_csv(predictor, bundle, path, ws.root / f"out{i}.csv", id_column="name")
        record_batch(ws, name, bundle, report, file=path.name)


def used_cars(n: int = 600, seed: int = 0):
    """A used-car table shaped like the one a newcomer tried (issue 20): whole-number columns with few values
    (2 or 4 doors), 0/1 options, and a make and a body type each spread over one-hot 0/1 columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    makes, kinds = ["Buick", "Cadillac", "Chevy", "Pontiac", "Saab", "Saturn"], ["convertible", "coupe", "sedan"]
    make = rng.choice(makes, n, p=[0.1, 0.1, 0.4, 0.2, 0.1, 0.1])
    kind = rng.choice(kinds, n, p=[0.2, 0.3, 0.5])
    df = pd.DataFrame({"Mileage": rng.integers(300, 50_000, n), "Cylinder": rng.choice([4, 6, 8], n),
                       "Doors": rng.choice([2, 4], n), "Cruise": rng.integers(0, 2, n),
                       "Leather": rng.integers(0, 2, n)})
    for m in makes:
        df[m] = (make == m).astype(int)
    for k in kinds:
        df[k] = (kind == k).astype(int)
    df["Price"] = (12_000 + 2_500 * df["Cylinder"] - 0.15 * df["Mileage"] + 14_000 * df["Cadillac"]
                   + 9_000 * df["Saab"] + 3_000 * df["convertible"] + rng.normal(0, 1_200, n)).round(2)
    return df


def copy_workspace(source: Path, dest: Path) -> Path:
    """A copy of a workspace folder. SQLite's -wal and -shm files come and go while another connection
    closes (a job ending): a copy that meets one vanishing is taken again."""
    import shutil

    for attempt in range(5):
        try:
            shutil.copytree(source, dest)
            return dest
        except shutil.Error:
            shutil.rmtree(dest, ignore_errors=True)
            if attempt == 4:
                raise
            time.sleep(0.2)
    return dest
