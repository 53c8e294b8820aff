"""Deployments and the prediction endpoint: history, parity with batch prediction, errors, keys, a promote
picked up without a failed request, and schemathesis against the live OpenAPI document."""

import csv
import itertools
import json
import shutil
import threading
import urllib.request

import numpy as np
import pandas as pd
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.generation.modes import GenerationMode

from automl.errors import DeploymentError
from automl.model.bundle_io import export_bundle, import_bundle
from automl.serving import deployments
from automl.serving.api import create_app
from automl.serving.holder import ModelHolder
from automl.store.workspace import Workspace
from tests.helpers import SAMPLES, run_cli, serving, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def served(trained, tmp_path_factory):
    """A copy of the trained workspace with a deployment `titanic` and a second run of the same contract
    (the binary run exported and imported again: the same model under another run id)."""
    root = tmp_path_factory.mktemp("serving") / "ws"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    twin = import_bundle(ws, export_bundle(ws, trained.binary_run, root.parent / "twin.zip")).id
    deployments.deploy(ws, trained.binary_run, "titanic")
    return ws, trained.binary_run, twin


def rows_as_written(n: int, start: int = 0) -> list[dict]:
    """Rows of titanic.csv as its cells are written (text; an empty cell is null), without the target."""
    with open(SAMPLES / "titanic.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[start:start + n]
    return [{k: (v if v != "" else None) for k, v in r.items() if k != "survived"} for r in rows]


def client(ws, target: str = "titanic", **kwargs) -> TestClient:
    run_id, name = deployments.resolve(ws, target)
    return TestClient(create_app(ModelHolder(ws, run_id, name), **kwargs), base_url="http://127.0.0.1")


def test_a_deployment_is_created_promoted_and_rolled_back_with_its_history(served, tmp_path):
    ws, first, twin = served
    cli = lambda *a: run_cli(*a, workspace=ws.root)  # noqa: E731
    listed = json.loads(cli("deployments", "--json").stdout)
    assert [(d["name"], d["run_id"]) for d in listed] == [("titanic", first)]
    promoted = json.loads(cli("promote", "titanic", twin, "--json").stdout)
    assert promoted["run_id"] == twin and [h["action"] for h in promoted["history"]] == ["promote", "deploy"]
    out = tmp_path / "p.csv"
    proc = cli("predict", "titanic", str(SAMPLES / "titanic.csv"), "--out", str(out))  # a name for a run id
    assert proc.returncode == 0, proc.stderr
    assert [(s.run_id, s.source, s.rows) for s in ws.list_scorings("titanic")][-1] == (twin, "batch", 1309)
    with pytest.raises(DeploymentError, match="serves the deployment"):
        ws.delete_run(twin)
    back = json.loads(cli("rollback", "titanic", "--json").stdout)
    assert back["run_id"] == first and back["history"][0]["action"] == "rollback"
    nothing = cli("rollback", "nope")
    assert nothing.returncode == 2 and "No deployment 'nope'" in nothing.stderr


def test_a_deployment_keeps_its_contract(served, trained):
    ws, _, _ = served
    with pytest.raises(DeploymentError, match="does not keep titanic's contract"):
        deployments.promote(ws, "titanic", trained.regression_run)


def test_the_endpoint_predicts_what_batch_prediction_writes(served, tmp_path):
    ws, _, _ = served
    rows = rows_as_written(200)
    source = tmp_path / "rows.csv"
    pd.read_csv(SAMPLES / "titanic.csv", dtype=str, keep_default_na=False).head(200).to_csv(source, index=False)
    out = tmp_path / "batch.csv"
    assert run_cli("predict", "titanic", str(source), "--out", str(out), workspace=ws.root).returncode == 0
    batch = pd.read_csv(out)
    answer = client(ws).post("/v1/predict", json={"rows": rows})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["predictions"] == batch["prediction"].tolist()
    served_proba = np.array([[p["no"], p["yes"]] for p in body["probabilities"]])
    np.testing.assert_allclose(served_proba, batch[["proba_no", "proba_yes"]].to_numpy(), rtol=1e-12, atol=0)


def test_concurrent_requests_joined_in_one_call_get_the_answers_they_get_alone(served):
    """The endpoint joins requests that queue while the model is busy; each must get exactly what it gets
    when sent alone, a bad request among them refused alone."""
    from concurrent.futures import ThreadPoolExecutor

    ws, _, _ = served
    api = client(ws)
    chunks = [rows_as_written(25, start=25 * i) for i in range(8)]
    alone = [api.post("/v1/predict", json={"rows": rows}).json() for rows in chunks]
    bad = [{**chunks[0][0], "age": "old"}]
    with ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda rows: api.post("/v1/predict", json={"rows": rows}), chunks * 3 + [bad]))
    assert answers[-1].status_code == 422
    for i, answer in enumerate(answers[:-1]):
        assert answer.status_code == 200 and answer.json() == alone[i % 8]


def test_bad_requests_are_refused_with_the_column_named(served):
    ws, _, _ = served
    api = client(ws, max_bytes=20_000)
    row = rows_as_written(1)[0]
    missing = api.post("/v1/predict", json={"rows": [{k: v for k, v in row.items() if k != "age"}]})
    assert missing.status_code == 422 and "age" in missing.text
    wrong = api.post("/v1/predict", json={"rows": [{**row, "age": "old"}]})
    assert wrong.status_code == 422 and "`age`" in wrong.json()["detail"]
    shaped = api.post("/v1/predict", json={"rows": [{**row, "sex": {"a": 1}}]})
    assert shaped.status_code == 422 and "sex" in shaped.text
    assert api.post("/v1/predict", json={"rows": []}).status_code == 422
    assert api.post("/v1/predict", content=b"", headers={"content-type": "application/json"}).status_code == 422
    big = {"rows": [row] * 400}  # ~36 KB
    assert api.post("/v1/predict", json=big).status_code == 413
    streamed = json.dumps(big).encode()  # no Content-Length: counted as it arrives
    chunks = iter([streamed[i:i + 4096] for i in range(0, len(streamed), 4096)])
    assert api.post("/v1/predict", content=chunks, headers={"content-type": "application/json"}).status_code == 413
    extra = api.post("/v1/predict?explain=2", json={"rows": [{**row, "not_a_column": 1}]})
    assert extra.status_code == 422  # started without explanations: said, not ignored
    schema = api.get("/v1/schema").json()
    assert schema["target"] == "survived" and {c["name"] for c in schema["columns"]} >= {"age", "sex"}
    name = next(c for c in schema["columns"] if c["name"] == "name")
    assert "categories" not in name, "free text would show training rows' values"


def test_an_api_key_is_required_and_compared(served):
    ws, _, _ = served
    api = client(ws, api_key="k" * 32)
    body = {"rows": rows_as_written(1)}
    assert api.post("/v1/predict", json=body).status_code == 401
    assert api.post("/v1/predict", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert api.get("/openapi.json").status_code == 401 and api.get("/metrics").status_code == 401
    assert api.get("/health").status_code == 200
    ok = api.post("/v1/predict", json=body, headers={"Authorization": "Bearer " + "k" * 32})
    assert ok.status_code == 200 and ok.json()["predictions"][0] in ("yes", "no")


def test_a_promote_is_picked_up_without_a_failed_request(served):
    ws, first, twin = served
    deployments.deploy(ws, first, "live")
    holder = ModelHolder(ws, first, "live", check_every_s=0.05)
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    body = {"rows": rows_as_written(3)}
    answers, stop = [], threading.Event()

    def hammer():
        while not stop.is_set():
            answers.append(api.post("/v1/predict", json=body))

    thread = threading.Thread(target=hammer)
    thread.start()
    wait_until(lambda: len(answers) >= 3, what="answers from the first model")
    deployments.promote(ws, "live", twin)
    assert holder.wait_for(twin, timeout_s=120)
    wait_until(lambda: any(a.status_code == 200 and a.json()["model"] == twin for a in answers[-3:]), timeout=60,
               what="an answer from the promoted model")
    stop.set()
    thread.join()
    assert answers and all(a.status_code == 200 for a in answers)
    models = [a.json()["model"] for a in answers]
    assert models[0] == first and models[-1] == twin


@pytest.fixture(scope="module")
def live(served):
    """`automl-studio serve titanic` on a free port, as a user starts it."""
    ws, _, _ = served
    with serving(ws.root, "titanic") as url:
        yield url


def test_no_generated_request_makes_the_live_endpoint_fail(live):
    """schemathesis reads the live /openapi.json (this model's columns) and sends generated requests, valid
    and not, to every operation: none may answer with a server error, or with a body its schema does not
    describe."""
    api = schemathesis.openapi.from_url(live + "/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/predict", "/v1/schema", "/health"}
    for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        if mode == GenerationMode.NEGATIVE and operation.path != "/v1/predict":
            continue  # nothing to get wrong in a request without a body or parameters
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            # and every answer is what /openapi.json says it is (the 200's schema, the 422's)
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        no_server_error()


def test_the_live_endpoint_counts_what_it_served(live):
    request = urllib.request.Request(live + "/v1/predict", data=json.dumps({"rows": rows_as_written(2)}).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert json.load(r)["predictions"][0] in ("yes", "no")
    with urllib.request.urlopen(live + "/metrics", timeout=10) as r:
        text = r.read().decode()
    assert 'automl_requests_total{path="/v1/predict",status="200"}' in text
    assert "automl_request_seconds_bucket" in text and "automl_rows_scored_total" in text


def test_serving_beyond_this_machine_needs_a_key(served):
    ws, _, _ = served
    proc = run_cli("serve", "titanic", "--host", "0.0.0.0", workspace=ws.root)
    assert proc.returncode == 2 and "API key" in proc.stderr


def test_the_app_starts_a_deployments_endpoint_that_outlives_the_page_and_stops_it(served):
    from automl.serving import endpoints

    ws, first, _ = served
    # a deployment of its own: the module's `live` endpoint serves "titanic" and records its own usage
    name = deployments.deploy(ws, first, "from-page").name
    started = endpoints.start_endpoint(ws, name)
    try:
        assert started.running and started.healthy and started.model == first
        assert endpoints.start_endpoint(ws, name).pid == started.pid  # one endpoint per deployment
        fresh = endpoints.endpoint_usage(started)  # no latency to show before a request (it read "0.0 ms")
        assert fresh["requests"] == 0 and fresh["mean_ms"] is None
        request = urllib.request.Request(started.url + "/v1/predict",
                                         data=json.dumps({"rows": rows_as_written(2)}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert len(json.load(r)["predictions"]) == 2
        usage = endpoints.endpoint_usage(endpoints.endpoint_status(ws, name))
        assert usage["requests"] == 1 and usage["errors"] == 0 and usage["mean_ms"] > 0
    finally:
        endpoints.stop_endpoint(ws, name)
    stopped = endpoints.endpoint_status(ws, name)
    assert not stopped.running and not stopped.healthy
    assert sum(s.rows for s in ws.list_scorings(name) if s.source == "endpoint") == 2  # flushed at stop
