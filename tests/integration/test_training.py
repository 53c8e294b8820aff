"""Real AutoGluon fits with small budgets: CLI contract, artifacts, stop / cancel / crash, SHAP."""

import json
import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

from automl.errors import RunNotReadyError
from automl.model.bundle import load_bundle, load_predictor, ready_runs
from automl.store import jobs
from automl.store.workspace import Workspace
from automl.training.config import TrainConfig, start_training
from explain.shap_values import compute_shap
from tests.helpers import SAMPLES, run_cli, wait_for

pytestmark = pytest.mark.integration


def test_train_json_contract(trained):
    out = trained.train_json
    for key in ("run_id", "problem_type", "eval_metric", "test_score", "leaderboard", "gpus"):
        assert key in out
    assert out["problem_type"] == "binary" and out["eval_metric"] == "accuracy"
    assert 0.6 < out["test_score"] <= 1.0  # titanic survival: well above the 62% majority rate
    assert out["gpus"] == []
    models = {row["model"] for row in out["leaderboard"]}
    assert "WeightedEnsemble_L2" in models and any(m.startswith("LightGBM") for m in models)
    assert all(isinstance(row["score_val"], float) for row in out["leaderboard"])


def test_run_artifacts_and_held_out_split(trained):
    ws = Workspace(trained.root)
    run_dir = ws.run_dir(trained.binary_run)
    for name in ("config.json", "events.jsonl", "train.log", "predictor", "test.parquet", "metrics.json",
                 "leaderboard.parquet", "test_predictions.parquet", "schema.json", "model.json"):
        assert (run_dir / name).exists(), name
    test = pd.read_parquet(run_dir / "test.parquet")
    assert len(test) == round(0.2 * 1309)
    # stratified: the survival rate of the test split matches the whole table's within a point
    full = pd.read_csv(SAMPLES / "titanic.csv")
    assert abs((test["survived"] == "yes").mean() - (full["survived"] == "yes").mean()) < 0.01
    events = [json.loads(line)["event"] for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert events[:2] == ["queued", "started"] and events[-1] == "finished" and "model_done" in events


def test_cli_predict_writes_rows_with_predictions_and_probabilities(trained, tmp_path):
    out = tmp_path / "pred.csv"
    proc = run_cli("predict", trained.binary_run, str(SAMPLES / "titanic.csv"), "--out", str(out),
                   "--chunk-rows", "500", workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out)
    assert len(df) == 1309
    assert {"name", "survived", "prediction", "proba_no", "proba_yes"} <= set(df.columns)
    assert set(df["prediction"]) <= {"yes", "no"}
    assert np.allclose(df["proba_no"] + df["proba_yes"], 1, atol=1e-5)
    # the model beats chance on rows it mostly trained on
    assert (df["prediction"] == df["survived"]).mean() > 0.75


def test_cli_predict_missing_column_exits_2(trained, tmp_path):
    src = tmp_path / "bad.csv"
    pd.read_csv(SAMPLES / "titanic.csv").drop(columns=["age"]).to_csv(src, index=False)
    proc = run_cli("predict", trained.binary_run, str(src), "--out", str(tmp_path / "o.csv"), workspace=trained.root)
    assert proc.returncode == 2
    assert "age" in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_cli_evaluate_json(trained):
    proc = run_cli("evaluate", trained.regression_run, "--json", workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["problem_type"] == "regression" and out["eval_metric"] == "root_mean_squared_error"
    assert out["metrics"]["root_mean_squared_error"] > 0  # the error itself, not AutoGluon's negated score
    assert out["test_score"] == pytest.approx(-out["metrics"]["root_mean_squared_error"])


def test_shap_on_the_real_ensemble_adds_up(trained):
    ws = Workspace(trained.root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    test = pd.read_parquet(bundle.run_dir / "test.parquet").head(8)
    background = pd.read_parquet(bundle.run_dir / "train_sample.parquet").head(15)
    result = compute_shap(predictor, bundle, test, background)
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["yes"]
    expected = predictor.predict_proba(test.drop(columns=["survived"]))["yes"].to_numpy()
    np.testing.assert_allclose(sums, expected, rtol=1e-3, atol=1e-6)


def test_explain_job_runs_in_the_background(trained):
    ws = Workspace(trained.root)
    job = jobs.start(ws, "explain", run_id=trained.regression_run, params={"rows": 20})
    done = wait_for(ws, job.id, timeout=180)
    assert done.status == "succeeded", done.message
    assert (ws.run_dir(trained.regression_run) / "shap" / "summary.json").exists()
    progress = [e for e in jobs.read_events(ws, done) if e["event"] == "progress"]
    assert progress[-1]["done"] == progress[-1]["total"] == 20


@pytest.fixture
def long_run(tmp_path):
    """A training run on diamonds with a budget long enough to interrupt."""
    ws = Workspace(tmp_path / "ws")
    df = pd.read_csv(SAMPLES / "diamonds.csv").sample(8000, random_state=0)
    dataset = ws.add_dataset(df, "diamonds.csv")
    run = start_training(ws, TrainConfig(dataset.id, "price", time_limit=120,
                                         model_families=("GBM", "XGB", "RF", "CAT")))
    return ws, run.id


def _wait_for_event(ws, job_id, event, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = jobs.refresh(ws, job_id)
        if any(e["event"] == event for e in jobs.read_events(ws, job)):
            return
        assert job.status in jobs.ACTIVE, job.message
        time.sleep(0.2)
    raise TimeoutError(event)


def test_stop_keeps_the_best_model_so_far(long_run):
    ws, run_id = long_run
    _wait_for_event(ws, run_id, "model_done")
    jobs.request_stop(ws, run_id)
    job = wait_for(ws, run_id, timeout=180)
    assert job.status == "stopped", job.message
    bundle = load_bundle(ws, run_id)
    assert bundle.metrics.stopped_early is True
    assert run_id in ready_runs(ws)
    events = [e["event"] for e in jobs.read_events(ws, job)]
    assert "stop_honoured" in events


def test_cancel_kills_training_and_offers_no_model(long_run):
    ws, run_id = long_run
    _wait_for_event(ws, run_id, "model_started")
    pid = ws.get_job(run_id).pid
    job = jobs.cancel(ws, run_id)
    assert job.status == "cancelled"
    assert jobs.group_members(pid) == []
    with pytest.raises(RunNotReadyError, match="cancelled"):
        load_bundle(ws, run_id)
    assert run_id not in ready_runs(ws)


def test_a_killed_training_process_shows_as_failed_and_a_new_run_works(long_run):
    ws, run_id = long_run
    _wait_for_event(ws, run_id, "model_started")
    os.killpg(ws.get_job(run_id).pid, signal.SIGKILL)
    deadline = time.time() + 10
    while jobs.refresh(ws, run_id).status in jobs.ACTIVE and time.time() < deadline:
        time.sleep(0.1)
    job = jobs.refresh(ws, run_id)
    assert job.status == "failed"
    assert job.message.startswith("Interrupted") and "Last lines of its log" in job.message
    with pytest.raises(RunNotReadyError):
        load_bundle(ws, run_id)
    dataset_id = ws.get_run(run_id).dataset_id
    again = start_training(ws, TrainConfig(dataset_id, "price", time_limit=20, model_families=("GBM",)))
    assert wait_for(ws, again.id).status == "succeeded"


def test_cli_evaluate_scores_a_labelled_file(trained):
    proc = run_cli("evaluate", trained.binary_run, "--data", str(SAMPLES / "titanic.csv"), "--json",
                   workspace=trained.root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["rows"] == 1309 and set(out["metrics"]) >= {"accuracy", "roc_auc", "f1"}
    # mostly rows it trained on: better than on the held-out split alone
    assert out["metrics"]["accuracy"] >= trained.train_json["test_score"] - 0.02
    missing = run_cli("evaluate", trained.binary_run, "--data", str(SAMPLES / "penguins.csv"), workspace=trained.root)
    assert missing.returncode == 2 and "survived" in missing.stderr
