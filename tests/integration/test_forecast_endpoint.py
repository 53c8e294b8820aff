"""A forecast's endpoint (issue 32): deployed under a name, `POST /v1/forecast` with recent history (and the
coming values of columns known in advance) answers every series' forecast as `predict` writes it; /v1/schema
describes the columns and their roles; what cannot be forecast is a 422 in one sentence; a deployment keeps
its kind and its contract; schemathesis finds no request that makes it fail."""

import itertools

import pandas as pd
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.generation.modes import GenerationMode

from automl.errors import DeploymentError
from automl.model.forecast_run import load_forecast_run
from automl.prediction.forecast import forecast_rows
from automl.serving import deployments
from automl.serving.forecast_api import ForecastHolder, create_forecast_app
from automl.store.workspace import Workspace
from tests.helpers import SAMPLES, copy_workspace

pytestmark = pytest.mark.integration

KEY = "k" * 24


@pytest.fixture(scope="module")
def endpoint(forecasts, tmp_path_factory):
    ws = Workspace(copy_workspace(forecasts.root, tmp_path_factory.mktemp("forecast-serving") / "ws"))
    deployments.deploy(ws, forecasts.arrivals_run, "arrivals")
    app = create_forecast_app(ForecastHolder(ws, forecasts.arrivals_run, "arrivals"), api_key=KEY)
    with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as client:
        yield ws, app, client


def _history() -> pd.DataFrame:
    df = pd.read_csv(SAMPLES / "arrivals_quarterly.csv")
    return df[df["quarter"] < "2011-01-01"]


def test_the_endpoint_forecasts_every_series_as_predict_does(endpoint, forecasts):
    ws, _, client = endpoint
    history = _history()
    r = client.post("/v1/forecast", json={"rows": history.to_dict("records")})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["model"] == forecasts.arrivals_run and answer["horizon"] == 4
    got = pd.DataFrame(answer["forecasts"])
    expected = forecast_rows(load_forecast_run(ws, forecasts.arrivals_run), history)
    assert list(got.columns) == list(expected.columns)
    assert got["quarter"].tolist() == expected["quarter"].tolist() and len(got) == 16
    pd.testing.assert_frame_equal(got[["forecast", "p10", "p90"]],
                                  expected[["forecast", "p10", "p90"]].reset_index(drop=True),
                                  check_dtype=False, rtol=1e-9)

    from automl.monitoring.forecast_watch import forecast_watch

    kept = forecast_watch(ws, "arrivals").table  # answered through the deployment: kept for Monitor
    assert len(kept) == 1 and kept["source"].iloc[0] == "endpoint" and kept["steps"].iloc[0] == 16

    schema = client.get("/v1/schema").json()
    assert schema["task"] == "forecast" and schema["series_column"] == "origin" and schema["horizon"] == 4
    assert schema["columns"] == ["origin", "quarter", "arrivals"]
    assert client.get("/health").json()["task"] == "forecast"
    assert 'automl_requests_total{path="/v1/forecast",status="200"}' in client.get("/metrics").text


def test_the_deploy_pages_example_request_is_answered(endpoint, forecasts):
    from ui.deploy_views import forecast_example

    ws, _, client = endpoint
    for run_id in (forecasts.arrivals_run, forecasts.seatbelts_run):  # without, then with, known covariates
        rows = forecast_example(ws, run_id)
        app = create_forecast_app(ForecastHolder(ws, run_id, None), api_key=KEY)
        with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as own:
            r = own.post("/v1/forecast", json={"rows": rows})
        assert r.status_code == 200, r.text
        assert len(r.json()["forecasts"]) == load_forecast_run(ws, run_id).spec.horizon  # one series' forecast


def test_what_cannot_be_forecast_is_one_sentence(endpoint):
    _, _, client = endpoint
    rows = _history().drop(columns="quarter").head(3).to_dict("records")
    r = client.post("/v1/forecast", json={"rows": rows})
    assert r.status_code == 422 and r.json()["detail"] == ("The rows lack the column(s) `quarter` the forecast was "
                                                           "trained with.")
    r = client.post("/v1/forecast", json={"rows": [{"origin": "Japan", "quarter": "not a date", "arrivals": 1}]})
    assert r.status_code == 422 and "is not a date" in r.json()["detail"]
    r = client.post("/v1/forecast", json={"series": []})
    assert r.status_code == 422 and r.json()["detail"].startswith('The body must be JSON of the form {"rows"')
    refused = client.post("/v1/forecast", json={"rows": rows}, headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401


def test_a_forecast_deployment_keeps_its_kind_and_contract(endpoint, forecasts):
    ws, _, _ = endpoint
    with pytest.raises(DeploymentError, match="does not keep arrivals's contract"):
        deployments.promote(ws, "arrivals", forecasts.seatbelts_run)  # other columns, another horizon


def test_the_cli_deploys_and_serves_a_forecast(endpoint, forecasts):
    """`deploy RUN --name N` then `serve N`, as a user starts it: the live endpoint forecasts."""
    import json
    import urllib.request

    from tests.helpers import run_cli, serving

    ws, _, _ = endpoint
    proc = run_cli("deploy", forecasts.seatbelts_run, "--name", "drivers", "--json", workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    with serving(ws.root, "drivers") as url:
        df = pd.read_csv(SAMPLES / "seatbelts_monthly.csv")[["month", "drivers", "law", "PetrolPrice", "kms"]]
        coming = pd.DataFrame({"month": pd.date_range("1985-01-01", periods=12, freq="MS").strftime("%Y-%m-%d"),
                               "law": 1, "PetrolPrice": 0.11, "kms": 20000})
        rows = pd.concat([df, coming]).astype(object).where(lambda f: f.notna(), None).to_dict("records")
        request = urllib.request.Request(url + "/v1/forecast", data=json.dumps({"rows": rows}).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as r:
            answer = json.load(r)
        assert answer["model"] == forecasts.seatbelts_run and len(answer["forecasts"]) == 12
        assert answer["forecasts"][0]["month"] == "1985-01-01"


def test_no_generated_request_makes_the_forecast_endpoint_fail(endpoint):
    _, app, _ = endpoint
    api = schemathesis.openapi.from_asgi("/openapi.json", app, headers={"Authorization": f"Bearer {KEY}"})
    operations = [result.ok() for result in api.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/forecast", "/v1/schema", "/health"}
    for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        if mode == GenerationMode.NEGATIVE and operation.path != "/v1/forecast":
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case):
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance],
                                   headers={"Authorization": f"Bearer {KEY}"})

        no_server_error()
