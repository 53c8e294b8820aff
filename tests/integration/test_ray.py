"""Scale-out on Ray, on a real two-node cluster started on this machine (Ray's own `Cluster`, one CPU per
node, bounded memory): a bagged training job whose folds ran on both nodes, batch scoring on the cluster
that is the local path row for row, and an unreachable address that fails at once. The cluster is torn
down whatever happens."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

from tests.helpers import FAST_MODELS, SAMPLES, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    nodes = Cluster(initialize_head=True, connect=False,
                    head_node_args={"num_cpus": 1, "object_store_memory": 200 * 2**20})
    try:
        nodes.add_node(num_cpus=1, object_store_memory=200 * 2**20)
        nodes.wait_for_nodes()
        yield nodes
    finally:
        nodes.shutdown()


@pytest.fixture(scope="module")
def cluster_run(cluster, tmp_path_factory):
    root = tmp_path_factory.mktemp("ray") / "ws"
    proc = run_cli("train", str(SAMPLES / "titanic.csv"), "--label", "survived", "--time-limit", "30",
                   "--models", *FAST_MODELS, "--json", "--ray", cluster.address, workspace=root)
    assert proc.returncode == 0, proc.stderr
    return root, json.loads(proc.stdout)


def test_a_bagged_training_job_fits_its_folds_on_both_nodes(cluster, cluster_run, trained):
    _, result = cluster_run
    assert result["executor"] == "ray" and result["ray_nodes"] == 2
    assert len(result["fold_nodes"]) == 2, result["fold_nodes"]  # node ids, recorded in the run's metrics
    assert "8-fold bagging" in result["plan"] and "on 2 cores" in result["plan"]
    local = trained.train_json  # the same command on this machine (the shared fixture)
    assert local["executor"] == "local" and "fold_nodes" not in local
    print("test roc_auc, cluster vs local:", result["test_score"], local["test_score"])
    assert abs(result["test_score"] - local["test_score"]) <= 0.03  # the same seed and split: within noise


def test_batch_scoring_on_the_cluster_is_the_local_path_row_for_row(cluster, cluster_run, tmp_path):
    root, result = cluster_run
    data = SAMPLES / "titanic.csv"
    local = run_cli("predict", result["run_id"], str(data), "--out", str(tmp_path / "local.csv"), workspace=root)
    assert local.returncode == 0, local.stderr
    on_ray = run_cli("predict", result["run_id"], str(data), "--out", str(tmp_path / "ray.csv"), "--ray",
                     cluster.address, "--chunk-rows", "300", workspace=root)
    assert on_ray.returncode == 0, on_ray.stderr
    assert "Scored on the Ray cluster" in on_ray.stderr and "WARNING" not in on_ray.stderr, on_ray.stderr
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()  # same rows, same order
    assert on_ray.stderr.count("1309 row(s) scored.") == 1 and "outside the training range" in on_ray.stderr
    assert len(pd.read_csv(tmp_path / "ray.csv")) == 1309


def test_a_job_on_the_cluster_is_cancelled_as_a_local_one_and_the_cluster_serves_on(cluster, tmp_path):
    from automl.cluster import describe
    from automl.store import jobs
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import wait_for

    ws = Workspace(tmp_path / "ws")
    rows = pd.read_csv(SAMPLES / "diamonds.csv").sample(5000, random_state=0)
    run = start_training(ws, TrainConfig(ws.add_dataset(rows, "d.csv").id, "price", time_limit=120,
                                         ray_address=cluster.address))
    deadline = time.time() + 120
    while time.time() < deadline:  # live progress, as for a local job: the cluster joined, models started
        events = jobs.read_events(ws, jobs.refresh(ws, run.id))
        if any(e.get("event") == "model_started" for e in events):
            break
        time.sleep(0.5)
    assert any(e.get("event") == "executor" and "2 node(s)" in e["line"] for e in events), events
    assert jobs.cancel(ws, run.id).status == "cancelled"
    assert wait_for(ws, run.id).status == "cancelled"
    assert describe(cluster.address).nodes == 2  # the cluster outlives the job's driver


def test_an_unreachable_cluster_fails_at_once_with_one_line(tmp_path):
    proc = run_cli("train", str(SAMPLES / "titanic.csv"), "--label", "survived", "--ray", "127.0.0.1:1",
                   workspace=tmp_path / "ws")
    assert proc.returncode != 0
    from automl.store.workspace import Workspace

    assert Workspace(tmp_path / "ws").list_runs() == []  # refused before a run or a job: at once, not after retries
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Cannot reach the Ray cluster at 127.0.0.1:1" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_node_that_cannot_see_the_workspace_is_named(cluster, tmp_path):
    import ray

    from automl.errors import ClusterError
    from automl.cluster import check_workspace_visible, connect

    try:
        info = connect(cluster.address)
        assert info.nodes == 2 and info.cpus == 2
        check_workspace_visible(tmp_path)  # every node sees it
        with pytest.raises(ClusterError, match="cannot see the workspace folder"):
            check_workspace_visible(tmp_path / "elsewhere")
    finally:
        ray.shutdown()


def test_the_predict_pages_cluster_job_scores_records_and_reports(cluster, cluster_run, tmp_path):
    """What the Predict page starts for a large file with a cluster set: a job of its own, whose predictions
    are the local path's and whose batch is recorded under the deployment with its drift."""
    from automl.serving import deployments
    from automl.store import jobs
    from automl.store.workspace import Workspace
    from tests.helpers import wait_for

    root, result = cluster_run
    ws = Workspace(root)
    deployments.deploy(ws, result["run_id"], "on-ray")
    job = jobs.start(ws, "ray_batch", run_id=result["run_id"], params={
        "input": str(SAMPLES / "titanic.csv"), "output": str(tmp_path / "out.csv"),
        "report": str(tmp_path / "report.json"), "address": cluster.address, "id_column": "name",
        "deployment": "on-ray", "file_name": "titanic.csv", "rows": 1309})
    assert wait_for(ws, job.id, timeout=300).status == "succeeded", jobs.log_tail(ws, jobs.refresh(ws, job.id))
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["rows"] == 1309 and "Scored on the Ray cluster" in report["lines"][-1]
    local = run_cli("predict", result["run_id"], str(SAMPLES / "titanic.csv"), "--out", str(tmp_path / "l.csv"),
                    "--id-column", "name", workspace=root)
    assert local.returncode == 0 and (tmp_path / "l.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()
    scored = ws.list_scorings("on-ray")
    assert [(s.source, s.rows, s.detail["executor"]) for s in scored] == [("batch", 1309, "ray")]
    assert ws.count_answers("on-ray") == 1309 and scored[0].detail["estimated"]["metric"] == "roc_auc"


def test_local_training_stays_local_while_a_cluster_runs_on_this_machine(cluster, tmp_path):
    """A bare `ray.init()` (AutoGluon's) would join the cluster running here and fail on its resource
    arguments; a job without an address starts its own runtime and trains here."""
    import ray

    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import wait_for

    ray.init(address=cluster.address, log_to_driver=False)  # this process has used the cluster, and let go
    ray.shutdown()
    ws = Workspace(tmp_path / "ws")
    rows = pd.read_csv(SAMPLES / "diamonds.csv").sample(3000, random_state=0)
    run = start_training(ws, TrainConfig(ws.add_dataset(rows, "d.csv").id, "price", time_limit=20,
                                         model_families=("GBM",)))
    job = wait_for(ws, run.id, timeout=300)
    assert job.status == "succeeded", job.message
    metrics = json.loads((ws.run_dir(run.id) / "metrics.json").read_text())
    assert metrics["executor"] == "local" and "bagging" in metrics["plan"]


def test_the_train_pages_preflight_shows_the_clusters_nodes(cluster, tmp_path, monkeypatch):
    from tests.app.helpers import texts, with_sample

    monkeypatch.setenv("AUTOML_STUDIO_RAY_ADDRESS", cluster.address)  # the operator's setting, shown on the page
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    assert f"Runs on the Ray cluster at {cluster.address}: 2 node(s), 2 CPU(s), 0 GPU(s)" in shown, shown
