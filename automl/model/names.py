"""AutoGluon's model names in words a user reads: `RandomForestEntr_BAG_L1` is "Random forest (entropy),
bagged"; `WeightedEnsemble_L2` is "Weighted ensemble of the models below". The raw name stays beside it
wherever a user may need to find it in logs."""

from __future__ import annotations

import re

__all__ = ["plain_model_name"]

# (AutoGluon name prefix, words), longest prefix first
_FAMILIES = (
    ("WeightedEnsemble", "Weighted ensemble of the models below"),
    ("LightGBMLarge", "LightGBM, large (boosted trees)"),
    ("LightGBMXT", "LightGBM, extra-randomised (boosted trees)"),
    ("LightGBM", "LightGBM (boosted trees)"),
    ("CatBoost", "CatBoost (boosted trees)"),
    ("XGBoost", "XGBoost (boosted trees)"),
    ("RandomForest", "Random forest"),
    ("ExtraTrees", "Extra trees"),
    ("NeuralNetTorch", "Neural network (PyTorch)"),
    ("NeuralNetFastAI", "Neural network (fastai)"),
    ("KNeighbors", "Nearest neighbours"),
    ("LinearModel", "Linear model"),
)
_CRITERIA = {"Gini": "Gini", "Entr": "entropy", "MSE": "squared error", "Unif": "uniform weights",
             "Dist": "distance weights"}


def plain_model_name(name: str) -> str:
    """`name` in words, or `name` itself when AutoGluon calls it something not known here."""
    core = re.sub(r"(_BAG)?(_L\d+)?(_FULL)?$", "", str(name))
    words = next((w for prefix, w in _FAMILIES if core.startswith(prefix)), None)
    if words is None:
        return str(name)
    prefix = next(p for p, w in _FAMILIES if w == words)
    criterion = _CRITERIA.get(core[len(prefix):].strip("_"))
    if criterion:
        words += f" ({criterion})"
    extras = [e for e, on in (("bagged", "_BAG" in str(name)), ("refitted on all rows", str(name).endswith("_FULL")))
              if on]
    return words + (", " + ", ".join(extras) if extras else "")
