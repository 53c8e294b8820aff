"""The compact export (issue 33) against AutoGluon on the same LightGBM model, and against the model in use.

Per table (credit binary, penguins multiclass, a diamonds sample for regression), a run trained with the app's
defaults (every model family, 60 s) and its best LightGBM on validation, exported with `export --format onnx`:

(Trained with `--no-refit`, so that the LightGBM measured is the one `use` puts in use for the endpoint.)

- single row in process, p50 over 300 calls from a warm process: the app's path with the model in use (the
  ensemble AutoGluon chose, what deployments serve today), the same path with the LightGBM (AutoGluon's
  predict), and the compact model (`Scorer.predict_rows`, raw values in, answers out: reading, recipe,
  features, trees, probabilities);
- batch rows/s on 20,000 rows already read: AutoGluon's `predict_proba` of the LightGBM against the compact
  model's `score_frame` of the same rows;
- size: the export folder against the run's predictor folder (every model) and the LightGBM's own folder;
- the endpoint's single-row latency over HTTP (p50 of 200 keep-alive calls): `serve` against `serve --engine
  onnx`, both with the LightGBM in use.

    .venv/bin/python benchmarks/compact.py [--time-limit 60]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.common import ROOT, report

TABLES = [("credit", "credit_data.csv", "Status"), ("penguins", "penguins.csv", "species"),
          ("diamonds", "diamonds.csv", "price")]


def _cli(*args: str, ws: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automl.cli", *args, "--workspace", str(ws)], capture_output=True,
                          text=True, cwd=ROOT, timeout=1800)


def _p50(fn, n: int) -> float:
    for _ in range(20):
        fn()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return float(np.percentile(times, 50))


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _http_p50(ws: Path, run_id: str, row: dict, engine: str, n: int = 200) -> float:
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "automl.cli", "serve", run_id, "--port", str(port), "--engine",
                             engine, "--workspace", str(ws)], cwd=ROOT, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(timeout=30) as client:
            body = {"rows": [row]}
            assert client.post(url + "/v1/predict", json=body).status_code == 200
            return _p50(lambda: client.post(url + "/v1/predict", json=body), n)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def native_against_onnx(booster, X: np.ndarray, tmp: Path) -> dict:
    """One LightGBM booster as ONNX (ours) and as a shared library compiled by TL2cgen (Treelite's code
    generator), both on the same model-input rows: raw scores against LightGBM's, one row p50 and rows/s on one
    thread, build time and size. Empty where tl2cgen is not installed (`pip install -e '.[bench]'`)."""
    try:
        import tl2cgen
        import treelite
    except ImportError:
        return {}
    import onnxruntime as ort

    from automl.portable.trees import boosters_to_onnx

    ref = booster.predict(X, raw_score=True).reshape(len(X), -1)
    start = time.perf_counter()
    onnx_bytes = boosters_to_onnx([booster.dump_model()], X.shape[1])
    onnx_s = time.perf_counter() - start
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    lib = tmp / "native.so"
    start = time.perf_counter()
    tl2cgen.export_lib(treelite.frontend.from_lightgbm(booster), toolchain="gcc", libpath=str(lib),
                       params={"parallel_comp": os.cpu_count() or 1}, nthread=os.cpu_count() or 1)
    build_s = time.perf_counter() - start
    native = tl2cgen.Predictor(str(lib), nthread=1)

    def run_native(rows):
        return native.predict(tl2cgen.DMatrix(rows, dtype="float64"), pred_margin=True).reshape(len(rows), -1)

    def run_onnx(rows):
        return session.run(None, {"X": rows})[0]

    def rows_per_s(fn) -> float:
        fn(X)
        start = time.perf_counter()
        for _ in range(5):
            fn(X)
        return 5 * len(X) / (time.perf_counter() - start)

    one = X[:1]
    return {"onnx_build_s": round(onnx_s, 2), "onnx_kb": round(len(onnx_bytes) / 1024),
            "onnx_max_diff": float(np.abs(run_onnx(X) - ref).max()), "onnx_row_us": round(1000 * _p50(
                lambda: run_onnx(one), 500), 1), "onnx_rows_per_s_1_thread": round(rows_per_s(run_onnx)),
            "tl2cgen_build_s": round(build_s, 1), "tl2cgen_kb": round(lib.stat().st_size / 1024),
            "tl2cgen_max_diff": float(np.abs(run_native(X) - ref).max()), "tl2cgen_row_us": round(1000 * _p50(
                lambda: run_native(one), 500), 1), "tl2cgen_rows_per_s_1_thread": round(rows_per_s(run_native))}


def measure(name: str, file: str, label: str, time_limit: int, tmp: Path) -> dict:
    from automl.model.bundle import load_bundle, load_predictor
    from automl.model.inference import score_input
    from automl.model.model_input import to_model_input
    from automl.portable.export import export_compact
    from automl.portable.scorer import Scorer
    from automl.portable.stored import CompactModel
    from automl.store.workspace import Workspace

    ws = tmp / f"ws-{name}"
    frame = pd.read_csv(ROOT / "sample_data" / file)
    if len(frame) > 5000:
        frame = frame.sample(5000, random_state=0)
    data = tmp / f"{name}.csv"
    frame.to_csv(data, index=False)
    # kept on the training split (--no-refit): the LightGBM measured is then one `use` can put in use
    trained = _cli("train", str(data), "--label", label, "--time-limit", str(time_limit), "--no-refit", "--json",
                   ws=ws)
    assert trained.returncode == 0, trained.stderr[-2000:]
    run_id = json.loads(trained.stdout)["run_id"]
    bundle = load_bundle(Workspace(ws), run_id)
    predictor = load_predictor(bundle)
    board = pd.read_parquet(bundle.files.leaderboard)
    lightgbm = [m for m in board.sort_values("metric_val", ascending=bundle.metrics.lower_is_better)["model"]
                if str(m).startswith("LightGBM")][0]
    in_use = bundle.deployed_model
    folder = tmp / f"compact-{name}"
    done = export_compact(bundle, predictor, folder, model=lightgbm)
    scorer = Scorer(folder)

    raw = frame.drop(columns=[label]).head(1)
    X = to_model_input(bundle.schema, raw)[0]
    row = json.loads(raw.to_json(orient="records"))[0]
    predictor.persist(models=[in_use, lightgbm], with_ancestors=True)
    today = _p50(lambda: score_input(predictor, bundle, to_model_input(bundle.schema, raw)[0]), 300)
    ag_one = _p50(lambda: score_input(predictor, bundle, to_model_input(bundle.schema, raw)[0], model=lightgbm), 300)
    bare = predictor.predict if bundle.problem_type == "regression" else predictor.predict_proba
    ag_bare = _p50(lambda: bare(X, model=lightgbm), 300)
    ours_one = _p50(lambda: scorer.predict_rows([row]), 300)

    many = to_model_input(bundle.schema, pd.concat([frame.drop(columns=[label])] * -(-20000 // len(frame)),
                                                   ignore_index=True).head(20000))[0]
    start = time.perf_counter()
    bare(many, model=lightgbm)
    ag_rows = len(many) / (time.perf_counter() - start)
    compact = CompactModel(Scorer(folder, threads=0), lightgbm, ())  # every core, as AutoGluon's LightGBM uses
    start = time.perf_counter()
    compact.score_frame(many)
    ours_rows = len(many) / (time.perf_counter() - start)

    member = predictor._trainer.load_model(lightgbm)  # noqa: SLF001 - its first LightGBM booster
    member = member.load_child(member.models[0]) if hasattr(member, "load_child") else member
    Xm = predictor._learner.transform_features(many)[member.features]  # noqa: SLF001 - the model's input
    Xm = np.column_stack([Xm[c].cat.codes.replace(-1, np.nan).to_numpy(float) if hasattr(Xm[c], "cat")
                          else Xm[c].to_numpy(float) for c in Xm.columns])
    native = native_against_onnx(member.model, Xm[:5000], tmp)
    lgb_dir = Path(predictor._trainer.load_model(lightgbm).path)  # noqa: SLF001 - the model's own folder
    assert _cli("use", run_id, lightgbm, ws=ws).returncode == 0
    http_ag = _http_p50(ws, run_id, row, "autogluon")
    http_onnx = _http_p50(ws, run_id, row, "onnx")
    return {"table": name, "task": bundle.problem_type, "model_in_use": in_use, "lightgbm": lightgbm,
            "in_use_row_ms": round(today, 2), "lightgbm_row_ms": round(ag_one, 2),
            "lightgbm_predict_proba_ms": round(ag_bare, 2), "compact_row_ms": round(ours_one, 3),
            "row_speedup_vs_in_use": round(today / ours_one, 1), "row_speedup_vs_lightgbm": round(ag_one / ours_one, 1),
            "ag_rows_per_s": round(ag_rows), "compact_rows_per_s": round(ours_rows),
            "batch_ratio": round(ours_rows / ag_rows, 2), "export_kb": round(done.size_bytes / 1024),
            "predictor_mb": round(_size(bundle.predictor_path) / 2**20, 1),
            "lightgbm_folder_kb": round(_size(lgb_dir) / 1024) if lgb_dir.exists() else None,
            "http_row_ms_autogluon": round(http_ag, 2), "http_row_ms_onnx": round(http_onnx, 2),
            "parity_rows": done.rows_checked, "max_difference": done.max_difference, **native}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=int, default=60)
    parser.add_argument("--tables", nargs="*", default=[t[0] for t in TABLES])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-compact-"))
    rows = []
    try:
        for name, file, label in TABLES:
            if name in args.tables:
                rows.append(measure(name, file, label, args.time_limit, tmp))
                print(json.dumps(rows[-1]), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report("compact", rows)


if __name__ == "__main__":
    main()
