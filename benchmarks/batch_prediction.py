"""Batch prediction through the CLI's code path vs AutoGluon's predict on rows already in memory.

    .venv/bin/python benchmarks/batch_prediction.py --rows 200000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import grow_diamonds, peak_rss_mb, report, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()

    from automl.bundle import load_bundle, load_predictor
    from automl.prediction import predict_csv
    from automl.training import TrainConfig, start_training
    from automl.workspace import Workspace
    from tests.helpers import wait_for

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        dataset = ws.add_dataset(grow_diamonds(20_000, seed=1), "diamonds.csv")
        run = start_training(ws, TrainConfig(dataset.id, "price", time_limit=30, model_families=("GBM",)))
        job = wait_for(ws, run.id)
        assert job.status == "succeeded", job.message
        bundle = load_bundle(ws, run.id)
        predictor = load_predictor(bundle)

        data = grow_diamonds(args.rows, seed=2).drop(columns=["price"])
        src = Path(tmp) / "input.csv"
        data.to_csv(src, index=False)
        predictor.predict(data.head(100))  # warm up

        t_mem, _ = timed(predictor.predict, data)
        t_csv, _ = timed(predict_csv, predictor, bundle, src, Path(tmp) / "out.csv", chunk_rows=args.chunk_rows)
        rows = [
            {"path": "TabularPredictor.predict (in memory)", "rows": args.rows, "seconds": round(t_mem, 2),
             "rows_per_s": round(args.rows / t_mem), "ratio": 1.0},
            {"path": "predict_csv (parse+check+predict+write)", "rows": args.rows, "seconds": round(t_csv, 2),
             "rows_per_s": round(args.rows / t_csv), "ratio": round(t_mem / t_csv, 3)},
        ]
        print(f"model: {bundle.metrics['best_model']} · peak RSS {peak_rss_mb():.0f} MB")
        report("batch_prediction", rows)


if __name__ == "__main__":
    main()
