"""The wrong-answer bug of issue 13, end to end with a real model: a CSV with `$1,947` prices and `t` / `f`
flags, trained with `train`, then scored with `predict` (and `evaluate --data`) on the same file."""

import json

import numpy as np
import pandas as pd
import pytest

from automl.store.workspace import Workspace
from tests.helpers import run_cli
from tests.messy import messy_frame, write_variant

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def messy_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    text = messy_frame(600, seed=3)
    path = root / "listings.csv"
    write_variant(text, path, "cp1252", ";", False)
    # kept on the training split (--no-refit): the test rows' predictions at training must come back unchanged
    proc = run_cli("train", str(path), "--label", "expensive", "--time-limit", "20", "--models", "GBM",
                   "--no-refit", "--json", workspace=root / "ws")
    assert proc.returncode == 0, proc.stderr
    return root, path, text, json.loads(proc.stdout)


def test_predicting_the_training_file_scores_it_as_training_did(messy_run):
    root, path, text, trained = messy_run
    assert trained["test_score"] >= 0.95  # the price is in the file: the label is a function of it
    out = root / "pred.csv"
    proc = run_cli("predict", trained["run_id"], str(path), "--out", str(out), "--chunk-rows", "128",
                   workspace=root / "ws")
    assert proc.returncode == 0, proc.stderr
    assert "could not be read" not in proc.stderr and "not numbers" not in proc.stderr
    pred = pd.read_csv(out, sep=",", dtype=str, keep_default_na=False)
    assert len(pred) == len(text)
    assert (pred["prediction"] == text["expensive"]).mean() >= 0.95

    # the rows of the held-out test split get exactly the predictions stored at training
    stored = pd.read_parquet(Workspace(root / "ws").run_dir(trained["run_id"]) / "test_predictions.parquet")
    rows = stored["row"].to_numpy()
    assert pred["prediction"].to_numpy()[rows].tolist() == stored["prediction"].astype(str).tolist()
    assert np.allclose(pred["proba_high"].astype(float).to_numpy()[rows], stored["proba_high"], atol=1e-6)


def test_evaluate_data_reads_the_file_as_training_did(messy_run):
    root, path, _, trained = messy_run
    proc = run_cli("evaluate", trained["run_id"], "--data", str(path), "--json", workspace=root / "ws")
    assert proc.returncode == 0, proc.stderr
    scored = json.loads(proc.stdout)
    assert scored["rows"] == 600 and scored["unreadable"] == {}
    assert scored["metrics"]["accuracy"] >= 0.95
