"""A cleaning recipe travels with the model: fitted on the training split, replayed on every prediction."""

import json

import numpy as np
import pandas as pd
import pytest

from automl.data import datasets
from automl.data.cleaning import Recipe
from automl.data.steps import DropColumns, FillMissing, GroupRare
from automl.model.bundle import load_bundle, load_predictor
from automl.store.workspace import Workspace
from automl.training.config import TrainConfig, start_training
from explain.shap_values import compute_shap
from tests.helpers import SAMPLES, run_cli, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recipe_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("recipe") / "ws"
    recipe = Recipe((FillMissing("age", "median"), DropColumns(("name",)), GroupRare("passengerClass", 0.3)))
    path = root.parent / "recipe.json"
    path.write_text(recipe.to_json())
    proc = run_cli("train", str(SAMPLES / "titanic.csv"), "--label", "survived", "--time-limit", "20",
                   "--models", "GBM", "--recipe", str(path), "--json", workspace=root)
    assert proc.returncode == 0, proc.stderr
    return root, json.loads(proc.stdout)["run_id"]


def test_the_fitted_recipe_is_kept_with_the_model(recipe_run):
    root, run_id = recipe_run
    bundle = load_bundle(Workspace(root), run_id)
    steps = bundle.recipe.steps
    assert [s.kind for s in steps] == ["fill_missing", "drop_columns", "group_rare"]
    test_rows = pd.read_parquet(bundle.run_dir / "test.parquet")
    assert 15 < steps[0].fill_value_ < 40, "the median age was learned"
    assert steps[2].keep_ == ("3rd",), "1st and 2nd class are each under 30% of the training rows"
    assert bundle.feature_names == ["sex", "age", "passengerClass"], "the input contract is the raw columns used"
    assert "name" not in test_rows.columns, "held-out rows keep only the raw inputs the model uses"


def test_predicting_the_raw_file_equals_predicting_the_cleaned_rows(recipe_run, tmp_path):
    root, run_id = recipe_run
    out = tmp_path / "pred.csv"
    proc = run_cli("predict", run_id, str(SAMPLES / "titanic.csv"), "--out", str(out), workspace=root)
    assert proc.returncode == 0, proc.stderr
    bundle = load_bundle(Workspace(root), run_id)
    predictor = load_predictor(bundle)
    raw = pd.read_csv(SAMPLES / "titanic.csv")
    cleaned = bundle.recipe.apply(raw.drop(columns=["survived"]), "inference")
    assert "name" not in cleaned and cleaned["age"].isna().sum() == 0
    expected = predictor.predict_proba(cleaned)["yes"].to_numpy()
    np.testing.assert_allclose(pd.read_csv(out)["proba_yes"].to_numpy(), expected, rtol=1e-5)


def test_a_column_the_recipe_needs_is_named_when_missing(recipe_run, tmp_path):
    root, run_id = recipe_run
    src = tmp_path / "no-age.csv"
    pd.read_csv(SAMPLES / "titanic.csv").drop(columns=["age"]).to_csv(src, index=False)
    proc = run_cli("predict", run_id, str(src), "--out", str(tmp_path / "o.csv"), workspace=root)
    assert proc.returncode == 2 and "age" in proc.stderr


def test_explanations_are_in_raw_columns_and_add_up_through_the_recipe(recipe_run):
    root, run_id = recipe_run
    bundle = load_bundle(Workspace(root), run_id)
    predictor = load_predictor(bundle)
    rows = pd.read_parquet(bundle.run_dir / "test.parquet").head(6)
    background = pd.read_parquet(bundle.run_dir / "train_sample.parquet").head(12)
    result = compute_shap(predictor, bundle, rows, background)
    assert set(result.values["feature"]) == {"sex", "age", "passengerClass"}
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["yes"]
    cleaned = bundle.recipe.apply(rows.drop(columns=["survived"]).reset_index(drop=True), "inference")
    np.testing.assert_allclose(sums, predictor.predict_proba(cleaned)["yes"].to_numpy(), rtol=1e-3, atol=1e-6)


def test_a_saved_dataset_version_trains_from_raw_rows_with_its_recipe(tmp_path):
    ws = Workspace(tmp_path / "ws")
    raw, _ = datasets.import_table(ws, SAMPLES / "penguins.csv")
    version = datasets.save_version(ws, raw.id, Recipe((FillMissing("sex", "most_frequent"),)), "species")
    assert version.meta["parent"] == raw.id and version.rows == 344
    assert ws.load_dataset(version.id)["sex"].isna().sum() == 0
    run = start_training(ws, TrainConfig(version.id, "species", time_limit=20, model_families=("GBM",)))
    assert run.config["source_dataset_id"] == raw.id
    assert [s["kind"] for s in run.config["recipe"]["steps"]] == ["fill_missing"]
    assert wait_for(ws, run.id).status == "succeeded"
    bundle = load_bundle(ws, run.id)
    assert bundle.recipe.steps[0].fill_value_ in ("male", "female")
