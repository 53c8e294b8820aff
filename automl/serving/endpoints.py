"""A deployment's endpoint as a background process the app starts and stops: `automl-studio serve NAME`
in its own process session, so it keeps serving when the page changes or the app restarts. Its port, pid
and start time are kept in the deployment's folder; whether it still runs is asked of the OS (psutil), and
what it has served of the endpoint itself (`/metrics`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import psutil

from automl.errors import DeploymentError
from automl.serving.ports import free_port
from automl.store import atomic
from automl.store.workspace import Workspace

__all__ = ["Endpoint", "start_endpoint", "endpoint_status", "stop_endpoint", "endpoint_usage"]


@dataclass(frozen=True)
class Endpoint:
    name: str
    port: int
    pid: int
    started_at: float
    running: bool
    healthy: bool
    model: str | None = None
    engine: str = "autogluon"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _record(ws: Workspace, name: str):
    return ws.deployment_dir(name) / "endpoint.json"


def _alive(pid: int, name: str) -> bool:
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and "serve" in process.cmdline() and name in process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
            return json.load(r)
    except (OSError, ValueError):
        return None


def endpoint_status(ws: Workspace, name: str) -> Endpoint | None:
    """The endpoint last started for `name`, whether it still runs and answers; None if never started."""
    record = atomic.read_json(_record(ws, name))
    if not record:
        return None
    running = _alive(record["pid"], name)
    health = _health(record["port"]) if running else None
    return Endpoint(name, record["port"], record["pid"], record["started_at"], running, health is not None,
                    (health or {}).get("model"), record.get("engine", "autogluon"))


def start_endpoint(ws: Workspace, name: str, port: int | None = None, wait_s: float = 120.0,
                   engine: str = "autogluon") -> Endpoint:
    """Start `automl-studio serve NAME [--engine onnx]` on 127.0.0.1 (a free port from 8000) and wait until it
    answers."""
    current = endpoint_status(ws, name)
    if current is not None and current.running:
        return current
    if ws.get_deployment(name) is None:
        raise DeploymentError(f"No deployment {name!r} to serve.")
    port = port or free_port(wanted=8000, tries=200)
    folder = ws.deployment_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "endpoint.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "automl.cli", "serve", name, "--port", str(port),
                                    "--workspace", str(ws.root), "--engine", engine], stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    atomic.write_json(_record(ws, name), {"pid": process.pid, "port": port, "started_at": time.time(),
                                          "engine": engine})
    deadline = time.time() + wait_s
    while time.time() < deadline:
        if process.poll() is not None:
            tail = (folder / "endpoint.log").read_text(errors="replace")[-600:]
            raise DeploymentError(f"The endpoint of {name} stopped at start:\n{tail}")
        if _health(port) is not None:
            break
        time.sleep(0.3)
    return endpoint_status(ws, name)


def stop_endpoint(ws: Workspace, name: str, grace_s: float = 10.0) -> None:
    """Stop the endpoint's process (its whole process session): SIGTERM, then SIGKILL after `grace_s`."""
    current = endpoint_status(ws, name)
    if current is None or not current.running:
        return
    os.killpg(current.pid, signal.SIGTERM)
    deadline = time.time() + grace_s
    while time.time() < deadline and _alive(current.pid, name):
        time.sleep(0.1)
    if _alive(current.pid, name):
        os.killpg(current.pid, signal.SIGKILL)


def endpoint_usage(endpoint: Endpoint) -> dict[str, float | None] | None:
    """Requests answered, errors and mean latency of /v1/predict (a forecast: /v1/forecast) so far, from the
    endpoint's /metrics (no latency before the first request)."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(endpoint.url + "/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    requests = errors = seconds = count = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get("path") not in ("/v1/predict", "/v1/forecast"):
                continue
            if sample.name == "automl_requests_total":
                requests += sample.value
                errors += sample.value if not sample.labels.get("status", "").startswith("2") else 0
            elif sample.name == "automl_request_seconds_sum":
                seconds += sample.value
            elif sample.name == "automl_request_seconds_count":
                count += sample.value
    return {"requests": requests, "errors": errors, "mean_ms": 1000 * seconds / count if count else None}
