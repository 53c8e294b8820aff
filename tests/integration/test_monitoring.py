"""Monitoring a deployment: batches scored through it are summarised (never kept), drift per column is
tracked over time, and alerts name the column and the batch where something changed."""

from __future__ import annotations

import json
import shutil

import pytest

from automl.monitoring.watch import watch
from automl.store.workspace import Workspace
from tests.app.helpers import open_page, texts
from tests.helpers import run_cli, score_drifting_batches

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def monitored(trained, tmp_path_factory):
    root = tmp_path_factory.mktemp("monitored") / "ws"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    score_drifting_batches(ws, trained.binary_run, "survival")
    return ws, trained


def test_each_batch_is_summarised_without_its_rows(monitored):
    ws, trained = monitored
    seen = watch(ws, "survival")
    assert seen.champion == trained.binary_run and [b.rows for b in seen.batches] == [300] * 7 + [12]
    first = seen.batches[0]
    assert set(first.psi) >= {"age", "sex", "passengerClass"} and first.psi["age"] < 0.1
    assert set(first.predicted["shares"]) <= {"yes", "no"} and abs(sum(first.predicted["shares"].values()) - 1) < 1e-6
    assert first.missing["age"] < 0.35  # about a fifth of titanic's ages are missing
    stored = json.dumps([s.detail for s in ws.list_scorings("survival")])
    assert "Allen, Miss. Elisabeth Walton" not in stored and "name" not in json.loads(stored)[0]["psi"]


def test_the_drift_alert_names_the_column_at_the_batch_where_it_shifted(monitored):
    ws, _ = monitored
    seen = watch(ws, "survival")
    drift = [a for a in seen.alerts if a.kind == "drift"]
    assert [(a.column, a.at) for a in drift] == [("age", seen.batches[5].at)], seen.alerts
    assert all(b.psi["age"] < 0.1 for b in seen.batches[:5]) and seen.batches[5].psi["age"] > 0.2
    missing = [a for a in seen.alerts if a.kind == "missing"]
    assert [(a.column, a.at) for a in missing] == [("age", seen.batches[6].at)]
    volume = [a for a in seen.alerts if a.kind == "volume"]
    assert [a.at for a in volume] == [seen.batches[7].at] and "12 rows" in volume[0].message


def test_monitor_json_contract(monitored):
    ws, trained = monitored
    proc = run_cli("monitor", "survival", "--json", workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["deployment"] == "survival" and out["champion"] == trained.binary_run
    assert len(out["batches"]) == 8 and {"at", "rows", "psi"} <= set(out["batches"][0])
    assert {"kind", "column", "message"} <= set(out["alerts"][0]) and "performance" in out


def test_the_monitor_page_shows_drift_volume_and_alerts(monitored, monkeypatch):
    ws, _ = monitored
    at = open_page("pages/monitor.py", ws.root, monkeypatch)
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at) + " ".join(w.value for w in at.warning)
    assert f"Alerts ({len(watch(ws, 'survival').alerts)})" in shown and "`age` drifted from the training data" in shown
    assert "`age` is missing in" in shown and "usually have about 300" in shown
    assert len(at.get("plotly_chart")) == 4  # drift, estimated performance, volume, answers


def test_the_endpoints_requests_are_sampled_and_summarised_like_a_batch(trained, tmp_path):
    """Requests to the endpoint are counted, and their rows summarised (drift, answers, estimate) every
    `sample_rows` rows and when it stops; the rows themselves are never written."""
    import pandas as pd
    from fastapi.testclient import TestClient

    from automl.serving import deployments
    from automl.serving.api import create_app
    from automl.serving.holder import ModelHolder
    from automl.serving.usage import UsageLog
    from tests.helpers import SAMPLES

    root = tmp_path / "ws"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "api")
    usage = UsageLog(ws, "api", every_s=3600, sample_rows=200)
    rows = pd.read_csv(SAMPLES / "titanic.csv").drop(columns=["survived"]).sample(250, random_state=1)
    rows["age"] = rows["age"] + 40
    app = create_app(ModelHolder(ws, trained.binary_run, "api"), usage=usage)
    with TestClient(app, base_url="http://127.0.0.1") as api:
        for start in range(0, 250, 50):
            part = json.loads(rows.iloc[start:start + 50].to_json(orient="records"))
            assert api.post("/v1/predict", json={"rows": part}).status_code == 200
        usage.flush()  # 250 rows sampled: one summary of 200+ rows is due
        first = [b for b in watch(ws, "api").batches]
    assert [(b.source, b.rows) for b in first] == [("endpoint-sample", 250)]
    assert first[0].psi["age"] > 0.2 and first[0].estimated["metric"] == "roc_auc"
    seen = watch(ws, "api")  # the endpoint stopped: nothing left unwritten
    assert sum(o["rows"] for o in seen.other) == 250 and len(seen.batches) == 1
    assert [a.column for a in seen.alerts if a.kind == "drift"] == ["age"]
    assert "Allen" not in json.dumps([s.detail for s in ws.list_scorings("api")])


def test_the_outcomes_panel_stays_open_over_a_chosen_file_and_knows_the_id_column(monitored, monkeypatch):
    """Issue 29, 7: the panel folded each time a file was chosen (after the first), hiding the file and its
    button, and its id column started empty although the batches were scored with one."""
    from tests.helpers import SAMPLES

    ws, _ = monitored
    at = open_page("pages/monitor.py", ws.root, monkeypatch)
    assert at.text_input(key="monitor.id_column").value == "name", "the id the batches were scored with"
    outcomes = next(e for e in at.expander if e.label.startswith("Add true outcomes"))
    assert not outcomes.proto.expanded
    at.file_uploader(key="monitor.outcomes").upload("outcomes.csv", (SAMPLES / "titanic.csv").read_bytes(),
                                                    "text/csv")
    at.run()
    assert next(e for e in at.expander if e.label.startswith("Add true outcomes")).proto.expanded
    at.button(key="monitor.add_outcomes").click().run()
    assert not at.exception
    at.file_uploader(key="monitor.outcomes").upload("again.csv", (SAMPLES / "titanic.csv").read_bytes(), "text/csv")
    at.run()  # a second file: the panel stays open over it
    assert next(e for e in at.expander if e.label.startswith("Add true outcomes")).proto.expanded
    assert at.text_input(key="monitor.id_column").value == "name"


def test_the_endpoint_keeps_answers_by_the_ids_sent_so_outcomes_give_its_realised_performance(trained, tmp_path):
    """Issue 29, 1: realised metrics per endpoint period. A request may send one id per row; its answers are kept
    by id with the period's summary, so outcomes added on Monitor are joined to them as to a batch file's."""
    import pandas as pd
    from fastapi.testclient import TestClient

    from automl.monitoring.actuals import add_actuals
    from automl.serving import deployments
    from automl.serving.api import create_app
    from automl.serving.holder import ModelHolder
    from automl.serving.usage import UsageLog
    from tests.helpers import SAMPLES

    root = tmp_path / "ws"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "api")
    usage = UsageLog(ws, "api", every_s=3600, sample_rows=150)
    titanic = pd.read_csv(SAMPLES / "titanic.csv").sample(200, random_state=2).reset_index(drop=True)
    titanic["passenger"] = [f"p{i}" for i in range(len(titanic))]
    rows = titanic.drop(columns=["survived", "passenger"])
    app = create_app(ModelHolder(ws, trained.binary_run, "api"), usage=usage)
    with TestClient(app, base_url="http://127.0.0.1") as api:
        part = json.loads(rows.head(2).to_json(orient="records"))
        wrong = api.post("/v1/predict", json={"rows": part, "ids": ["p0"]})
        assert wrong.status_code == 422 and wrong.json()["detail"] == ("ids holds 1 id(s) for 2 row(s): send one id "
                                                                       "per row, or none.")
        bad = api.post("/v1/predict", json={"rows": part, "ids": [True, "x" * 201]})
        assert bad.status_code == 422 and bad.json()["detail"].startswith("ids must be a list of one id per row")
        for start in range(0, 150, 50):  # 150 rows with their ids, then 50 without
            chunk = slice(start, start + 50)
            answer = api.post("/v1/predict", json={"rows": json.loads(rows.iloc[chunk].to_json(orient="records")),
                                                   "ids": titanic["passenger"].iloc[chunk].tolist()})
            assert answer.status_code == 200 and answer.json()["ids"][0] == f"p{start}"
        assert "ids" not in api.post("/v1/predict", json={"rows": json.loads(
            rows.iloc[150:].to_json(orient="records"))}).json()
        usage.flush()
    assert ws.count_answers("api") == 150  # the 50 rows sent without ids are summarised, not kept by id
    outcomes = titanic[["passenger", "survived"]].to_csv(index=False).encode()
    report = add_actuals(ws, "api", outcomes, "passenger", file_name="outcomes.csv")
    assert (report.rows, report.matched) == (200, 150)
    (period,) = watch(ws, "api").batches
    assert period.source == "endpoint-sample" and period.rows == 200
    assert period.realised["rows"] == 150 and 0.5 < period.realised["metrics"]["roc_auc"] <= 1
    assert {"accuracy", "precision", "recall", "f1"} <= set(period.realised["metrics"])
