"""The Monitor page (Streamlit's AppTest): a deployment's batches, its alerts, realised performance once the
outcomes arrive, and the choices that must survive a rerun."""

from automl.store.workspace import Workspace
from tests.app.helpers import open_page, texts
from tests.helpers import SAMPLES, copy_workspace, score_drifting_batches


def _monitored(trained, tmp_path, monkeypatch, outcomes: bool = False):
    root = copy_workspace(trained.root, tmp_path / "ws")
    ws = Workspace(root)
    score_drifting_batches(ws, trained.binary_run, "survival")
    if outcomes:
        from automl.monitoring.actuals import add_actuals

        add_actuals(ws, "survival", SAMPLES / "titanic.csv", "name")
    at = open_page("pages/monitor.py", root, monkeypatch)
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_monitor_names_the_deployment_its_model_and_each_alert_with_its_batch(trained, tmp_path, monkeypatch):
    at = _monitored(trained, tmp_path, monkeypatch)
    shown = texts(at)
    assert "**survival** serves the model survived · " in shown and trained.binary_run in shown
    alerts = [w.value for w in at.warning]
    # ages 40 years older from the sixth batch: a drift alert that names the column and the batch
    drift = [a for a in alerts if a.startswith("**Drift**")]
    assert drift and any("age" in a and "batch 6" in a for a in drift), drift
    assert any(a.startswith("**Volume**") and "12 rows" in a for a in alerts), alerts  # the 12-row eighth batch
    assert f"Alerts ({len(alerts)})" in shown
    # before any outcome: estimated performance only, and the way to add outcomes offered
    assert at.selectbox(key="monitor.metric.survival").value == "roc_auc"
    assert any(e.label.startswith("Add true outcomes") for e in at.expander)


def test_the_chosen_metric_survives_a_rerun_and_outcomes_turn_estimates_into_realised_values(trained, tmp_path,
                                                                                            monkeypatch):
    from automl.data.problem import metric_name
    from automl.monitoring.watch import watch

    at = _monitored(trained, tmp_path, monkeypatch, outcomes=True)
    seen = watch(Workspace(tmp_path / "ws"), "survival")
    realised = {p["metric"] for p in seen.performance if not p["estimated"]}
    assert "roc_auc" in realised and "precision" in realised, seen.performance[:3]  # the outcomes were read
    metric = at.selectbox(key="monitor.metric.survival")
    assert len(metric.options) > 1, metric.options  # the decisions' metrics beside the threshold-free one
    assert metric_name("precision") in metric.options
    other = next(m for m in seen.tracked if m != metric.value and metric_name(m) in metric.options)
    metric.select(other).run()  # by value: AppTest's select_index would set the label, not the value
    at.run()  # a rerun (another widget, a fragment) keeps the metric the user chose
    assert at.selectbox(key="monitor.metric.survival").value == other
    assert not at.exception, [e.message for e in at.exception]


def test_outcomes_of_the_endpoint_s_requests_sent_with_ids_show_as_that_period_s_realised_values(trained, tmp_path,
                                                                                              monkeypatch):
    """Issue 29, 1: realised metrics per endpoint period, on the page."""
    import json

    import pandas as pd
    from fastapi.testclient import TestClient

    from automl.monitoring.actuals import add_actuals
    from automl.serving import deployments
    from automl.serving.api import create_app
    from automl.serving.holder import ModelHolder
    from automl.serving.usage import UsageLog

    root = copy_workspace(trained.root, tmp_path / "ws")
    ws = Workspace(root)
    deployments.deploy(ws, trained.binary_run, "api")
    titanic = pd.read_csv(SAMPLES / "titanic.csv").head(300)
    rows = titanic.drop(columns=["survived"])
    usage = UsageLog(ws, "api", every_s=3600, sample_rows=300)
    with TestClient(create_app(ModelHolder(ws, trained.binary_run, "api"), usage=usage),
                    base_url="http://127.0.0.1") as api:
        for start in range(0, 300, 100):
            assert api.post("/v1/predict", json={
                "rows": json.loads(rows.iloc[start:start + 100].to_json(orient="records")),
                "ids": titanic["name"].iloc[start:start + 100].tolist()}).status_code == 200
    add_actuals(ws, "api", SAMPLES / "titanic.csv", "name")
    at = open_page("pages/monitor.py", root, monkeypatch)
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    # the period's realised precision leads (it exists only with outcomes joined to the endpoint's answers)
    assert "Of the rows it answered `yes` in batch 1, " in shown and "In that batch it answered `yes` for" in shown, \
        shown[:800]
