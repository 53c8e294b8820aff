"""Issue 29, 1: Monitor follows what the deployed decisions do, not only a threshold-free score.

A churn-like table (one customer in seven churns, mostly those with many day minutes). A champion trained on
2,000 customers is deployed; three batches of 500 are scored with their ids. In the third, the minutes are
recorded 40 higher while who churns does not change: the model flags far more customers, most
of whom stay. Every row moves the same way, so the ranking and with it the ROC AUC hold; precision at the
saved threshold collapses (measured once: ROC AUC 0.874 -> 0.876, precision 0.62 -> 0.42, the share answered
yes 32% -> 59%). The alerts name that batch and that metric, a prediction-drift alert names the
answer whose share moved, and the page leads with the sentence in words."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from automl.model.bundle import load_bundle, load_predictor
from automl.prediction.files import predict_csv
from automl.monitoring.record import record_batch
from automl.monitoring.watch import watch
from automl.store.workspace import Workspace
from tests.helpers import run_cli

pytestmark = pytest.mark.integration


def _customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    minutes = rng.normal(180, 50, n).clip(0)
    calls = rng.poisson(2, n)
    risk = 0.045 * (minutes - 180) + 0.6 * (calls - 2) - 2.3
    churn = np.where(rng.random(n) < 1 / (1 + np.exp(-risk)), "yes", "no")
    return pd.DataFrame({"customer_id": [f"C{seed}-{i:05d}" for i in range(n)], "day_minutes": minutes.round(1),
                         "service_calls": calls, "plan": rng.choice(["basic", "plus"], n), "churn": churn})


@pytest.fixture(scope="module")
def collapsed(tmp_path_factory):
    root = tmp_path_factory.mktemp("decisions")
    _customers(2000, 0).drop(columns=["customer_id"]).to_csv(root / "train.csv", index=False)
    proc = run_cli("train", str(root / "train.csv"), "--label", "churn", "--time-limit", "20", "--models", "GBM",
                   "--json", workspace=root / "ws")
    assert proc.returncode == 0, proc.stderr
    run_id = json.loads(proc.stdout)["run_id"]
    ws = Workspace(root / "ws")
    assert run_cli("deploy", run_id, "--name", "churn", workspace=ws.root).returncode == 0
    bundle = load_bundle(ws, run_id)
    predictor = load_predictor(bundle)
    outcomes = []
    for i in range(3):
        batch = _customers(500, i + 1)
        outcomes.append(batch[["customer_id", "churn"]])
        if i == 2:
            batch["day_minutes"] = batch["day_minutes"] + 40  # recorded another way; who churns is unchanged
        path = root / f"batch{i + 1}.csv"
        batch.drop(columns=["churn"]).to_csv(path, index=False)
        report = predict_csv(predictor, bundle, path, root / f"out{i + 1}.csv", id_column="customer_id")
        record_batch(ws, "churn", bundle, report, file=path.name)
    pd.concat(outcomes).to_csv(root / "outcomes.csv", index=False)
    proc = run_cli("actuals", "churn", str(root / "outcomes.csv"), "--id-column", "customer_id", workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    return ws, run_id


def test_roc_auc_holds_while_precision_at_the_threshold_collapses_and_the_alert_says_so(collapsed):
    ws, _ = collapsed
    seen = watch(ws, "churn")
    realised = {(p["batch"], p["metric"]): p["value"] for p in seen.performance if not p["estimated"]}
    print({k: round(v, 3) for k, v in realised.items()})
    assert abs(realised[(3, "roc_auc")] - realised[(1, "roc_auc")]) < 0.06, "the ranking holds"
    reference = seen.references[seen.champion]["metrics"]
    assert realised[(3, "precision")] < 0.8 * reference["precision"], "the decisions collapse"
    fell = [a for a in seen.alerts if a.kind == "performance" and a.message.startswith("Realised")]
    assert ("precision", 3) in [(a.column, a.batch) for a in fell], seen.alerts
    assert "roc_auc" not in [a.column for a in fell if a.batch == 3]
    answers = [a for a in seen.alerts if a.kind == "answers"]
    assert [a.batch for a in answers] == [3] and "`yes`" in answers[0].message, seen.alerts
    assert seen.headline.startswith("Of the rows it answered `yes` in batch 3, ")
    assert "on the test split" in seen.headline


def test_monitor_leads_with_the_sentence_and_shows_the_metric_that_fell(collapsed, monkeypatch):
    from tests.app.helpers import open_page, texts

    ws, _ = collapsed
    at = open_page("pages/monitor.py", ws.root, monkeypatch)
    shown = texts(at)
    assert "Of the rows it answered `yes` in batch 3" in shown
    assert any("Realised Precision fell to" in w.value and "batch 3" in w.value for w in at.warning)
    metric = at.selectbox(key="monitor.metric.churn")
    assert metric.value == "precision", "the metric that fell is the one shown first"
    assert "ROC AUC" in metric.options and "Recall" in metric.options


def test_a_challenger_learns_from_the_champion_s_rows_and_the_new_ones_and_is_compared_on_new_rows(collapsed):
    from automl.monitoring.retrain import challengers

    ws, champion = collapsed
    root = ws.root.parent
    new = pd.concat([_customers(500, 1), _customers(500, 2)]).drop(columns=["customer_id"])
    new.to_csv(root / "new.csv", index=False)
    proc = run_cli("retrain", "churn", "--data", str(root / "new.csv"), "--time-limit", "15", "--json",
                   workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    assert "trained on 2,000 rows of the champion's data and 1,000 new rows" in proc.stderr
    result = json.loads(proc.stdout)
    detail = next(c for c in challengers(ws, "churn") if c["run"] == result["challenger"])
    assert detail["learned_from"] == {"champion": 2000, "new": 1000}
    assert ws.get_dataset(detail["dataset"]).rows == 3000
    comparison = result["comparison"]
    held = comparison["new_rows_held_out"]["rows"]
    assert 0 < held < 1000 * 0.35, "only new rows, of the challenger's test split, neither model learned"
    assert comparison["original_test_split"]["challenger"] is None, "it learned those rows: not scored there"
