"""AutoGluon's model names and presets in words."""

import pytest

from automl.data.problem import preset_label
from automl.model.names import plain_model_name


@pytest.mark.parametrize("raw, words", [
    ("WeightedEnsemble_L2", "Weighted ensemble of the models below"),
    ("RandomForestEntr_BAG_L1", "Random forest (entropy), bagged"),
    ("ExtraTreesMSE", "Extra trees (squared error)"),
    ("LightGBMXT_BAG_L1_FULL", "LightGBM, extra-randomised (boosted trees), bagged, refitted on all rows"),
    ("KNeighborsDist", "Nearest neighbours (distance weights)"),
    ("CatBoost", "CatBoost (boosted trees)"),
    ("SomethingNew_L1", "SomethingNew_L1"),
])
def test_model_names_in_words(raw, words):
    assert plain_model_name(raw) == words


def test_presets_by_the_names_the_app_shows():
    assert preset_label("medium_quality") == "Fast" and preset_label("best_quality") == "Best"
    assert preset_label("extreme_quality") == "extreme_quality" and preset_label(None) == "—"
