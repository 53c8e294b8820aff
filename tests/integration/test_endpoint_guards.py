"""Issue 28, items 14-17: what the endpoint refuses before a model is asked, each with the test that failed
before its fix: numbers that are not numbers, a Host that is not this machine, clients that hold a connection
without finishing a request, health details and explanations for whoever asks."""

import json
import shutil
import socket
import threading
import time

import pytest
from fastapi.testclient import TestClient

from automl.serving import deployments
from automl.serving.api import create_app
from automl.serving.holder import ModelHolder
from automl.store.workspace import Workspace
from tests.integration.test_serving import rows_as_written

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def holder(trained, tmp_path_factory):
    root = tmp_path_factory.mktemp("guards") / "ws"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "titanic")
    return ModelHolder(ws, trained.binary_run, "titanic")


def _raw(api: TestClient, body: str, **kwargs):
    return api.post("/v1/predict", content=body.encode(), headers={"content-type": "application/json"}, **kwargs)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "true"])
def test_a_number_that_is_not_a_number_is_refused_naming_the_row_and_column(holder, value):
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    row = rows_as_written(1)[0]
    body = json.dumps({"rows": [row, {**row, "age": 0}]}).replace('"age": 0', f'"age": {value}')
    answer = _raw(api, body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("Row 2: `age` takes a number"), detail
    assert row["name"] not in answer.text, "the rows sent are never echoed"
    for text in ("Infinity", "1e400", "-inf"):  # as text, the reader refuses them as it does in a batch file
        answer = api.post("/v1/predict", json={"rows": [{**row, "age": text}]})
        assert answer.status_code == 422 and "`age` could not be read as numbers" in answer.json()["detail"]
    assert api.post("/v1/predict", json={"rows": [{**row, "age": None}]}).status_code == 200  # null: missing


def test_a_missing_column_is_one_sentence_without_the_row(holder):
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    row = rows_as_written(1)[0]
    del row["passengerClass"]
    answer = api.post("/v1/predict", json={"rows": [row]})
    assert answer.status_code == 422
    assert answer.json() == {"detail": "Row 1 has no `passengerClass` column; send every input column (null for a "
                                       "missing value)."}


@pytest.mark.parametrize("host,ok", [("127.0.0.1:8000", True), ("localhost", True), ("[::1]:8000", True),
                                     ("evil.example", False), ("evil.example:8000", False),
                                     ("127.0.0.1.nip.io", False)])
def test_an_endpoint_without_a_key_answers_only_requests_to_this_machine(holder, host, ok):
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    answer = api.post("/v1/predict", json={"rows": rows_as_written(1)}, headers={"host": host})
    assert (answer.status_code == 200) == ok, answer.text
    keyed = TestClient(create_app(holder, api_key="k" * 32), base_url="http://127.0.0.1")  # a key: any name
    assert keyed.post("/v1/predict", json={"rows": rows_as_written(1)},
                      headers={"host": host, "authorization": "Bearer " + "k" * 32}).status_code == 200


def test_an_operator_allows_a_name(holder, monkeypatch):
    monkeypatch.setenv("AUTOML_STUDIO_ALLOWED_HOSTS", "models.internal, other.internal")
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    assert api.get("/v1/schema", headers={"host": "models.internal:8000"}).status_code == 200


def test_health_without_the_key_says_up_or_down_only(holder):
    key = "k" * 32
    api = TestClient(create_app(holder, api_key=key), base_url="http://127.0.0.1")
    assert api.get("/health").json() == {"status": "ok"}
    full = api.get("/health", headers={"authorization": f"Bearer {key}"}).json()
    assert full["model"] == holder.current().run_id and "last_error" in full


def test_explanations_are_bounded_in_rows_and_in_how_many_run_at_once(holder):
    started, release = threading.Event(), threading.Event()

    def slow_reasons(predictor, bundle, k):
        def reasons(X, result):
            started.set()
            release.wait(30)
            import pandas as pd
            return pd.DataFrame({"reason_1": ["x"] * len(X)})
        return reasons

    api = TestClient(create_app(holder, reasons_for=slow_reasons), base_url="http://127.0.0.1")
    big = api.post("/v1/predict?explain=1", json={"rows": rows_as_written(1001)})
    assert big.status_code == 422 and "at most 1,000 rows" in big.json()["detail"]
    first: list = []
    worker = threading.Thread(target=lambda: first.append(api.post("/v1/predict?explain=2",
                                                                   json={"rows": rows_as_written(3)})))
    worker.start()
    assert started.wait(30)
    busy = api.post("/v1/predict?explain=2", json={"rows": rows_as_written(3)})
    assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
    assert api.post("/v1/predict", json={"rows": rows_as_written(3)}).status_code == 200  # answers go on
    release.set()
    worker.join(30)
    assert first[0].status_code == 200
    assert api.post("/v1/predict?explain=2", json={"rows": rows_as_written(3)}).status_code == 200  # free again


# -- connections: a real uvicorn with the guarded protocol, its limits made short for the test ----------------------


@pytest.fixture
def live(holder, monkeypatch):
    import uvicorn

    from automl.serving import limits, protocol

    monkeypatch.setattr(protocol, "HEADER_TIMEOUT_S", 1.5)
    monkeypatch.setattr(protocol, "MAX_CONNECTIONS", 20)
    monkeypatch.setattr(limits, "BODY_TIMEOUT_S", 1.5)
    app = create_app(holder)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    options = protocol.uvicorn_options() | {"limit_concurrency": 20}
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(10)


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes `sock` (or answers and closes) within `seconds`."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
        return True
    except (socket.timeout, TimeoutError):
        return False
    except OSError:
        return True


def test_a_client_that_trickles_its_headers_is_cut_off(live):
    sock = socket.create_connection(("127.0.0.1", live))
    sock.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    start = time.monotonic()
    cut = False
    for _ in range(8):  # one header byte every half second: never finished
        try:
            sock.sendall(b"X")
        except OSError:
            cut = True
            break
        if _closed_within(sock, 0.5):
            cut = True
            break
    assert cut and time.monotonic() - start < 4
    sock.close()


def test_idle_connections_are_closed_and_past_the_cap_refused_at_once(live):
    idle = [socket.create_connection(("127.0.0.1", live)) for _ in range(25)]
    time.sleep(0.3)
    refused = [s for s in idle[20:] if _closed_within(s, 0.5)]
    assert len(refused) == 5, "connections past the cap are closed at once"
    assert all(_closed_within(s, 3) for s in idle[:20]), "a connection that never sends a request is closed"
    for s in idle:
        s.close()
    body = json.dumps({"rows": rows_as_written(1)}).encode()
    request = (b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
               b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with socket.create_connection(("127.0.0.1", live)) as fresh:  # and the endpoint still answers
        fresh.sendall(request)
        fresh.settimeout(30)
        assert fresh.recv(64).startswith(b"HTTP/1.1 200")


def test_a_body_that_never_arrives_is_answered_408(live):
    with socket.create_connection(("127.0.0.1", live)) as sock:
        sock.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n"
                     b"content-length: 1000\r\n\r\n{\"rows\"")
        sock.settimeout(5)
        assert sock.recv(64).startswith(b"HTTP/1.1 408")


def test_the_endpoint_flags_inputs_training_never_saw_as_batch_prediction_does(holder):
    """Issue 29, 12: an age ten times the largest in training, a negative one and a class training never had
    were answered with ordinary confidence and HTTP 200, while the batch page flagged the same rows."""
    api = TestClient(create_app(holder), base_url="http://127.0.0.1")
    row = rows_as_written(1)[0]
    rows = [row, {**row, "age": 800}, {**row, "age": -5}, {**row, "passengerClass": "9th"}]
    answer = api.post("/v1/predict", json={"rows": rows})
    assert answer.status_code == 200, answer.text
    flags = answer.json()["unusual_inputs"]
    assert flags[0] is None
    assert "age outside the training range" in flags[1] and "age outside the training range" in flags[2]
    assert "passengerClass" in flags[3]
    metrics = api.get("/metrics").text
    assert "automl_unusual_rows_total 3.0" in metrics
