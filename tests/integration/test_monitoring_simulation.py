"""The monitoring issue's proof, end to end on a real table (credit_data): a champion trained on 1,500 loans;
ten batches of later loans scored through its deployment with their ids; from the sixth batch on, incomes
are reported in another unit (x3) and who repays changes (the outcome follows income, not the applicant's
record). The drift alert names `Income` at the sixth batch; before the change the estimated ROC AUC (CBPE,
from calibrated probabilities) tracks the one realised once the outcomes arrive; a challenger retrained on
the late batches beats the champion on them, and promoting it changes the endpoint's answers."""

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
from tests.helpers import SAMPLES, run_cli

pytestmark = pytest.mark.integration

ESTIMATE_TOLERANCE = 0.06  # |estimated - realised| ROC AUC per batch of ~295 rows, before the change


def _late(batch: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    batch = batch.copy()
    batch["Income"] = batch["Income"] * 3
    low = batch["Income"].fillna(batch["Income"].median()) < batch["Income"].median()
    flip = rng.random(len(batch)) < 0.1
    batch["Status"] = np.where(low ^ flip, "bad", "good")
    return batch


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("simulation")
    loans = pd.read_csv(SAMPLES / "credit_data.csv").sample(frac=1, random_state=0).reset_index(drop=True)
    loans.insert(0, "loan_id", [f"L{i:05d}" for i in range(len(loans))])
    first, later = loans.iloc[:1500], loans.iloc[1500:]
    (root / "first.csv").write_text(first.drop(columns=["loan_id"]).to_csv(index=False))
    ws_root = root / "ws"
    proc = run_cli("train", str(root / "first.csv"), "--label", "Status", "--time-limit", "25", "--models", "GBM",
                   "--json", workspace=ws_root)
    assert proc.returncode == 0, proc.stderr
    champion = json.loads(proc.stdout)["run_id"]
    ws = Workspace(ws_root)
    assert run_cli("deploy", champion, "--name", "loans", workspace=ws_root).returncode == 0
    bundle = load_bundle(ws, champion)
    predictor = load_predictor(bundle)
    rng = np.random.default_rng(0)
    batches = []
    bounds = np.linspace(0, len(later), 11).astype(int)
    for i in range(10):
        part = later.iloc[bounds[i]:bounds[i + 1]]
        part = _late(part, rng) if i >= 5 else part
        batches.append(part)
        path = root / f"batch{i + 1}.csv"
        part.drop(columns=["Status"]).to_csv(path, index=False)
        report = predict_csv(predictor, bundle, path, root / f"out{i + 1}.csv", id_column="loan_id")
        record_batch(ws, "loans", bundle, report, file=path.name)
    outcomes = pd.concat(batches)[["loan_id", "Status"]]
    outcomes.to_csv(root / "outcomes.csv", index=False)
    proc = run_cli("actuals", "loans", str(root / "outcomes.csv"), "--id-column", "loan_id", "--json",
                   workspace=ws_root)
    assert proc.returncode == 0, proc.stderr
    pd.concat(batches[5:]).drop(columns=["loan_id"]).to_csv(root / "late.csv", index=False)
    return ws, champion, root, json.loads(proc.stdout)


def test_outcomes_join_by_id_and_only_ids_answers_and_probabilities_are_kept(simulated):
    ws, _, _, joined = simulated
    assert joined["rows"] == joined["matched"] == 2954
    import sqlite3

    with sqlite3.connect(ws.catalog_path) as con:
        columns = [r[1] for r in con.execute("PRAGMA table_info(answers)")]
        row = con.execute("SELECT row_id, predicted, proba_json, actual FROM answers LIMIT 1").fetchone()
    assert columns == ["id", "deployment", "scoring_id", "row_id", "predicted", "proba_json", "actual", "at",
                       "actual_at"]
    assert row[0].startswith("L") and row[1] in ("good", "bad") and set(json.loads(row[2])) == {"good", "bad"}


def test_drift_alert_names_income_at_the_sixth_batch_and_performance_alerts_follow(simulated):
    ws, _, _, _ = simulated
    seen = watch(ws, "loans")
    drift = [a for a in seen.alerts if a.kind == "drift"]
    assert [(a.column, a.at) for a in drift] == [("Income", seen.batches[5].at)], seen.alerts
    realised_alerts = [a for a in seen.alerts if a.kind == "performance" and a.message.startswith("Realised")
                       and a.column == "roc_auc"]
    assert [a.batch for a in realised_alerts] == [6], seen.alerts
    assert "ROC AUC fell to" in realised_alerts[0].message and "stayed worse in the 4 batch(es) after" in \
        realised_alerts[0].message


def test_the_estimate_tracks_the_realised_metric_before_the_change(simulated):
    ws, _, _, _ = simulated
    seen = watch(ws, "loans")
    assert seen.baseline["metric"] == "roc_auc"
    by_batch = {(p["batch"], p["estimated"]): p["value"] for p in seen.performance if p["metric"] == "roc_auc"}
    gaps = [abs(by_batch[(i, True)] - by_batch[(i, False)]) for i in range(1, 6)]
    print("estimated - realised, batches 1-5:", [round(by_batch[(i, True)] - by_batch[(i, False)], 3)
                                                 for i in range(1, 11)])
    assert max(gaps) <= ESTIMATE_TOLERANCE, gaps
    late = [by_batch[(i, False)] for i in range(6, 11)]
    assert max(late) < min(by_batch[(i, False)] for i in range(1, 6))  # the change shows in realised only


def test_a_challenger_on_the_late_batches_beats_the_champion_and_promoting_it_changes_the_endpoint(simulated):
    from fastapi.testclient import TestClient

    from automl.serving.api import create_app
    from automl.serving.holder import ModelHolder

    ws, champion, root, _ = simulated
    proc = run_cli("retrain", "loans", "--data", str(root / "late.csv"), "--time-limit", "20", "--new-rows-only",
                   "--json", workspace=ws.root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["champion"] == champion and result["challenger"] != champion
    new = result["comparison"]["new_rows_held_out"]
    assert new["challenger"] > new["champion"] + 0.1 and result["comparison"]["better_on_new_rows"] == "challenger"
    assert result["comparison"]["original_test_split"]["rows"] == 300
    dataset = ws.get_dataset(ws.get_run(result["challenger"]).dataset_id)
    assert dataset.meta["new_rows_for"] == "loans" and dataset.rows == len(pd.read_csv(root / "late.csv"))

    late = pd.read_csv(root / "late.csv").drop(columns=["Status"]).head(200)
    rows = json.loads(late.to_json(orient="records"))
    holder = ModelHolder(ws, champion, "loans", check_every_s=0.05)
    with TestClient(create_app(holder), base_url="http://127.0.0.1") as client:
        before = client.post("/v1/predict", json={"rows": rows}).json()
        assert before["model"] == champion
        assert run_cli("promote", "loans", result["challenger"], workspace=ws.root).returncode == 0
        assert holder.wait_for(result["challenger"], timeout_s=120)
        after = client.post("/v1/predict", json={"rows": rows}).json()
    assert after["model"] == result["challenger"] and after["predictions"] != before["predictions"]
    truth = pd.read_csv(root / "late.csv")["Status"].head(200).tolist()
    right = [sum(p == t for p, t in zip(answer["predictions"], truth, strict=True)) for answer in (before, after)]
    assert right[1] > right[0], right


def test_the_monitor_page_shows_performance_and_the_challenger_and_rolls_back(simulated, monkeypatch):
    from tests.app.helpers import open_page, texts

    ws, champion, _, _ = simulated
    challenger = ws.get_deployment("loans").run_id  # promoted by the test before
    assert challenger != champion
    at = open_page("pages/monitor.py", ws.root, monkeypatch)
    shown = texts(at) + " ".join(w.value for w in at.warning)
    assert "`Income` drifted from the training data" in shown and "Realised ROC AUC fell to" in shown
    assert len(at.get("plotly_chart")) == 5  # drift, performance, calibration, volume, answers
    table = at.dataframe[-1].value  # each model named by what it is now: the challenger was promoted
    assert list(table.columns) == ["rows", f"{champion} (not served)", f"{challenger} (served now)"]
    assert "is better" in shown and f"**{challenger}** is better" in shown
    assert "learned from its own training rows" in shown and "new rows alone" in shown, "which rows each learned"
    at.button(key="monitor.rollback").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert ws.get_deployment("loans").run_id == champion
    assert any(f"rolled back: it serves {champion}" in s.value for s in at.success)


def test_new_rows_without_the_outcome_or_ids_never_matching_are_refused_with_the_reason(simulated):
    ws, _, root, _ = simulated
    datasets = len(ws.list_datasets())
    (root / "no_outcome.csv").write_text(pd.read_csv(root / "late.csv").drop(columns=["Status"]).to_csv(index=False))
    proc = run_cli("retrain", "loans", "--data", str(root / "no_outcome.csv"), workspace=ws.root)
    assert proc.returncode == 2 and "no `Status` column" in proc.stderr, proc.stderr
    assert len(ws.list_datasets()) == datasets  # nothing kept
    proc = run_cli("actuals", "loans", str(root / "outcomes.csv"), "--id-column", "loan", workspace=ws.root)
    assert proc.returncode == 2 and "no column `loan`" in proc.stderr, proc.stderr
    (root / "strangers.csv").write_text("loan_id,Status\nX1,good\nX2,bad\n")
    proc = run_cli("actuals", "loans", str(root / "strangers.csv"), "--id-column", "loan_id", workspace=ws.root)
    assert proc.returncode == 0 and "0 of 2 outcome(s) matched" in proc.stderr and "'X1'" in proc.stderr
