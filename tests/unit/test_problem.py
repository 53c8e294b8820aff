import numpy as np
import pandas as pd
import pytest

from automl.data.problem import infer_problem_type, resolve_preset, validate_target
from automl.errors import ConfigError, TargetError


@pytest.mark.parametrize("values, expected", [
    (["yes", "no"] * 20, "binary"),
    ([0, 1] * 20, "binary"),
    ([True, False] * 20, "binary"),
    (["a", "b", "c"] * 20, "multiclass"),
    ([1, 2, 3] * 30, "multiclass"),
    (list(np.linspace(0, 1, 60)), "regression"),
])
def test_problem_type_inference(values, expected):
    assert infer_problem_type(pd.Series(values)).problem_type == expected


def test_integer_quantity_with_many_values_is_regression_and_says_why():
    delays = pd.Series(np.random.default_rng(0).integers(0, 300, size=2000))
    result = infer_problem_type(delays)
    assert result.problem_type == "regression"
    assert "whole numbers" in result.reason and "quantity" in result.reason


def test_missing_values_do_not_count_as_a_class():
    assert infer_problem_type(pd.Series(["a", "b", None] * 10)).problem_type == "binary"


@pytest.mark.parametrize("df, label, fragment", [
    (pd.DataFrame({"x": range(30)}), "y", "not in the table"),
    (pd.DataFrame({"x": range(30), "y": [None] * 30}), "y", "missing in every row"),
    (pd.DataFrame({"x": range(30), "y": ["a"] * 30}), "y", "single value"),
    (pd.DataFrame({"x": range(10), "y": ["a", "b"] * 5}), "y", "at least"),
    (pd.DataFrame({"y": ["a", "b"] * 15}), "y", "no columns besides"),
])
def test_unlearnable_targets_are_refused_with_a_fix(df, label, fragment):
    with pytest.raises(TargetError, match=fragment):
        validate_target(df, label)


def test_presets_in_plain_words():
    assert resolve_preset("Fast") == "medium_quality"
    assert resolve_preset("best") == "best_quality"
    assert resolve_preset("good_quality") == "good_quality"
    with pytest.raises(ConfigError, match="Unknown preset"):
        resolve_preset("extreme")


def test_the_reason_shows_values_as_written_not_numpy_reprs():
    import numpy as np
    import pandas as pd

    reason = infer_problem_type(pd.Series(np.array([0, 1, 1, 0, 1], dtype=np.int64))).reason
    assert reason == "The target has exactly two values: `0` and `1`."
    assert "np." not in infer_problem_type(pd.Series([0.5, 1.5] * 10)).reason
