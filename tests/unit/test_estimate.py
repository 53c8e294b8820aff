"""Confidence-based performance estimation (CBPE) against cases with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.monitoring.estimate import Calibrator, estimate, realised


def test_the_expected_confusion_matrix_by_hand():
    P = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])  # classes "0", "1"; answers 1, 0, 0
    answers = ["1", "0", "0"]
    # E[TP] = 0.8, E[FP] = 0.2, E[FN] = 0.4 + 0.1, E[TN] = 0.6 + 0.9
    assert estimate("accuracy", P, answers, ["0", "1"]) == pytest.approx((0.8 + 0.6 + 0.9) / 3)
    assert estimate("f1", P, answers, ["0", "1"]) == pytest.approx(1.6 / (1.6 + 0.2 + 0.5))
    assert estimate("balanced_accuracy", P, answers, ["0", "1"]) == pytest.approx((0.8 / 1.3 + 1.5 / 1.7) / 2)
    assert estimate("log_loss", P, answers, ["0", "1"]) == pytest.approx(
        -np.mean([0.2 * np.log(0.2) + 0.8 * np.log(0.8), 0.6 * np.log(0.6) + 0.4 * np.log(0.4),
                  0.9 * np.log(0.9) + 0.1 * np.log(0.1)]))


def test_one_probability_for_every_row_ranks_nothing():
    P = np.column_stack([np.full(100, 0.7), np.full(100, 0.3)])
    assert estimate("roc_auc", P, ["0"] * 100, ["0", "1"]) == pytest.approx(0.5)


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "roc_auc", "f1", "log_loss"])
def test_with_calibrated_probabilities_the_estimate_is_the_realised_metric_binary(metric):
    rng = np.random.default_rng(1)
    p = rng.beta(2, 3, 100_000)
    actual = np.where(rng.random(len(p)) < p, "yes", "no")
    proba = pd.DataFrame({"no": 1 - p, "yes": p})
    answers = np.where(p >= 0.5, "yes", "no")
    expected = estimate(metric, proba.to_numpy(), answers, ["no", "yes"], raw=proba.to_numpy(), positive="yes")
    assert expected == pytest.approx(realised(metric, actual, answers, proba, positive="yes"), abs=0.006)


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "f1_macro", "log_loss"])
def test_with_calibrated_probabilities_the_estimate_is_the_realised_metric_multiclass(metric):
    rng = np.random.default_rng(2)
    P = rng.dirichlet([0.5, 1.0, 2.0], 50_000)
    actual = np.array([rng.choice(3, p=row) for row in P]).astype(str)
    answers = P.argmax(axis=1).astype(str)
    proba = pd.DataFrame(P, columns=["0", "1", "2"])
    expected = estimate(metric, P, answers, ["0", "1", "2"], raw=P)
    assert expected == pytest.approx(realised(metric, actual, answers, proba), abs=0.01)


def test_calibration_on_reference_rows_corrects_an_overconfident_model():
    rng = np.random.default_rng(3)
    p = rng.beta(2, 3, 60_000)
    actual = np.where(rng.random(len(p)) < p, "1", "0")
    shown = np.clip(np.where(p > 0.5, p + (1 - p) * 0.6, p * 0.4), 0, 1)  # the model's scores, overconfident
    proba = pd.DataFrame({"0": 1 - shown, "1": shown})
    answers = np.where(shown >= 0.5, "1", "0")
    reference, new = slice(0, 20_000), slice(20_000, None)
    calibrator = Calibrator.fit(proba.iloc[reference], actual[reference])
    truth = realised("accuracy", actual[new], answers[new])
    raw_guess = estimate("accuracy", proba.iloc[new].to_numpy(), answers[new], ["0", "1"])
    calibrated_guess = estimate("accuracy", calibrator.apply(proba.iloc[new]), answers[new], ["0", "1"])
    assert abs(calibrated_guess - truth) < 0.01 < abs(raw_guess - truth)


def test_a_metric_that_cannot_be_estimated_says_none():
    P = np.array([[0.2, 0.3, 0.5]])
    assert estimate("roc_auc", P, ["2"], ["0", "1", "2"]) is None
    assert estimate("accuracy", np.empty((0, 2)), [], ["0", "1"]) is None
    assert realised("roc_auc", ["1", "1"], ["1", "1"], pd.DataFrame({"0": [0.1, 0.2], "1": [0.9, 0.8]})) is None
    assert realised("root_mean_squared_error", [1.0, 3.0], [2.0, 2.0]) == pytest.approx(1.0)
