"""Training and batch scoring on Ray against this machine alone.

Training: the same bagged fit (LightGBM, 8 folds, fixed hyperparameters and no time pressure, so every
configuration fits the same models) on 20,000 diamonds rows —
  1. local, folds one after another (AutoGluon's `sequential_local`: what the app did before Ray),
  2. local, folds in parallel on a private Ray runtime (the app's default now),
  3. on a two-node Ray cluster started on this machine (`ray.cluster_utils.Cluster`, one CPU per node,
     as `train --ray` joins one): wall-clock and validation score.
Scoring: a model trained on diamonds scores a 200,000-row file through `predict_csv` (this process) and
through `predict_csv_on_ray` on that cluster (two actors): rows/s, and whether the files are identical.

    .venv/bin/python benchmarks/ray_scale.py [--rows 20000] [--score-rows 200000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import grow_diamonds, report


def _fit(train, path: str, strategy: str | None):
    from autogluon.tabular import TabularPredictor

    ensemble = {"fold_fitting_strategy": strategy} if strategy else {}
    started = time.perf_counter()
    predictor = TabularPredictor("price", path=path, verbosity=0).fit(
        train, num_bag_folds=8, num_stack_levels=0, hyperparameters={"GBM": {"num_boost_round": 300}},
        ag_args_ensemble=ensemble, fit_weighted_ensemble=False)
    seconds = time.perf_counter() - started
    board = predictor.leaderboard(silent=True)
    return seconds, float(board["score_val"].iloc[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--score-rows", type=int, default=200_000)
    args = parser.parse_args()

    import ray
    from ray.cluster_utils import Cluster

    data = grow_diamonds(args.rows, seed=1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        seq_s, seq_score = _fit(data, f"{tmp}/seq", "sequential_local")
        rows.append({"what": "train: local, folds in sequence (no Ray)", "seconds": round(seq_s, 1),
                     "score_val (-RMSE)": round(seq_score, 2), "ratio": 1.0})
        par_s, par_score = _fit(data, f"{tmp}/par", None)
        rows.append({"what": "train: local, folds in parallel (private Ray, started by the fit)",
                     "seconds": round(par_s, 1), "score_val (-RMSE)": round(par_score, 2),
                     "ratio": round(par_s / seq_s, 2)})
        warm_s, warm_score = _fit(data, f"{tmp}/warm", None)  # the same runtime, its workers already up
        ray.shutdown()
        rows.append({"what": "train: local, folds in parallel (Ray already running)", "seconds": round(warm_s, 1),
                     "score_val (-RMSE)": round(warm_score, 2), "ratio": round(warm_s / seq_s, 2)})
        cluster = Cluster(initialize_head=True, connect=False,
                          head_node_args={"num_cpus": 1, "object_store_memory": 500 * 2**20})
        try:
            cluster.add_node(num_cpus=1, object_store_memory=500 * 2**20)
            cluster.wait_for_nodes()
            ray.init(address=cluster.address, log_to_driver=False)
            clu_s, clu_score = _fit(data, f"{tmp}/clu", None)
            ray.shutdown()
            rows.append({"what": "train: 2-node cluster on this machine", "seconds": round(clu_s, 1),
                         "score_val (-RMSE)": round(clu_score, 2), "ratio": round(clu_s / seq_s, 2)})
            rows += _scoring(args.score_rows, cluster.address, Path(tmp))
        finally:
            ray.shutdown()
            cluster.shutdown()
    report("ray_scale", rows)


def _scoring(n: int, address: str, tmp: Path) -> list[dict]:
    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.files import predict_csv
    from automl.prediction.on_ray import predict_csv_on_ray
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import wait_for

    ws = Workspace(tmp / "ws")
    dataset = ws.add_dataset(grow_diamonds(5_000, seed=2), "diamonds.csv")
    run = start_training(ws, TrainConfig(dataset.id, "price", time_limit=30, model_families=("GBM",)))
    assert wait_for(ws, run.id, timeout=300).status == "succeeded"
    bundle = load_bundle(ws, run.id)
    source = tmp / "score.csv"
    grow_diamonds(n, seed=3).drop(columns=["price"]).to_csv(source, index=False)
    started = time.perf_counter()
    predict_csv(load_predictor(bundle), bundle, source, tmp / "local.csv")
    local_s = time.perf_counter() - started
    started = time.perf_counter()
    _, nodes = predict_csv_on_ray(bundle, source, tmp / "ray.csv", address, chunk_rows=25_000)
    ray_s = time.perf_counter() - started
    same = (tmp / "local.csv").read_bytes() == (tmp / "ray.csv").read_bytes()
    return [{"what": f"score {n:,} rows: this process", "seconds": round(local_s, 1),
             "rows/s": round(n / local_s), "ratio": 1.0},
            {"what": f"score {n:,} rows: 2-node cluster ({len(nodes)} node(s) used), identical={same}",
             "seconds": round(ray_s, 1), "rows/s": round(n / ray_s), "ratio": round(ray_s / local_s, 2)}]


if __name__ == "__main__":
    sys.exit(main())
