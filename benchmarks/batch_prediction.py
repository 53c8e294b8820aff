"""Batch prediction through the CLI (parse, schema check, recipe, predict, drift, safe CSV write) against
`TabularPredictor.predict` on the same rows already in memory; peak memory at two file sizes; single-row
latency from a warm process.

    .venv/bin/python benchmarks/batch_prediction.py --rows 250000 1000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, grow_diamonds, peak_rss_mb, report, timed  # noqa: E402

CLI = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from automl.cli import main
t = time.perf_counter()
code = main({argv!r})
elapsed = time.perf_counter() - t
peak = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024
print(json.dumps({{"code": code, "seconds": elapsed, "peak_mb": peak}}), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    args = parser.parse_args()

    import pandas as pd

    from automl.bundle import load_bundle, load_predictor
    from automl.prediction import predict_frame
    from automl.training import TrainConfig, start_training
    from automl.workspace import Workspace
    from tests.helpers import wait_for

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        dataset = ws.add_dataset(grow_diamonds(20_000, seed=1), "diamonds.csv")
        run = start_training(ws, TrainConfig(dataset.id, "price", time_limit=30, model_families=("GBM",)))
        job = wait_for(ws, run.id)
        assert job.status == "succeeded", job.message
        bundle = load_bundle(ws, run.id)
        predictor = load_predictor(bundle)
        for n in args.rows:
            data = grow_diamonds(n, seed=2).drop(columns=["price"])
            src = Path(tmp) / f"input-{n}.csv"
            data.to_csv(src, index=False)
            predictor.predict(data.head(100))  # warm up
            t_mem, _ = timed(predictor.predict, data)
            del data
            argv = ["predict", run.id, str(src), "--out", str(Path(tmp) / f"out-{n}.csv"), "--chunk-rows",
                    str(args.chunk_rows), "--workspace", str(ws.root)]
            proc = subprocess.run([sys.executable, "-c", CLI.format(root=str(ROOT), argv=argv)], capture_output=True,
                                  text=True)
            res = json.loads(proc.stderr.strip().splitlines()[-1])
            assert res["code"] == 0, proc.stderr[-2000:]
            rows.append({"rows": n, "in_memory_s": round(t_mem, 2), "cli_end_to_end_s": round(res["seconds"], 2),
                         "cli_rows_per_s": round(n / res["seconds"]), "ratio_cli_over_memory": round(t_mem / res["seconds"], 3),
                         "cli_peak_mb": round(res["peak_mb"])})
            print(rows[-1], file=sys.stderr)
        one = pd.DataFrame([grow_diamonds(1, seed=3).drop(columns=["price"]).iloc[0]])
        for _ in range(20):
            predict_frame(predictor, bundle, one)
        latencies = []
        for _ in range(200):
            start = time.perf_counter()
            predict_frame(predictor, bundle, one)
            latencies.append(1000 * (time.perf_counter() - start))
        rows.append({"rows": 1, "single_row_p50_ms": round(float(np.percentile(latencies, 50)), 2),
                     "single_row_p95_ms": round(float(np.percentile(latencies, 95)), 2)})
    print(f"model: {bundle.deployed_model} (LightGBM family) · this process peak {peak_rss_mb():.0f} MB")
    report("batch_prediction", rows)


if __name__ == "__main__":
    main()
