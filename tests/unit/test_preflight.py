import pandas as pd
import pytest

from automl.training import config, fit
from automl.training.preflight import PRESET_FAMILIES, preflight
from automl.training.config import TrainConfig


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


def test_gpu_models_are_named_when_a_gpu_is_there(ws, dataset):
    check = preflight(ws, TrainConfig(dataset.id, "y", model_families=("GBM", "CAT", "NN_TORCH")), gpus=["H200"])
    assert check.gpu_families == ["CAT", "NN_TORCH"]
    assert any("H200" in line and "CatBoost" in line for line in check.lines())
    off = preflight(ws, TrainConfig(dataset.id, "y", gpu="off"), gpus=["H200"])
    assert off.gpus == [] and off.gpu_families == []


def test_a_short_budget_for_the_preset_is_warned(ws, dataset):
    check = preflight(ws, TrainConfig(dataset.id, "y", preset="best", time_limit=60), gpus=[])
    assert any("short for the Best preset" in w for w in check.warnings)


def test_gpu_capable_models_are_put_on_the_gpu_when_one_is_detected(monkeypatch):
    hp = fit.hyperparameters_for("medium_quality", (), num_gpus=1)
    assert set(hp) == set(PRESET_FAMILIES["medium_quality"])
    on_gpu = lambda v: all(c.get("ag_args_fit", {}).get("num_gpus") == 1 for c in (v if isinstance(v, list) else [v]))  # noqa: E731
    assert on_gpu(hp["CAT"]) and on_gpu(hp["NN_TORCH"]) and on_gpu(hp["FASTAI"])
    assert not any(on_gpu(hp[f]) for f in ("GBM", "XGB", "RF", "XT")), "LightGBM and CPU XGBoost stay on the CPU"
    assert fit.hyperparameters_for("medium_quality", (), num_gpus=0) is None


@pytest.mark.parametrize("preset", list(PRESET_FAMILIES))
def test_preset_families_match_autogluon(preset):
    from autogluon.tabular.configs.hyperparameter_configs import get_hyperparameter_config
    from autogluon.tabular.configs.presets_configs import tabular_presets_dict

    name = tabular_presets_dict[preset].get("hyperparameters", "default")
    assert set(get_hyperparameter_config(name)) == set(PRESET_FAMILIES[preset])
    assert not set(get_hyperparameter_config(name)) & set(config.HUB_MODELS), "no model downloads weights"
