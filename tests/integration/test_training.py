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
    # the default metric: a rare class cannot flatter it
    assert out["problem_type"] == "binary" and out["eval_metric"] == "roc_auc"
    assert 0.7 < out["test_score"] <= 1.0  # titanic survival: well above chance (0.5)
    assert out["test_value"] == out["test_score"]  # as people read it; for an AUC, the same number
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


def test_cli_evaluate_names_a_faster_model_and_use_switches_to_it(trained, tmp_path):
    """Issue 33: `evaluate` says which model is near the one in use and much faster (or null), `use RUN MODEL`
    makes it the one predictions use; a model the run lacks is one line, exit 2."""
    import shutil

    from automl.evaluation.compact import compact_choice
    from automl.evaluation.summary import leaderboard

    root = tmp_path / "ws"
    shutil.copytree(trained.root, root)
    proc = run_cli("evaluate", trained.split_only_run, "--json", workspace=root)
    assert proc.returncode == 0, proc.stderr
    bundle = load_bundle(Workspace(root), trained.split_only_run)
    expected = compact_choice(leaderboard(bundle), bundle.measured_model, bundle.metrics.eval_metric,
                              bundle.metrics.lower_is_better, bundle.trained_on_all_rows)
    said = json.loads(proc.stdout)["compact"]
    assert said == (expected.to_dict() if expected else None)
    other = next(m for m in leaderboard(bundle)["model"] if m != bundle.measured_model)
    proc = run_cli("use", trained.split_only_run, other, workspace=root)
    assert proc.returncode == 0 and f"now predicts with {other}" in proc.stdout, proc.stderr
    assert load_bundle(Workspace(root), trained.split_only_run).deployed_model == other
    proc = run_cli("use", trained.split_only_run, "NoSuchModel", workspace=root)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "NoSuchModel" in proc.stderr


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


def test_the_deployed_model_is_retrained_on_every_row_and_the_test_split_stays_honest(trained):
    """By default the model the test split measured is retrained on all rows for predictions; every number
    reported on the test split comes from the measured model, which never saw those rows."""
    from automl.evaluation.summary import leaderboard, rows_sentence

    out = trained.train_json
    assert out["plan"].startswith("Auto:") and "bagging" in out["plan"]
    assert out["final_model_rows"] == 1309 and out["test_rows"] == 262  # every labelled titanic row
    assert out["deployed_model"] == out["measured_model"] + "_FULL" and out["final_note"] is None
    ws = Workspace(trained.root)
    bundle = load_bundle(ws, trained.binary_run)
    assert bundle.trained_on_all_rows and bundle.measured_model == out["best_model"]
    board = leaderboard(bundle)
    assert board.loc[board["deployed"], "model"].tolist() == [out["measured_model"]]
    assert not board["model"].str.endswith("_FULL").any()  # no model that saw the test split is scored on it
    assert "all 1,309 rows" in rows_sentence(bundle) and "262 test rows" in rows_sentence(bundle)
    # the retrained model was checked on the test rows it then learned (automl.training.refit)
    assert bundle.metrics.final_value >= 0.99 * bundle.metrics.value
    assert "Checked: on the test rows, which it then learned, it scores ROC AUC" in rows_sentence(bundle)
    predictor = load_predictor(bundle)
    bases = [m for m in predictor._trainer.get_minimum_model_set(bundle.deployed_model) if "_L1" in m]  # noqa: SLF001 - AutoGluon's model graph
    assert bases and all(m.endswith("_FULL") for m in bases)
    for m in bases:  # AutoGluon's own count of the rows each retrained model fitted on
        assert [c["num_samples"] for c in predictor.model_info(m)["children_info"].values()] == [1309]
    threshold = json.loads((ws.run_dir(trained.binary_run) / "threshold.json").read_text())
    assert 0 < threshold["threshold"] < 1 and "balanced accuracy" in threshold["chosen_by"]


def test_switched_off_the_model_stays_the_measured_one(trained, tmp_path):
    from automl.model.reshape import shrink

    ws = Workspace(trained.root)
    bundle = load_bundle(ws, trained.split_only_run)
    assert not bundle.trained_on_all_rows and bundle.deployed_model == bundle.measured_model
    assert bundle.metrics.final_model_rows == bundle.metrics.n_train and "Switched off" in bundle.metrics.final_note
    retrained = load_bundle(ws, trained.binary_run)
    with pytest.raises(Exception, match="retrained on every row"):
        shrink(ws, retrained, load_predictor(retrained))


def test_choosing_models_never_scores_a_retrained_one_on_the_test_split(trained, tmp_path):
    import shutil

    from automl.errors import ConfigError
    from automl.model.choice import choose_model

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    retrained = next(m for m in predictor.model_names() if m.endswith("_FULL") and m != bundle.deployed_model)
    with pytest.raises(ConfigError, match="test split cannot measure it"):
        choose_model(ws, bundle, predictor, retrained)
    single = next(m for m in predictor.model_names() if "_L1" in m and not m.endswith("_FULL"))
    choose_model(ws, bundle, predictor, single)
    moved = load_bundle(ws, trained.binary_run)
    assert moved.deployed_model == single and moved.measured_model == single and not moved.trained_on_all_rows
    before = bundle.metrics.test_score
    choose_model(ws, moved, predictor, bundle.metrics.best_model)  # back: its retrained copy predicts again
    back = load_bundle(ws, trained.binary_run)
    assert back.deployed_model == bundle.metrics.final_model and back.trained_on_all_rows
    assert back.metrics.test_score == pytest.approx(before)  # measured through the model it was retrained from
