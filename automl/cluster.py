"""Ray: the cluster a training job or a batch scoring joins when one is configured.

The default is unchanged: jobs are local processes (AutoGluon starts a private Ray runtime of its own
for parallel bagged folds). With `AUTOML_STUDIO_RAY_ADDRESS` (or `train --ray`, `predict --ray`, the Train
and Predict pages' setting) a job connects to that cluster before fitting, and AutoGluon's folds and
parallel fits are scheduled over its nodes.

A cluster of several machines needs the workspace on storage every node can reach (the same path on
each): folds write their models into the run's folder, and scoring actors read the bundle from it.
`check_workspace_visible` says which node cannot, before anything starts.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from automl import settings
from automl.errors import ClusterError

__all__ = ["RAY_ADDRESS_ENV", "ClusterInfo", "configured_address", "resolve_address", "check_reachable", "connect",
           "cluster_info", "describe", "check_workspace_visible", "nodes_that_ran", "start_local"]

RAY_ADDRESS_ENV = settings.RAY_ADDRESS.name
_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ClusterInfo:
    address: str
    nodes: int
    cpus: int
    gpus: int
    memory_gb: float
    node_ids: tuple[str, ...]

    def line(self) -> str:
        return (f"Ray cluster at {self.address}: {self.nodes} node(s), {self.cpus} CPU(s), {self.gpus} GPU(s), "
                f"{self.memory_gb:,.1f} GB of memory")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["node_ids"] = list(self.node_ids)
        return d


def configured_address(explicit: str | None = None) -> str | None:
    """The cluster to use: the one given, else `AUTOML_STUDIO_RAY_ADDRESS`, else none (local)."""
    value = (explicit if explicit is not None else settings.RAY_ADDRESS.text()).strip()
    return value or None


def resolve_address(address: str) -> str:
    """host:port; "auto" is the cluster started on this machine by `ray start --head`."""
    if address.strip().lower() != "auto":
        return address.strip()
    current = Path(os.environ.get("RAY_TMPDIR", "/tmp")) / "ray" / "ray_current_cluster"
    try:
        return current.read_text().strip()
    except OSError:
        raise ClusterError("No Ray cluster was started on this machine (`ray start --head`), so 'auto' finds "
                           "none: give its address as host:port.") from None


def _host_port(address: str) -> tuple[str, int]:
    if address.startswith("ray://"):
        raise ClusterError(f"{address!r} is a Ray Client address; give the cluster's GCS address instead "
                           "(host:port, 6379 by default, as `ray start --head` prints it).")
    host, _, port = address.split("://", 1)[-1].rstrip("/").rpartition(":")
    if not host or not port.isdigit():
        raise ClusterError(f"{address!r} is not a Ray cluster address: write it as host:port (for example "
                           "127.0.0.1:6379, as `ray start --head` prints it).")
    return host, int(port)


def check_reachable(address: str, timeout_s: float = _CONNECT_TIMEOUT_S) -> None:
    """Fail at once, with a one-line reason, when nothing answers at the cluster's address (Ray itself
    would retry for a minute or more)."""
    host, port = _host_port(resolve_address(address))
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise ClusterError(f"Cannot reach the Ray cluster at {address} ({exc.strerror or exc}). Start it "
                           f"(`ray start --head`) or clear the address ({RAY_ADDRESS_ENV}, --ray, or the "
                           "setting on the page) to train on this machine.") from None


def connect(address: str) -> ClusterInfo:
    """Join the cluster from this process (a job): checked first, so an unreachable one fails at once."""
    import ray

    check_reachable(address)
    address = resolve_address(address)
    if not ray.is_initialized():
        try:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR,
                     namespace="automl-studio")
        except Exception as exc:  # Ray's many connection errors, as one reason
            raise ClusterError(f"Could not join the Ray cluster at {address}: {str(exc).splitlines()[0]}") from exc
    return cluster_info(address)


def start_local(cpus: int, gpus: int = 0) -> None:
    """A private Ray runtime for this job's parallel folds (what AutoGluon would start), started as a new
    local instance on purpose: a bare `ray.init()` joins any cluster already running on this machine (for
    example one started with `ray start`), where AutoGluon's resource arguments are refused."""
    import ray

    if not ray.is_initialized():
        ray.init(address="local", num_cpus=cpus, num_gpus=gpus, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)


def cluster_info(address: str = "") -> ClusterInfo:
    """Alive nodes and their resources, from a process connected to the cluster."""
    import ray

    alive = [n for n in ray.nodes() if n.get("Alive")]
    total = ray.cluster_resources()
    return ClusterInfo(address, len(alive), int(total.get("CPU", 0)), int(total.get("GPU", 0)),
                       round(total.get("memory", 0) / 2**30, 1), tuple(n["NodeID"] for n in alive))


_DESCRIBE = """
import json, logging, sys
import ray
ray.init(address=sys.argv[1], log_to_driver=False, logging_level=logging.ERROR)
from automl.cluster import cluster_info
print(json.dumps(cluster_info(sys.argv[1]).to_dict()))
"""


def describe(address: str, timeout_s: float = 30.0) -> ClusterInfo:
    """The cluster's nodes and resources, asked from a short-lived process (the app's own process never
    joins a cluster: leaving one cleanly is not guaranteed)."""
    check_reachable(address)
    address = resolve_address(address)
    try:
        proc = subprocess.run([sys.executable, "-c", _DESCRIBE, address], capture_output=True, text=True,
                              timeout=timeout_s, cwd=str(Path(__file__).resolve().parents[2]))
    except subprocess.TimeoutExpired:
        raise ClusterError(f"The Ray cluster at {address} did not answer within {timeout_s:.0f} s.") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise ClusterError(f"Could not join the Ray cluster at {address}: {last}")
    d = json.loads(proc.stdout.strip().splitlines()[-1])
    return ClusterInfo(d["address"], d["nodes"], d["cpus"], d["gpus"], d["memory_gb"], tuple(d["node_ids"]))


def check_workspace_visible(path: Path) -> None:
    """Every alive node must see `path` (the run's folder): one small task pinned to each node checks."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    @ray.remote(num_cpus=0)
    def sees(folder: str) -> bool:
        return os.path.isdir(folder)

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    checks = [sees.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False))
              .remote(str(path)) for n in nodes]
    blind = [n.get("NodeManagerAddress", n["NodeID"])
             for n, ok in zip(nodes, ray.get(checks, timeout=60), strict=True) if not ok]
    if blind:
        raise ClusterError(f"Node(s) {', '.join(blind)} cannot see the workspace folder {path}: a cluster of "
                           "several machines needs the workspace on storage every node reaches at the same path "
                           "(AUTOML_STUDIO_HOME on a shared file system).")


def nodes_that_ran(function_name: str) -> list[str] | None:
    """Ids of the nodes on which this process's tasks of `function_name` ran (Ray's state API, served by
    the cluster's dashboard); None when the cluster runs without one."""
    try:
        import ray
        from ray.util.state import list_tasks

        job = ray.get_runtime_context().get_job_id()
        tasks = list_tasks(filters=[("func_or_class_name", "=", function_name), ("job_id", "=", job)],
                           limit=10_000, timeout=20, raise_on_missing_output=False)
    except Exception:  # noqa: BLE001 - no dashboard: where the folds ran is not known
        return None
    return sorted({t.node_id for t in tasks if getattr(t, "node_id", None)})
