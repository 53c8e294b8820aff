"""Batch prediction end to end against `TabularPredictor.predict` on the same rows already in memory.

End to end = `predict_csv`: the file read exactly as training read its file (the one reader), each column
replayed, drift checked, the recipe, the model, formula-safe CSV written; in a warm process, model loaded,
as a served or scheduled scorer runs it. Its peak memory at two file sizes shows whether memory grows
with the file. The CLI's wall time (interpreter start, AutoGluon import, signature check, model load
included) is shown beside it, and single-row latency from a warm process.

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

from benchmarks.common import ROOT, grow_diamonds, peak_rss_mb, report, timed

WARM = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from automl.model.bundle import load_bundle, load_predictor
from automl.prediction.files import predict_csv
from automl.store.workspace import Workspace

def hwm():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1]) / 1024

bundle = load_bundle(Workspace({ws!r}), {run!r})
predictor = load_predictor(bundle)
import pandas as pd
predictor.predict(pd.read_csv({src!r}, nrows=100))  # warm, as the in-memory baseline is
loaded = hwm()
t = time.perf_counter()
predict_csv(predictor, bundle, {src!r}, {out!r}, chunk_rows={chunk})
print(json.dumps({{"seconds": time.perf_counter() - t, "peak_mb": hwm(), "loaded_mb": loaded}}), file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--chunk-rows", type=int, default=200_000)
    args = parser.parse_args()

    from automl.model.bundle import load_bundle, load_predictor
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
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
            rows.append(_one_size(ws, run.id, bundle, predictor, n, Path(tmp), args.chunk_rows))
            print(rows[-1], file=sys.stderr)
        rows.append(_single_row(predictor, bundle))
    print(f"model: {bundle.deployed_model} (LightGBM family) · this process peak {peak_rss_mb():.0f} MB")
    report("batch_prediction", rows)


def _one_size(ws, run_id: str, bundle, predictor, n: int, tmp: Path, chunk_rows: int) -> dict:
    """In-memory predict of n rows against the end-to-end file path (warm process, then the CLI)."""
    data = grow_diamonds(n, seed=2).drop(columns=["price"])
    src = tmp / f"input-{n}.csv"
    data.to_csv(src, index=False)
    predictor.predict(data.head(100))  # warm up
    t_mem, _ = timed(predictor.predict, data, model=bundle.deployed_model)
    del data
    out = tmp / f"out-{n}.csv"
    code = WARM.format(root=str(ROOT), ws=str(ws.root), run=run_id, src=str(src), out=str(out), chunk=chunk_rows)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    warm = json.loads(proc.stderr.strip().splitlines()[-1])
    start = time.perf_counter()
    cli = subprocess.run([sys.executable, "-m", "automl.cli", "predict", run_id, str(src), "--out", str(out),
                          "--chunk-rows", str(chunk_rows), "--workspace", str(ws.root)],
                         capture_output=True, text=True, cwd=ROOT)
    t_cli = time.perf_counter() - start
    assert cli.returncode == 0, cli.stderr[-2000:]
    return {"rows": n, "in_memory_s": round(t_mem, 2), "end_to_end_s": round(warm["seconds"], 2),
            "ratio": round(t_mem / warm["seconds"], 3),
            "peak_mb_above_loaded_model": round(warm["peak_mb"] - warm["loaded_mb"]),
            "cli_wall_s": round(t_cli, 2), "cli_ratio": round(t_mem / t_cli, 3)}


def _single_row(predictor, bundle) -> dict:
    import pandas as pd

    from automl.prediction.rows import predict_frame

    one = pd.DataFrame([grow_diamonds(1, seed=3).drop(columns=["price"]).iloc[0]])
    for _ in range(20):
        predict_frame(predictor, bundle, one)
    latencies = []
    for _ in range(200):
        start = time.perf_counter()
        predict_frame(predictor, bundle, one)
        latencies.append(1000 * (time.perf_counter() - start))
    return {"rows": 1, "single_row_p50_ms": round(float(np.percentile(latencies, 50)), 2),
            "single_row_p95_ms": round(float(np.percentile(latencies, 95)), 2)}


if __name__ == "__main__":
    main()
