"""What we ask of AutoGluon's own configuration and searches (imports AutoGluon): preset portfolios, GPU
hyperparameters, the decision-threshold search."""

import numpy as np
import pandas as pd
import pytest

from automl.evaluation.thresholds import metrics_at_threshold, suggest_threshold
from automl.training import config, fit
from automl.training.fit import hyperparameters_for
from automl.training.preflight import PRESET_FAMILIES

pytestmark = pytest.mark.integration

rng = np.random.default_rng(0)
Y = rng.integers(0, 2, 400)
P = np.clip(Y * 0.35 + rng.uniform(0, 0.65, 400), 0, 1)


def test_threshold_suggested_by_autogluons_search_for_a_metric_a_recall_and_a_cost():
    val = pd.DataFrame({"actual": Y, "proba": P})
    f1 = suggest_threshold(val, "f1")
    grid = max(metrics_at_threshold(Y, P, t)["f1"] for t in np.linspace(0.01, 0.99, 99))
    assert f1["f1"] >= grid - 0.01  # AutoGluon's coarse-then-fine search is within a hair of a fine grid
    assert f1["f1"] > metrics_at_threshold(Y, P, 0.5)["f1"]
    assert suggest_threshold(val, "precision_at_recall", min_recall=0.9)["recall"] >= 0.9
    cheap_fn = suggest_threshold(val, "cost", cost_fp=10, cost_fn=1)
    cheap_fp = suggest_threshold(val, "cost", cost_fp=1, cost_fn=10)
    assert cheap_fn["threshold"] > cheap_fp["threshold"], "costly false positives push the threshold up"
    assert cheap_fn["cost"] == 10 * cheap_fn["fp"] + cheap_fn["fn"]


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

    from automl.training.plan import AUTO_PORTFOLIO

    name = AUTO_PORTFOLIO if preset == "auto" else tabular_presets_dict[preset].get("hyperparameters", "default")
    assert set(get_hyperparameter_config(name)) == set(PRESET_FAMILIES[preset])
    assert not set(get_hyperparameter_config(name)) & set(config.HUB_MODELS), "no model downloads weights"


def test_model_families_restrict_the_preset_portfolio():
    hp = hyperparameters_for("medium_quality", ("GBM", "KNN"))
    assert set(hp) == {"GBM", "KNN"}
    assert hyperparameters_for("medium_quality", ()) is None
