"""Real trainings through the queue, and the run history's re-run and delete."""

import shutil

import pandas as pd
import pytest

from automl.model.bundle import load_bundle
from automl.store import jobs
from automl.store.workspace import Workspace
from automl.training import runs
from automl.training.config import TrainConfig, start_training
from tests.helpers import SAMPLES, wait_for

pytestmark = pytest.mark.integration


def test_two_trainings_run_one_after_the_other_and_both_finish(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOML_STUDIO_MAX_TRAINING", "1")
    ws = Workspace(tmp_path / "ws")
    a = ws.add_dataset(pd.read_csv(SAMPLES / "penguins.csv"), "penguins.csv")
    b = ws.add_dataset(pd.read_csv(SAMPLES / "titanic.csv"), "titanic.csv")
    first = start_training(ws, TrainConfig(a.id, "species", time_limit=20, model_families=("GBM",)))
    second = start_training(ws, TrainConfig(b.id, "survived", time_limit=20, model_families=("GBM",)))
    assert second.status == "queued"
    assert [j.id for j in jobs.queue(ws)] == [second.id]
    assert wait_for(ws, first.id).status == "succeeded"
    done = wait_for(ws, second.id)  # started by the first one's worker as it finished
    assert done.status == "succeeded", done.message
    assert ws.get_job(second.id).started_at >= ws.get_job(first.id).finished_at - 1
    # no results crossed: each run predicts its own target
    assert load_bundle(ws, first.id).label == "species" and load_bundle(ws, second.id).label == "survived"


def test_rerun_trains_again_with_the_same_settings_and_delete_removes_everything(trained, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    again = runs.rerun(ws, trained.regression_run)
    assert again.id != trained.regression_run
    old, new = ws.get_run(trained.regression_run).config, again.config
    assert {k: v for k, v in old.items()} == {k: v for k, v in new.items()}
    assert wait_for(ws, again.id).status == "succeeded"
    runs.delete_run(ws, again.id)
    assert again.id not in {r.id for r in ws.list_runs()}
    assert not ws.run_dir(again.id).exists()
    assert ws.list_jobs(run_id=again.id) == []


def test_jobs_that_write_a_run_wait_for_each_other(trained, tmp_path):
    """Two explanations and an importance job on one run: one at a time, in the order asked."""
    import shutil

    from automl.store import atomic, jobs
    from explain.shap_values import shap_dir

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    run = trained.binary_run
    first = jobs.start(ws, "explain", run_id=run, params={"rows": 15})
    second = jobs.start(ws, "explain", run_id=run, params={"rows": 10})
    third = jobs.start(ws, "importance", run_id=run, params={"shuffles": 2})
    assert first.status == "starting" and second.status == "queued" and third.status == "queued"
    done = [wait_for(ws, j.id, timeout=300) for j in (first, second, third)]
    assert [j.status for j in done] == ["succeeded"] * 3, [j.message for j in done]
    assert done[0].finished_at <= done[1].started_at and done[1].finished_at <= done[2].started_at
    summary = atomic.read_json(shap_dir(ws, run) / "summary.json")
    assert summary["job_id"] == second.id and summary["rows"] == 10
