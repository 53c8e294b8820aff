"""Permutation importance as a background job on a real model."""

import shutil

import pytest

from automl.evaluation.importance import load_importance
from automl.store import jobs
from automl.store.workspace import Workspace
from tests.helpers import wait_for

pytestmark = pytest.mark.integration


def test_permutation_importance_job_ranks_the_columns_with_intervals(trained, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    job = jobs.start(ws, "importance", run_id=trained.binary_run, params={"shuffles": 3})
    done = wait_for(ws, job.id, timeout=240)
    assert done.status == "succeeded", done.message
    frame = load_importance(ws, trained.binary_run).set_index("feature")
    assert {"sex", "age", "passengerClass"} <= set(frame.index)
    assert frame.loc["sex", "importance"] > 0.02, "sex matters for survival on the Titanic (a drop in ROC AUC)"
    assert any(c.endswith("_high") for c in frame.columns) and any(c.endswith("_low") for c in frame.columns)


def test_shrinking_keeps_the_predictions_and_cuts_the_size(trained, tmp_path):
    import pandas as pd

    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.rows import predict_frame
    from automl.model.reshape import shrink
    from tests.helpers import SAMPLES

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.split_only_run)
    predictor = load_predictor(bundle)
    rows = pd.read_csv(SAMPLES / "titanic.csv")
    before, _ = predict_frame(predictor, bundle, rows)
    result = shrink(ws, bundle, predictor)
    assert result["after"]["size_mb"] < result["before"]["size_mb"]
    assert result["after"]["test_value"] == pytest.approx(result["before"]["test_value"])
    bundle = load_bundle(ws, trained.split_only_run)
    after, _ = predict_frame(load_predictor(bundle), bundle, rows)  # re-signed: it verifies
    pd.testing.assert_frame_equal(before, after)
    assert set(pd.read_parquet(bundle.run_dir / "leaderboard.parquet")["model"]) <= set(
        load_predictor(bundle).model_names())


def test_refit_on_all_rows_then_predict_and_shrink_is_refused(trained, tmp_path):
    import pandas as pd

    from automl.errors import AutoMLError
    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.rows import predict_frame
    from automl.model.reshape import refit, shrink
    from tests.helpers import SAMPLES

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.split_only_run)
    result = refit(ws, bundle, load_predictor(bundle))
    assert result["after"]["model"] == "WeightedEnsemble_L2_FULL"
    assert 0.6 < result["after"]["test_value"] <= 1
    bundle = load_bundle(ws, trained.split_only_run)
    assert bundle.deployed_model == "WeightedEnsemble_L2_FULL"
    out, _ = predict_frame(load_predictor(bundle), bundle, pd.read_csv(SAMPLES / "titanic.csv").head(50))
    assert len(out) == 50
    with pytest.raises(AutoMLError, match="Shrink first"):
        shrink(ws, bundle, load_predictor(bundle))
    assert load_bundle(ws, trained.split_only_run).deployed_model == "WeightedEnsemble_L2_FULL"


def test_a_shrink_that_dies_half_way_leaves_the_old_model_usable(trained, tmp_path, monkeypatch):
    """The swap moved the predictor and wrote new scores, then the process died before signing: a read leaves
    the run as it is (issue 31, 4), and the repair where someone waits for the run (the app's run choice, the
    CLI's and the endpoint's opening of a model) puts the old model back; it predicts as before and verifies."""
    import pandas as pd

    from automl.model import reshape, rollback
    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.rows import predict_frame
    from tests.helpers import SAMPLES

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.split_only_run)
    predictor = load_predictor(bundle)
    rows = pd.read_csv(SAMPLES / "titanic.csv").head(200)
    before, _ = predict_frame(predictor, bundle, rows)
    metrics_before = bundle.files.metrics.read_bytes()

    class Died(BaseException):
        pass

    def die(*args, **kwargs):
        raise Died()

    monkeypatch.setattr(reshape, "sign_run", die)        # dies after the swap, before signing...
    monkeypatch.setattr(reshape, "roll_back", lambda files: None)  # ...with no chance to clean up
    with pytest.raises(Died):
        reshape.shrink(ws, bundle, predictor)
    assert (bundle.run_dir / rollback.ROLLBACK).exists()
    monkeypatch.undo()

    load_bundle(ws, trained.split_only_run)
    assert (bundle.run_dir / rollback.ROLLBACK).exists()  # a read only reads
    assert rollback.recover(ws, trained.split_only_run)
    bundle = load_bundle(ws, trained.split_only_run)
    assert not (bundle.run_dir / rollback.ROLLBACK).exists() and not (bundle.run_dir / "predictor.next").exists()
    assert bundle.files.metrics.read_bytes() == metrics_before
    after, _ = predict_frame(load_predictor(bundle), bundle, rows)  # verifies: the old, signed state
    pd.testing.assert_frame_equal(before, after)


def test_shrink_runs_as_a_job_on_a_copy_and_waits_for_other_jobs_on_the_run(trained, tmp_path):
    import pandas as pd

    from automl.model.bundle import load_bundle, load_predictor
    from automl.prediction.rows import predict_frame
    from automl.store import atomic, jobs
    from tests.helpers import SAMPLES, wait_for

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.split_only_run)
    rows = pd.read_csv(SAMPLES / "titanic.csv").head(200)
    before, _ = predict_frame(load_predictor(bundle), bundle, rows)
    explain = jobs.start(ws, "explain", run_id=trained.split_only_run, params={"rows": 10})
    shrinking = jobs.start(ws, "shrink", run_id=trained.split_only_run)
    assert shrinking.status == "queued"
    assert wait_for(ws, explain.id).status == "succeeded"
    done = wait_for(ws, shrinking.id)
    assert done.status == "succeeded", done.message
    result = atomic.read_json(bundle.files.shrink)
    assert result["after"]["size_mb"] < result["before"]["size_mb"]
    bundle = load_bundle(ws, trained.split_only_run)
    after, _ = predict_frame(load_predictor(bundle), bundle, rows)
    pd.testing.assert_frame_equal(before, after)
