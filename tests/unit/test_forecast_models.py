"""The forecasting model sets: only models AutoGluon has, none whose weights come from a hub (issue 32)."""

import os

import pytest

from automl.training.forecast_models import HUB_MODELS, MODEL_SETS, OFFLINE_ENV, hub_offline, model_set


def test_every_model_of_every_set_is_one_autogluon_trains_from_scratch():
    from autogluon.timeseries.models.registry import ModelRegistry

    for name, models in MODEL_SETS.items():
        for model in models:
            cls = ModelRegistry.get_model_class(model)  # raises for a name AutoGluon does not have
            assert model not in HUB_MODELS and not any(w in cls.__module__ for w in ("chronos", "toto")), (name, model)
    assert set(MODEL_SETS["fast"]) < set(MODEL_SETS["medium"]) < set(MODEL_SETS["best"])
    assert "DeepAR" in MODEL_SETS["medium"]


def test_a_set_is_handed_out_as_a_copy_and_an_unknown_one_is_refused():
    models = model_set("fast")
    models["ETS"]["season_length"] = 4
    assert MODEL_SETS["fast"]["ETS"] == {}
    with pytest.raises(ValueError, match="choose one of fast, medium, best"):
        model_set("chronos")


def test_the_hub_is_offline_inside_and_as_before_after(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")
    with hub_offline():
        assert all(os.environ[k] == v for k, v in OFFLINE_ENV.items())
    assert "HF_HUB_OFFLINE" not in os.environ and os.environ["TRANSFORMERS_OFFLINE"] == "0"
