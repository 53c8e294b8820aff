"""How a run answers: rows read for the model (`automl.model.model_input`) -> the run's cleaning recipe,
replayed -> the model in use, with the saved decision threshold of a binary model.

The one path from read rows to answers, used by the form, batch files (`automl.prediction`), the endpoint,
explanations and the choice of another model. Reading rows and summarising what was scored live above,
in `automl.prediction`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from automl.model.bundle import Bundle

__all__ = ["model_frame", "score_input"]


def model_frame(bundle: Bundle, X: pd.DataFrame, recipe: Any = None) -> pd.DataFrame:
    """Rows read for the model (schema columns) -> what the predictor was trained on: the run's recipe, replayed."""
    recipe = bundle.recipe if recipe is None else recipe
    return recipe.apply(X, "inference") if len(recipe) else X


def score_input(predictor: Any, bundle: Bundle, X: pd.DataFrame, model: str | None = None) -> pd.DataFrame:
    """Predictions for rows already read for the model (`to_model_input`): the recipe, then the model in
    use (or `model`, as it would answer once in use), with the saved decision threshold of a binary model.
    A classifier is called once (probabilities), its answers derived from them as AutoGluon's own `predict`
    does."""
    X = model_frame(bundle, X)
    model = model or bundle.deployed_model
    if bundle.problem_type not in ("binary", "multiclass"):
        return pd.DataFrame({"prediction": predictor.predict(X, model=model).to_numpy()}, index=X.index)
    proba = predictor.predict_proba(X, model=model)
    out = pd.DataFrame({"prediction": np.asarray(predictor.predict_from_proba(proba))}, index=X.index)
    for c in proba.columns:
        out[f"proba_{c}"] = proba[c].to_numpy()
    threshold = bundle.threshold if bundle.problem_type == "binary" else None
    if threshold is not None:  # the decision threshold saved with the model
        positive = bundle.metrics.positive_class
        negative = next(c for c in proba.columns if str(c) != str(positive))
        out["prediction"] = np.where(proba[positive].to_numpy() >= threshold, positive, negative)
    return out
