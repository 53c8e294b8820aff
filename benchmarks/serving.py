"""The prediction endpoint against in-process prediction, on a model trained on diamonds (GBM, 30 s).

- Single row: p50 / p95 of POST /v1/predict with one row (one keep-alive httpx client in this process)
  against the same row through `predict_frame` in this process (the same reader, recipe and model call).
- Throughput: rows/s with 100-row requests, from one client and from each of `--clients` clients at once
  (the endpoint joins requests that queue while the model is busy), against AutoGluon's bare `predict`
  on the same rows in one call, and in 100-row calls (what a 100-row request costs the model alone).
  Each client is its own process (`benchmarks/http_client.py`: one kept-alive connection, bodies encoded
  before the clock starts), as a real caller is. CPU per row answered is counted for the server's process
  and for the clients, next to the model's own CPU per row in the bare call: on this machine the clients,
  the server and the model share the same cores, so the bare call's CPU per row sets a ceiling
  (`ceiling_rows_per_s`: every core on the model and nothing else) and leaves, at the goal of 0.8× the
  bare call, `other_cpu_us_per_row_left_at_goal` for everything else (HTTP, JSON, reading, the clients).
- Load: the first `--clients` value of client processes sending 10-row requests for `--seconds` s:
  requests/s, p50, p99, errors.
- AutoGluon's own options for its cost per call (`--options`), 100-row calls in this process: the model
  loaded without `persist` (read from disk on each call), with it (what the endpoint does), and a model fit
  directly with `infer_limit` (AutoGluon keeps only models fast enough per row at 100-row batches) on the
  same rows and budget, against the same direct fit without it. `compile` does not apply: in AutoGluon
  1.6 only random forests and extra trees have a compiler (ONNX), and this model is LightGBM.

    .venv/bin/python benchmarks/serving.py --clients 8,32 --seconds 20
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
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, grow_diamonds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", default="8", help="concurrent clients: a number, or several (8,32)")
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
        clients = [int(n) for n in args.clients.split(",")]
        with _server(ws.root) as url:
            results = [_single(url, predictor, bundle, rows, args.single),
                       *_throughput(url, predictor, bundle, rows, clients, Path(tmp)),
                       _load(url, rows, clients[0], args.seconds, Path(tmp))]
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
    from automl.model.inference import model_frame

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
                    fitted._trainer.get_minimum_model_set(fitted.model_best)), "holdout_rmse": round(rmse, 1),  # noqa: SLF001 - AutoGluon's model graph: the models the best one needs
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
        _SERVER_PID[:] = [self.proc.pid]

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

    from automl.prediction.rows import predict_frame

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


def _throughput(url, predictor, bundle, rows, clients: list[int], tmp: Path) -> list[dict]:
    from automl.model.model_input import to_model_input
    from automl.model.inference import model_frame, score_input

    X = model_frame(bundle, to_model_input(bundle.schema, rows)[0])
    predictor.predict(X.head(100), model=bundle.deployed_model)
    cpu, start = time.process_time(), time.perf_counter()
    predictor.predict(X, model=bundle.deployed_model)
    bare, model_cpu = len(rows) / (time.perf_counter() - start), (time.process_time() - cpu) / len(rows)
    start = time.perf_counter()
    for i in range(0, len(X), 100):  # the same model call, 100 rows at a time: AutoGluon's cost per call
        predictor.predict(X.iloc[i:i + 100], model=bundle.deployed_model)
    bare_100 = len(rows) / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(0, len(rows), 100):  # what a lone 100-row request needs without HTTP: reader, recipe, model
        score_input(predictor, bundle, to_model_input(bundle.schema, rows.iloc[i:i + 100])[0])
    app_100 = len(rows) / (time.perf_counter() - start)
    bodies = tmp / "bodies_100.json"
    bodies.write_text(json.dumps([_body(rows.iloc[i:i + 100]) for i in range(0, len(rows), 100)]))
    cores = os.cpu_count() or 1
    out = [{"test": "bare predict, one 5,000-row call", "rows_per_s": round(bare),
            "model_cpu_us_per_row": round(1e6 * model_cpu, 1),
            "ceiling_rows_per_s": round(cores / model_cpu),  # every core on the model, nothing else
            "other_cpu_us_per_row_left_at_goal": round(1e6 * (cores / (0.8 * bare) - model_cpu), 1)},
           {"test": "bare predict, 100-row calls", "rows_per_s": round(bare_100),
            "ratio_to_one_call": round(bare_100 / bare, 3)},
           {"test": "the endpoint's reader + model, 100-row calls, no HTTP", "rows_per_s": round(app_100),
            "ratio_to_one_call": round(app_100 / bare, 3), "ratio_to_100_row_calls": round(app_100 / bare_100, 3)}]
    for n in [1, *clients]:
        per = max(50 // n, 4) * 4 if n > 1 else 50
        got = _clients(url, bodies, n, requests=per)
        out.append({"test": f"100-row requests, {n} client{'s' if n > 1 else ''}",
                    "rows_per_s": round(got["rows_per_s"]),
                    "ratio_to_one_call": round(got["rows_per_s"] / bare, 3),
                    "ratio_to_100_row_calls": round(got["rows_per_s"] / bare_100, 3),
                    "server_cpu_us_per_row": got["server_cpu_us_per_row"],
                    "clients_cpu_us_per_row": got["clients_cpu_us_per_row"], "errors": got["errors"]})
    return out


def _clients(url: str, bodies: Path, clients: int, requests: int = 0, seconds: float = 0.0) -> dict:
    """`clients` client processes (benchmarks/http_client.py) posting `bodies` at once; their rows/s, the
    latencies, the errors, and CPU per row answered: the server's process and the clients' own."""
    port = url.rsplit(":", 1)[1]
    start = time.time() + 1.0 + 0.1 * clients  # every client connected and waiting
    procs = [subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "http_client.py"), "--port", port,
                               "--bodies", str(bodies), "--start", str(start), "--offset", str(i * 7),
                               "--requests", str(requests), "--seconds", str(seconds)],
                              stdout=subprocess.PIPE, text=True) for i in range(clients)]
    time.sleep(max(0.0, start - time.time() - 0.2))
    server_cpu = _server_cpu_s()
    results = [json.loads(proc.communicate()[0]) for proc in procs]
    server_cpu = _server_cpu_s() - server_cpu
    rows = sum(r["rows"] for r in results)
    latencies = [ms for r in results for ms in r["latencies_ms"]]
    return {"rows_per_s": rows / max(r["wall_s"] for r in results), "requests": len(latencies),
            "latencies_ms": latencies, "errors": sum(r["errors"] for r in results),
            "server_cpu_us_per_row": round(1e6 * server_cpu / max(rows, 1), 1),
            "clients_cpu_us_per_row": round(1e6 * sum(r["cpu_s"] for r in results) / max(rows, 1), 1)}


_SERVER_PID: list[int] = []


def _server_cpu_s() -> float:
    """CPU seconds the endpoint's process has used (all its threads), from /proc."""
    fields = Path(f"/proc/{_SERVER_PID[0]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load(url, rows, clients: int, seconds: float, tmp: Path) -> dict:
    bodies = tmp / "bodies_10.json"
    bodies.write_text(json.dumps([_body(rows.iloc[i:i + 10]) for i in range(0, 500, 10)]))
    got = _clients(url, bodies, clients, seconds=seconds)
    latencies = got["latencies_ms"]
    return {"test": f"{clients} clients x {seconds:g} s, 10-row requests", "requests": len(latencies),
            "requests_per_s": round(len(latencies) / seconds, 1),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p99_ms": round(float(np.percentile(latencies, 99)), 1), "errors": got["errors"]}


if __name__ == "__main__":
    main()
