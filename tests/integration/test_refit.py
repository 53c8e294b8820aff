"""The model retrained on every row at the end of training is kept only if it holds on the test rows it
learned from (`automl.training.refit`): a real AutoGluon refit, checked against a bar it cannot reach, is
not used, and nothing retrained is left for a later choice."""

from dataclasses import replace

import pandas as pd
import pytest

from automl.model.scoring import RunMetrics, score
from automl.training.config import TrainConfig
from automl.training.refit import refit_all_rows
from tests.helpers import SAMPLES


class _Events:
    def __init__(self):
        self.seen = []

    def emit(self, event, **fields):
        self.seen.append((event, fields))


@pytest.fixture(scope="module")
def bagged(tmp_path_factory):
    from autogluon.tabular import TabularPredictor

    df = pd.read_csv(SAMPLES / "penguins.csv").dropna(subset=["species"])
    test = df.sample(frac=0.2, random_state=0)
    train = df.drop(test.index)
    path = tmp_path_factory.mktemp("refit") / "predictor"
    predictor = TabularPredictor(label="species", path=str(path), verbosity=0).fit(
        train, hyperparameters={"GBM": {"num_boost_round": 40}}, num_bag_folds=3, num_stack_levels=0,
        fit_weighted_ensemble=True)
    measured = score(predictor, test.drop(columns=["species"]), test["species"], "multiclass")
    metrics = RunMetrics(problem_type="multiclass", eval_metric="accuracy", test_score=measured.scores["accuracy"],
                         scores=measured.scores, values=measured.values)
    return predictor, train, test, metrics


def _refit(predictor, train, test, metrics):
    config = TrainConfig("ds", "species", problem_type="multiclass", time_limit=600)
    return refit_all_rows(predictor, len(train), test, test, metrics, config, 0.0, _Events())


def test_a_retrained_model_that_falls_short_on_rows_it_learned_is_not_used(bagged):
    predictor, train, test, metrics = bagged
    best = predictor.model_best
    unreachable = replace(metrics, test_score=1.5, values={"accuracy": 1.5})  # no model scores 1.5
    final, rows, why, value = _refit(predictor, train, test, unreachable)
    assert final is None and rows == len(train) and 0 < value <= 1
    assert why.startswith("Retrained on every row, but the retrained model scored Accuracy") and "1.5" in why
    assert predictor.model_best == best  # predictions stay with the measured model
    assert not [m for m in predictor.model_names() if m.endswith("_FULL")]  # nothing that learned the test rows


def test_a_retrained_model_that_holds_is_used(bagged):
    predictor, train, test, metrics = bagged
    final, rows, why, value = _refit(predictor, train, test, metrics)
    assert final and final.endswith("_FULL") and why == "" and value >= metrics.values["accuracy"] - 0.01
    assert rows == len(train) + len(test) and predictor.model_best == final
