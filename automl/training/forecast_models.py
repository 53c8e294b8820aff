"""The forecasting models the app trains (issue 32): named explicitly, each trained from scratch on this machine.

AutoGluon's time-series presets all include pretrained models whose weights come from a hub (Chronos,
Chronos-Bolt, Toto): without a network they retry for about 50 s of a 120 s budget, and with one they
download weights the user never chose. So the app never passes a preset: it passes one of the model sets below,
by the words a user picks, and fits with the hub set offline (`hub_offline`), so that nothing is ever
fetched (a test asserts that no connection is attempted while the largest set trains).

The sets grow from statistical models (seconds) through models on lagged features (LightGBM) to deep models
trained on the user's series (DeepAR, PatchTST, TiDE, TFT: minutes on CPU).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

__all__ = ["MODEL_SETS", "MODEL_SET_WORDS", "HUB_MODELS", "model_set", "hub_offline", "OFFLINE_ENV"]

_STATISTICAL = {"SeasonalNaive": {}, "ETS": {}, "Theta": {}}
_TABULAR = {"RecursiveTabular": {}, "DirectTabular": {}}
MODEL_SETS: dict[str, dict[str, dict[str, Any]]] = {
    "fast": {**_STATISTICAL, "RecursiveTabular": {}},
    "medium": {**_STATISTICAL, "NPTS": {}, **_TABULAR, "DeepAR": {}},
    "best": {**_STATISTICAL, "NPTS": {}, "AutoARIMA": {}, **_TABULAR, "DeepAR": {}, "PatchTST": {}, "TiDE": {},
             "TemporalFusionTransformer": {}},
}
MODEL_SET_WORDS = {
    "fast": "Fast: statistical models and one on lagged values (seconds)",
    "medium": "Balanced: adds models on lagged values and a small neural network (DeepAR)",
    "best": "Best: adds ARIMA and three more neural networks trained on your series (minutes)",
}
# Models whose weights come from a hub: never in a set, refused if asked for by name.
HUB_MODELS = ("Chronos", "Chronos2", "ChronosBolt", "Toto", "Toto2")
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
               "HF_HUB_DISABLE_TELEMETRY": "1"}


def model_set(name: str) -> dict[str, dict[str, Any]]:
    """The hyperparameters `TimeSeriesPredictor.fit` gets for the set `name` (a copy)."""
    if name not in MODEL_SETS:
        raise ValueError(f"No forecasting model set {name!r}; choose one of {', '.join(MODEL_SETS)}.")
    return {model: dict(params) for model, params in MODEL_SETS[name].items()}


@contextmanager
def hub_offline() -> Iterator[None]:
    """Within: every Hugging Face library (what AutoGluon's pretrained models would load through) stays offline."""
    before = {k: os.environ.get(k) for k in OFFLINE_ENV}
    os.environ.update(OFFLINE_ENV)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
