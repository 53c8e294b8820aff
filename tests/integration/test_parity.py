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


def _fresh_venv(root):
    """A virtual environment with numpy and onnxruntime only (the versions of this one), as a machine that has
    never seen AutoGluon has."""
    import subprocess
    import sys
    from importlib.metadata import version

    venv = root / "fresh-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    python = venv / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           f"numpy=={version('numpy')}", f"onnxruntime=={version('onnxruntime')}"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    names = {line.split("==")[0].lower() for line in listed.stdout.split()}
    assert not names & {"pandas", "autogluon.tabular", "lightgbm", "scikit-learn", "automl-studio"}, names
    return python


def test_the_compact_export_scores_the_messy_file_as_predict_does_with_numpy_and_onnxruntime_only(messy_run):
    """Issue 33's done-when: the model in use, exported in one command, scores the cp1252 ';' file with its
    `$1,947` prices, `t` / `f`, day-first dates and missing markers in a venv with numpy and onnxruntime only:
    the labels `predict` gives, and its probabilities within 1e-5. (Last in this module: it changes the model
    in use to the run's LightGBM.)"""
    root, path, text, trained = messy_run
    ws, run = root / "ws", trained["run_id"]
    refused = run_cli("export", run, "--format", "onnx", "--out", str(root / "compact"), workspace=ws)
    assert refused.returncode != 0 and "covers LightGBM" in refused.stderr and "--model LightGBM" in refused.stderr
    assert not (root / "compact").exists()
    assert run_cli("use", run, "LightGBM", workspace=ws).returncode == 0
    done = run_cli("export", run, "--format", "onnx", "--out", str(root / "compact"), "--json", workspace=ws)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["model"] == "LightGBM" and summary["rows_checked"] > 100 and summary["max_difference"] <= 1e-5
    folder = root / "compact"
    assert {"model.onnx", "preprocess.json", "predict.py", "schema.json", "README.md", "SIGNATURE.json",
            "parity.json"} <= {p.name for p in folder.iterdir()}

    app_out = root / "app.csv"
    assert run_cli("predict", run, str(path), "--out", str(app_out), workspace=ws).returncode == 0
    import subprocess

    python = _fresh_venv(root)
    ours_out = root / "ours.csv"
    proc = subprocess.run([str(python), str(folder / "predict.py"), str(path), "--out", str(ours_out)],
                          capture_output=True, text=True, timeout=120, cwd=root)
    assert proc.returncode == 0, proc.stderr
    app = pd.read_csv(app_out, dtype=str, keep_default_na=False)
    ours = pd.read_csv(ours_out, dtype=str, keep_default_na=False)
    assert len(ours) == len(app) == len(text)
    assert list(ours.columns) == list(text.columns) + ["prediction", "proba_high", "proba_low"]
    assert ours["prediction"].tolist() == app["prediction"].tolist()
    for col in ("proba_high", "proba_low"):
        assert np.abs(ours[col].astype(float) - app[col].astype(float)).max() <= 1e-5
