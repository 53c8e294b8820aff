"""The prediction endpoint against in-process prediction, on a model trained on diamonds (GBM, 30 s).

- Single row: p50 / p95 of POST /v1/predict with one row (one keep-alive HTTP client) against the same row
  through `predict_frame` in this process (the same reader, recipe and model call, no HTTP).
- Throughput: rows/s with 100-row requests, from one client and from `--clients` clients at once (the
  endpoint joins requests that queue while the model is busy), against AutoGluon's bare `predict` on the
  same rows in one call, and in 100-row calls (what a 100-row request costs the model alone).
- Load: `--clients` concurrent clients sending 10-row requests for `--seconds` s: requests/s, p50, p99, errors.
- AutoGluon's own options for its cost per call (`--options`), 100-row calls in this process: the model
  loaded without `persist` (read from disk on each call), with it (what the endpoint does), and a model fit
  directly with `infer_limit` (AutoGluon keeps only models fast enough per row at 100-row batches) on the
  same rows and budget, against the same direct fit without it. `compile` does not apply: in AutoGluon
  1.6 only random forests and extra trees have a compiler (ONNX), and this model is LightGBM.

    .venv/bin/python benchmarks/serving.py --clients 8 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, grow_diamonds, report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--single", type=int, default=300, help="single-row requests timed")
    parser.add_argument("--options", action="store_true", help="also time AutoGluon's options (two 30 s fits)")
    args = parser.parse_args()

    from automl.model.bundle import load_bundle, load_predictor
    from automl.serving.deployments import deploy
    from automl.store.workspace import Workspace
    from automl.training.config import TrainConfig, start_training
    from tests.helpers import wait_for

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        data = grow_diamonds(20_000, seed=1)
        run = start_training(ws, TrainConfig(ws.add_dataset(data, "diamonds.csv").id, "price", time_limit=30,
                                             model_families=("GBM",)))
        assert wait_for(ws, run.id).status == "succeeded"
        deploy(ws, run.id, "diamonds")
        bundle = load_bundle(ws, run.id)
        predictor = load_predictor(bundle)
        predictor.persist(models=[bundle.deployed_model], with_ancestors=True)  # as the endpoint does
        rows = grow_diamonds(5_000, seed=2).drop(columns=["price"])
        with _server(ws.root) as url:
            results = [_single(url, predictor, bundle, rows, args.single),
                       _throughput(url, predictor, bundle, rows, args.clients),
                       _load(url, rows, args.clients, args.seconds)]
        if args.options:
            results += _autogluon_options(bundle, data, rows, Path(tmp))
    report("serving", results)


def _per_100_rows_per_s(predictor, X, model=None) -> float:
    for _ in range(5):
        predictor.predict(X.head(100), model=model)
    start = time.perf_counter()
    for i in range(0, len(X), 100):
        predictor.predict(X.iloc[i:i + 100], model=model)
    return len(X) / (time.perf_counter() - start)


def _autogluon_options(bundle, data, rows, tmp: Path) -> list[dict]:
    """AutoGluon's cost per 100-row call under its own options (see the module's docstring)."""
    from autogluon.tabular import TabularPredictor

    from automl.model.bundle import load_predictor
    from automl.model.model_input import to_model_input
    from automl.model.prediction import model_frame

    X = model_frame(bundle, to_model_input(bundle.schema, rows)[0])
    out = []
    cold = load_predictor(bundle)  # not persisted: each call loads the models it needs from disk
    out.append({"test": "AutoGluon option: none (models read from disk per call)",
                "rows_per_s_100_row_calls": round(_per_100_rows_per_s(cold, X, bundle.deployed_model))})
    cold.persist(models=[bundle.deployed_model], with_ancestors=True)
    out.append({"test": "AutoGluon option: persist (the endpoint's)",
                "rows_per_s_100_row_calls": round(_per_100_rows_per_s(cold, X, bundle.deployed_model))})
    train = data.sample(frac=0.8, random_state=0)
    test = data.drop(train.index)
    for name, extra in (("direct fit", {}), ("direct fit, infer_limit 50 µs/row at 100 rows",
                                            {"infer_limit": 5e-5, "infer_limit_batch_size": 100})):
        fitted = TabularPredictor(label="price", path=str(tmp / name.replace(" ", "_")), verbosity=0).fit(
            train, hyperparameters={"GBM": {}}, time_limit=30, **extra)
        fitted.persist()
        rmse = float(np.sqrt(np.mean((fitted.predict(test.drop(columns=["price"])) - test["price"]) ** 2)))
        out.append({"test": f"AutoGluon option: {name}", "models": "+".join(
                    fitted._trainer.get_minimum_model_set(fitted.model_best)), "holdout_rmse": round(rmse, 1),
                    "rows_per_s_100_row_calls": round(_per_100_rows_per_s(fitted, X))})
    return out


class _server:
    def __init__(self, root: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, "-m", "automl.cli", "serve", "diamonds", "--port",
                                      str(self.port), "--workspace", str(root)], cwd=ROOT,
                                     stderr=subprocess.DEVNULL, start_new_session=True)

    def __enter__(self) -> str:
        import httpx

        url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                httpx.get(url + "/health", timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the endpoint did not start")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def _body(frame) -> dict:
    return {"rows": json.loads(frame.to_json(orient="records"))}


def _single(url, predictor, bundle, rows, n: int) -> dict:
    import httpx

    from automl.model.prediction import predict_frame

    one = rows.head(1)
    body = _body(one)
    for _ in range(20):
        predict_frame(predictor, bundle, one)
    local = []
    for _ in range(n):
        start = time.perf_counter()
        predict_frame(predictor, bundle, one)
        local.append(1000 * (time.perf_counter() - start))
    remote = []
    with httpx.Client(timeout=30) as client:
        for _ in range(20):
            client.post(url + "/v1/predict", json=body)
        for _ in range(n):
            start = time.perf_counter()
            assert client.post(url + "/v1/predict", json=body).status_code == 200
            remote.append(1000 * (time.perf_counter() - start))
    p50_local, p50_http = float(np.percentile(local, 50)), float(np.percentile(remote, 50))
    return {"test": "single row", "in_process_p50_ms": round(p50_local, 2), "http_p50_ms": round(p50_http, 2),
            "http_p95_ms": round(float(np.percentile(remote, 95)), 2), "ratio": round(p50_http / p50_local, 2)}


def _throughput(url, predictor, bundle, rows, clients: int) -> dict:
    import httpx

    from automl.model.model_input import to_model_input
    from automl.model.prediction import model_frame

    X = model_frame(bundle, to_model_input(bundle.schema, rows)[0])
    predictor.predict(X.head(100), model=bundle.deployed_model)
    start = time.perf_counter()
    predictor.predict(X, model=bundle.deployed_model)
    bare = len(rows) / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(X), 100):  # the same model call, 100 rows at a time: AutoGluon's cost per call
        predictor.predict(X.iloc[i:i + 100], model=bundle.deployed_model)
    bare_100 = len(rows) / (time.perf_counter() - start)
    bodies = [_body(rows.iloc[i:i + 100]) for i in range(0, len(rows), 100)]
    with httpx.Client(timeout=60) as client:
        client.post(url + "/v1/predict", json=bodies[0])
        start = time.perf_counter()
        for body in bodies:
            assert client.post(url + "/v1/predict", json=body).status_code == 200
        served = len(rows) / (time.perf_counter() - start)
    concurrent = _concurrent_rows_per_s(url, bodies * 4, clients, len(rows) * 4)
    return {"test": "100-row requests", "bare_predict_rows_per_s": round(bare),
            "bare_predict_100_rows_per_call_rows_per_s": round(bare_100), "http_rows_per_s": round(served),
            "ratio": round(served / bare, 3), "ratio_to_100_row_calls": round(served / bare_100, 3),
            f"http_rows_per_s_{clients}_clients": round(concurrent), "ratio_concurrent": round(concurrent / bare, 3)}


def _concurrent_rows_per_s(url, bodies: list, clients: int, total_rows: int) -> float:
    """The same 100-row requests sent by `clients` clients at once (what the micro-batcher joins)."""
    import httpx

    pending, lock = list(bodies), threading.Lock()

    def client_loop():
        with httpx.Client(timeout=60) as client:
            while True:
                with lock:
                    if not pending:
                        return
                    body = pending.pop()
                assert client.post(url + "/v1/predict", json=body).status_code == 200

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total_rows / (time.perf_counter() - start)


def _load(url, rows, clients: int, seconds: float) -> dict:
    import httpx

    body = _body(rows.head(10))
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client_loop():
        with httpx.Client(timeout=60) as client:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    ok = client.post(url + "/v1/predict", json=body).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(1000 * (time.perf_counter() - start))
                    errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"test": f"{clients} clients x {seconds:g} s, 10-row requests", "requests": len(latencies),
            "requests_per_s": round(len(latencies) / seconds, 1), "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p99_ms": round(float(np.percentile(latencies, 99)), 1), "errors": errors[0]}


if __name__ == "__main__":
    main()
