"""Where a training job fits: this machine, or the Ray cluster its config names.

On a cluster the job joins it before fitting (AutoGluon then schedules bagged folds and parallel fits over
its nodes), once every node is seen to reach the run's folder. On this machine, bagged folds run in
parallel on a private Ray runtime from `PARALLEL_FOLDS_MIN_CORES` cores on, one after another below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil

from automl.cluster import ClusterInfo, check_workspace_visible, connect, nodes_that_ran, start_local
from automl.store import jobs
from automl.training.config import TrainConfig, detect_gpus
from automl.training.plan import PARALLEL_FOLDS_MIN_CORES, Plan

__all__ = ["Executor", "choose_executor"]

_BAGGING_PRESETS = ("good_quality", "high_quality", "best_quality")


@dataclass(frozen=True)
class Executor:
    cluster: ClusterInfo | None
    cores: int          # the cluster's CPUs, or this machine's
    num_gpus: int
    parallel_folds: bool

    def start(self, plan: Plan, config: TrainConfig) -> None:
        """Start the private runtime for parallel folds on this machine, when the plan bags."""
        if self.cluster is None and self.parallel_folds and (plan.bagged or config.preset in _BAGGING_PRESETS):
            start_local(self.cores, self.num_gpus)

    def fold_nodes(self) -> tuple[str, ...] | None:
        """On a cluster, the ids of the nodes the bagged folds ran on (None when not known or local)."""
        nodes = nodes_that_ran("_ray_fit") if self.cluster else None
        return tuple(nodes) if nodes is not None else None


def choose_executor(config: TrainConfig, run_dir: Path, events: jobs.EventLog) -> Executor:
    num_gpus = detect_gpus() if config.gpu != "off" else 0
    if not config.ray_address:
        cores = psutil.cpu_count() or 1
        return Executor(None, cores, num_gpus, cores >= PARALLEL_FOLDS_MIN_CORES)
    cluster = connect(config.ray_address)
    check_workspace_visible(run_dir)
    events.emit("executor", executor="ray", line=cluster.line(), nodes=cluster.nodes, cpus=cluster.cpus,
                gpus=cluster.gpus)
    return Executor(cluster, cluster.cpus, cluster.gpus if config.gpu != "off" else 0, True)
