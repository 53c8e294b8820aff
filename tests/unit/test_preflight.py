import pandas as pd
import pytest

from automl.training.config import TrainConfig
from automl.training.preflight import preflight


@pytest.fixture
def dataset(ws):
    df = pd.DataFrame({"x": range(200), "c": ["a", "b"] * 100, "id": range(200), "y": ["yes", "no"] * 100})
    return ws.add_dataset(df, "t.csv")


def test_preflight_reports_size_models_and_cpu(ws, dataset):
    check = preflight(ws, TrainConfig(dataset.id, "y", exclude=("id",), time_limit=60), gpus=[])
    assert (check.rows, check.columns) == (200, 2)
    assert "GBM" in check.families and check.gpu_families == []
    assert any("every model trains on the CPU" in line for line in check.lines())
    assert check.warnings == []
    # the plan the job will follow, in one line: 160 training rows of 2 columns are bagged in 60 s
    assert check.plan.preset == "auto" and check.plan.bagged
    assert any(line.startswith("Plan: Auto: 160 rows × 2 columns") for line in check.lines())


def test_gpu_models_are_named_when_a_gpu_is_there(ws, dataset):
    check = preflight(ws, TrainConfig(dataset.id, "y", model_families=("GBM", "CAT", "NN_TORCH")), gpus=["H200"])
    assert check.gpu_families == ["CAT", "NN_TORCH"]
    assert any("H200" in line and "CatBoost" in line for line in check.lines())
    off = preflight(ws, TrainConfig(dataset.id, "y", gpu="off"), gpus=["H200"])
    assert off.gpus == [] and off.gpu_families == []


def test_a_short_budget_for_the_preset_is_warned(ws, dataset):
    check = preflight(ws, TrainConfig(dataset.id, "y", preset="best", time_limit=60), gpus=[])
    assert any("short for the Best preset" in w for w in check.warnings)


def test_a_column_the_recipe_drops_is_not_counted(ws, dataset):
    from automl.data.cleaning import Recipe
    from automl.data.datasets import save_version
    from automl.data.steps import DropColumns

    version = save_version(ws, dataset.id, Recipe((DropColumns(("c",)),)), "y")
    check = preflight(ws, TrainConfig(version.id, "y", exclude=("id",), time_limit=60), gpus=[])
    assert (check.rows, check.columns) == (200, 1)  # x: the recipe drops c, id is left out


def test_the_plan_counts_the_training_rows_the_split_will_keep(ws):
    """4,331 rows at 0.2: the split keeps 3,464 for training (the test split is rounded up), rows without a
    label are left out first; the plan said 3,465 while the run then said 3,464."""
    import numpy as np

    from automl.training.fit import split_train_test

    df = pd.DataFrame({"x": range(4_333), "y": ["a", "b", "c"] * 1_444 + ["a"]})
    df.loc[[5, 70], "y"] = np.nan
    check = preflight(ws, TrainConfig(ws.add_dataset(df, "t.csv").id, "y", time_limit=60), gpus=[])
    train, _ = split_train_test(df[df["y"].notna()], "y", "multiclass", 0.2, 0)
    assert len(train) == 3_464
    assert any(line.startswith("Plan: Auto: 3,464 rows × 1 column,") for line in check.lines()), check.lines()


def test_the_test_split_is_sized_automatically_and_the_preflight_says_how_many_rows(ws):
    """Issue 30: on 28,000 rows the automatic split keeps 2,000 for the test (the plan fits the other
    26,000), the check says so in rows; a chosen share is kept as chosen."""
    df = pd.DataFrame({"x": range(28_000), "y": [float(i % 97) for i in range(28_000)]})
    dataset = ws.add_dataset(df, "big.csv")
    check = preflight(ws, TrainConfig(dataset.id, "y", time_limit=60), gpus=[])
    assert check.test_rows == 2_000 and check.labelled == 28_000
    assert "Test split: 2,000 of the 28,000 rows with a target (7%)" in "\n".join(check.lines())
    assert "sized automatically" in "\n".join(check.lines())
    assert check.plan.reason.startswith("Auto: 26,000 rows × 1 column")
    chosen = preflight(ws, TrainConfig(dataset.id, "y", time_limit=60, test_size=0.2), gpus=[])
    assert chosen.test_rows == 5_600
    assert "(20%), kept aside to measure the model (as you chose)" in "\n".join(chosen.lines())
