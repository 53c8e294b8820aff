"""Permutation importance as a background job on a real model."""

import shutil

import pytest

from automl import jobs
from automl.importance import load_importance
from automl.workspace import Workspace
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
    assert frame.loc["sex", "importance"] > 0.05, "sex matters for survival on the Titanic"
    assert any(c.endswith("_high") for c in frame.columns) and any(c.endswith("_low") for c in frame.columns)


def test_shrinking_keeps_the_predictions_and_cuts_the_size(trained, tmp_path):
    import pandas as pd

    from automl.bundle import load_bundle, load_predictor
    from automl.deploy import shrink
    from automl.prediction import predict_frame
    from tests.helpers import SAMPLES

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    predictor = load_predictor(bundle)
    rows = pd.read_csv(SAMPLES / "titanic.csv")
    before, _ = predict_frame(predictor, bundle, rows)
    result = shrink(ws, bundle, predictor)
    assert result["after"]["size_mb"] < result["before"]["size_mb"]
    assert result["after"]["test_value"] == pytest.approx(result["before"]["test_value"])
    bundle = load_bundle(ws, trained.binary_run)
    after, _ = predict_frame(load_predictor(bundle), bundle, rows)  # re-signed: it verifies
    pd.testing.assert_frame_equal(before, after)
    assert set(pd.read_parquet(bundle.run_dir / "leaderboard.parquet")["model"]) <= set(
        load_predictor(bundle).model_names())


def test_refit_on_all_rows_then_predict_and_shrink_is_refused(trained, tmp_path):
    import pandas as pd

    from automl.bundle import load_bundle, load_predictor
    from automl.deploy import refit, shrink
    from automl.errors import AutoMLError
    from automl.prediction import predict_frame
    from tests.helpers import SAMPLES

    root = tmp_path / "copy"
    shutil.copytree(trained.root, root)
    ws = Workspace(root)
    bundle = load_bundle(ws, trained.binary_run)
    result = refit(ws, bundle, load_predictor(bundle))
    assert result["after"]["model"] == "WeightedEnsemble_L2_FULL"
    assert 0.6 < result["after"]["test_value"] <= 1
    bundle = load_bundle(ws, trained.binary_run)
    assert bundle.deployed_model == "WeightedEnsemble_L2_FULL"
    out, _ = predict_frame(load_predictor(bundle), bundle, pd.read_csv(SAMPLES / "titanic.csv").head(50))
    assert len(out) == 50
    with pytest.raises(AutoMLError, match="Shrink first"):
        shrink(ws, bundle, load_predictor(bundle))
    assert load_bundle(ws, trained.binary_run).deployed_model == "WeightedEnsemble_L2_FULL"
