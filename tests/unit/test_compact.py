"""The compact model suggested on Evaluate (issue 33): the fastest model within a stated loss of the model in use,
chosen on validation, never on the test split."""

import pandas as pd

from automl.evaluation.compact import compact_choice


def _board(rows):
    return pd.DataFrame(rows, columns=["model", "metric_val", "metric_test", "ms_per_1000_rows", "size_mb"])


BOARD = _board([
    ("WeightedEnsemble_L2", 0.870, 0.866, 90.0, 40.0),
    ("LightGBM", 0.865, 0.861, 10.0, 0.2),        # 0.6% worse on validation, 9x faster
    ("KNeighbors", 0.780, 0.900, 1.0, 5.0),       # fastest, far worse on validation (its test score is no reason)
    ("XGBoost", 0.868, 0.870, 60.0, 1.0),         # close, but not twice as fast
    ("LightGBM_FULL", 0.865, float("nan"), 5.0, 0.2),  # retrained on every row: the test split cannot measure it
])


def test_the_fastest_model_within_the_loss_is_suggested_with_its_test_score_beside_the_model_in_use():
    c = compact_choice(BOARD, "WeightedEnsemble_L2", "roc_auc", lower_is_better=False)
    assert c is not None and c.model == "LightGBM"
    assert round(c.speedup) == 9 and round(c.smaller) == 200 and (c.test, c.in_use_test) == (0.861, 0.866)
    words = c.sentence()
    assert "predicts 9x faster and 200x smaller than the model in use" in words
    assert "within 1% of its validation ROC AUC" in words and "0.861 against 0.866 (0.005 worse)" in words


def test_the_choice_reads_validation_only_and_says_nothing_when_nothing_is_close_and_fast():
    # KNeighbors' test score is the best of all, but it lost on validation: it is never suggested
    assert compact_choice(BOARD, "WeightedEnsemble_L2", "roc_auc", False, tolerance=0.001) is None
    assert compact_choice(BOARD, "LightGBM", "roc_auc", False) is None  # the fastest near it is already in use
    assert compact_choice(BOARD.drop(columns="ms_per_1000_rows"), "WeightedEnsemble_L2", "roc_auc", False) is None
    assert compact_choice(BOARD, "NoSuchModel", "roc_auc", False) is None
    # the model in use was retrained on every row: the copy that predicts is not the one the board timed
    assert compact_choice(BOARD, "WeightedEnsemble_L2", "roc_auc", False, retrained=True) is None


def test_an_error_metric_counts_a_larger_error_as_the_loss():
    board = _board([("WeightedEnsemble_L2", 1000.0, 1010.0, 50.0, 10.0),
                    ("CatBoost", 1008.0, 1020.0, 5.0, 1.0),     # 0.8% larger error, 10x faster
                    ("LinearModel", 1300.0, 1290.0, 0.5, 0.1)])  # 30% larger error
    c = compact_choice(board, "WeightedEnsemble_L2", "root_mean_squared_error", lower_is_better=True)
    assert c.model == "CatBoost" and "1,020 against 1,010 (10 worse)" in c.sentence()
