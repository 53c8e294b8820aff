import pandas as pd
import pytest

from automl.errors import ConfigError, GPUUnavailableError, TargetError
from automl.training import config as training_config
from automl.training.config import TrainConfig, resolve_config
from automl.training.fit import split_train_test


@pytest.fixture
def dataset(ws):
    df = pd.DataFrame({"x": range(100), "c": ["a", "b"] * 50, "y": ["yes"] * 20 + ["no"] * 80})
    return ws.add_dataset(df, "t.csv")


def test_config_round_trips_through_json(dataset):
    config = TrainConfig(dataset.id, "y", exclude=("c",), model_families=("GBM",))
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_resolve_fills_problem_type_metric_and_preset(ws, dataset):
    resolved = resolve_config(ws, TrainConfig(dataset.id, "y", preset="fast"))
    assert (resolved.problem_type, resolved.eval_metric, resolved.preset) == ("binary", "roc_auc", "medium_quality")
    assert "two values" in resolved.problem_reason


@pytest.mark.parametrize("changes, error, fragment", [
    ({"exclude": ("y",)}, ConfigError, "cannot also be excluded"),
    ({"exclude": ("nope",)}, ConfigError, "unknown column"),
    ({"exclude": ("x", "c")}, ConfigError, "Every column"),
    ({"eval_metric": "r2"}, ConfigError, "does not fit binary"),
    ({"problem_type": "regression"}, TargetError, "numeric target"),
    ({"test_size": 0.9}, ConfigError, "out of range"),
    ({"time_limit": 1}, ConfigError, "at least 10"),
    ({"model_families": ("TABPFNV2",)}, ConfigError, "Unknown model families"),
])
def test_bad_configs_are_refused_with_a_fix(ws, dataset, changes, error, fragment):
    with pytest.raises(error, match=fragment):
        resolve_config(ws, TrainConfig(dataset.id, "y", **changes))


def test_gpu_on_without_a_gpu_fails_clearly(ws, dataset, monkeypatch):
    monkeypatch.setattr(training_config, "detect_gpus", lambda: 0)
    with pytest.raises(GPUUnavailableError, match="no GPU"):
        resolve_config(ws, TrainConfig(dataset.id, "y", gpu="on"))


def test_gpu_on_with_a_gpu_is_accepted(ws, dataset, monkeypatch):
    monkeypatch.setattr(training_config, "detect_gpus", lambda: 2)
    assert resolve_config(ws, TrainConfig(dataset.id, "y", gpu="on")).gpu == "on"


def test_test_split_is_stratified_and_sized():
    df = pd.DataFrame({"x": range(200), "y": ["a"] * 180 + ["b"] * 20})
    train, test = split_train_test(df, "y", "binary", 0.2, seed=0)
    assert len(test) == 40 and (test["y"] == "b").sum() == 4
    assert set(train.index).isdisjoint(test.index)


def test_no_model_that_downloads_weights_can_be_chosen():
    assert not set(training_config.MODEL_FAMILIES) & set(training_config.HUB_MODELS)


def test_sample_weight_and_tuning_are_validated(ws):
    df = pd.DataFrame({"x": range(100), "w": [1.0] * 99 + [-1.0], "ok": [2.0] * 100, "y": ["a", "b"] * 50})
    info = ws.add_dataset(df, "w.csv")
    assert resolve_config(ws, TrainConfig(info.id, "y", sample_weight="ok")).sample_weight == "ok"
    with pytest.raises(ConfigError, match="non-negative"):
        resolve_config(ws, TrainConfig(info.id, "y", sample_weight="w"))
    with pytest.raises(ConfigError, match="other than the target"):
        resolve_config(ws, TrainConfig(info.id, "y", sample_weight="y"))
    with pytest.raises(ConfigError, match="between 0"):
        resolve_config(ws, TrainConfig(info.id, "y", tuning_trials=-1))


def test_a_tiny_table_is_refused(ws):
    info = ws.add_dataset(pd.DataFrame({"x": range(9), "y": ["a", "b", "a"] * 3}), "tiny.csv")
    with pytest.raises(TargetError, match="at least"):
        resolve_config(ws, TrainConfig(info.id, "y"))


def test_a_rerun_of_a_resolved_config_keeps_its_recipe(ws):
    from automl.data.cleaning import Recipe
    from automl.data.datasets import save_version
    from automl.data.steps import FillMissing

    raw = ws.add_dataset(pd.DataFrame({"x": [1.0, None] * 50, "y": ["a", "b"] * 50}), "r.csv")
    version = save_version(ws, raw.id, Recipe((FillMissing("x", "median"),)), "y")
    first = resolve_config(ws, TrainConfig(version.id, "y"))
    again = resolve_config(ws, TrainConfig.from_dict(first.to_dict()))
    assert len(again.recipe["steps"]) == 1 and again.source_dataset_id == raw.id


def test_a_finished_run_says_what_ran_what_was_left_out_and_why():
    """Issue 29, 6 and 13: the Train page said only "Succeeded · 53 s of a 60 s budget" when one model family
    of seven had been fitted and the promised retrain on every row was skipped."""
    from automl.training.runs import outcome_lines

    events = [{"event": "model_done", "model": "LightGBMXT_BAG_L1"},
              *[{"event": "model_failed", "model": f"M{i}", "reason": "Ran out of time"} for i in range(10)],
              {"event": "model_done", "model": "WeightedEnsemble_L2"}]
    lines = outcome_lines(events, {"final_note": "about 17 s were needed and 14 s of the budget were left."}, True)
    assert lines[0] == "2 model(s) fitted: LightGBMXT_BAG_L1, WeightedEnsemble_L2."
    assert lines[1] == "10 left out: 10 models (Ran out of time)."
    assert "budget ran out" in lines[2]
    assert lines[3] == "Not retrained on every row: about 17 s were needed and 14 s of the budget were left."
    assert outcome_lines(events[:1], {"final_model": "X_FULL"}, True)[-1] == "Retrained on every row, as asked."
    assert not any("Retrained" in line for line in outcome_lines(events[:1], {}, False))
