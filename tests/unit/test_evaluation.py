import numpy as np
import pandas as pd
import plotly.graph_objects as go

from automl.evaluation import charts
from automl.evaluation.summary import confusion_matrix_frame, leaderboard_table, metric_table, predicted_vs_actual_frame
from automl.model.bundle import Bundle


def test_confusion_matrix_counts_every_class_even_when_never_predicted():
    preds = pd.DataFrame({"actual": ["a", "a", "b", "c"], "prediction": ["a", "b", "b", "b"]})
    m = confusion_matrix_frame(preds, ["a", "b", "c"])
    assert m.loc["a", "a"] == 1 and m.loc["a", "b"] == 1 and m.loc["c", "b"] == 1
    assert m.loc["c", "c"] == 0 and m.to_numpy().sum() == 4
    assert isinstance(charts.confusion_matrix_figure(m), go.Figure)


def test_predicted_vs_actual_has_errors():
    frame = predicted_vs_actual_frame(pd.DataFrame({"actual": [1.0, 2.0], "prediction": [1.5, 1.0]}))
    assert frame["error"].tolist() == [0.5, -1.0]
    fig = charts.predicted_vs_actual_figure(frame)
    assert len(fig.data) == 2


def test_metric_table_shows_errors_as_positive_values_and_the_optimised_metric_first(tmp_path):
    from automl.model.schema import InputSchema
    from automl.model.scoring import RunMetrics

    bundle = Bundle("run-x", tmp_path, tmp_path, InputSchema("y", "regression", ()),
                    RunMetrics("regression", "root_mean_squared_error", -3.0,
                               scores={"r2": 0.9, "root_mean_squared_error": -3.0},
                               values={"r2": 0.9, "root_mean_squared_error": 3.0}), {})
    table = metric_table(bundle)
    assert table.iloc[0]["key"] == "root_mean_squared_error" and table.iloc[0]["value"] == 3.0
    assert table.iloc[0]["optimised"] and table.iloc[0]["metric"] == "RMSE"


def test_leaderboard_shows_errors_as_errors_best_model_on_top():
    board = pd.DataFrame({"model": ["A", "B"], "score_val": [-5.0, -3.0], "metric_val": [5.0, 3.0],
                          "metric_test": [5.5, 3.1], "deployed": [False, True]})
    fig = charts.leaderboard_figure(board, "root_mean_squared_error", lower_is_better=True)
    assert list(fig.data[0].y) == ["A", "B"] and list(fig.data[0].x) == [5.0, 3.0]  # plotly draws the last on top
    assert "lower is better" in fig.layout.title.text
    table = leaderboard_table(board, "root_mean_squared_error")
    assert list(table.columns) == ["model", "kind", "in use", "test RMSE", "validation RMSE"]  # in words
    assert table["in use"].tolist() == ["", "✓ in use"]


def _bundle(tmp_path, problem_type, positive=None, classes=None):
    from automl.model.schema import InputSchema
    from automl.model.scoring import RunMetrics

    return Bundle("run-x", tmp_path, tmp_path, InputSchema("y", problem_type, (), tuple(classes) if classes else None),
                  RunMetrics(problem_type, "accuracy", 0.0, positive_class=positive), {})


def test_an_imbalanced_binary_model_is_judged_against_always_answering_the_majority(tmp_path):
    from automl.evaluation.summary import baseline_values, verdict

    # 84 "No" and 16 "Yes": the model finds 5 of the 16 leavers and says "Yes" 7 times
    actual = ["No"] * 84 + ["Yes"] * 16
    predicted = ["No"] * 82 + ["Yes"] * 2 + ["Yes"] * 5 + ["No"] * 11
    preds = pd.DataFrame({"actual": actual, "prediction": predicted,
                          "proba_Yes": [0.9 if p == "Yes" else 0.1 for p in predicted]})
    bundle = _bundle(tmp_path, "binary", "Yes", ["No", "Yes"])
    base = baseline_values(bundle, preds)
    assert base["accuracy"] == 0.84 and base["recall"] == 0 and base["balanced_accuracy"] == 0.5
    text = verdict(bundle, preds)
    assert text.startswith('The model is right on 87.0% of 100 test rows, better than always answering `No` (84.0%).')
    assert 'It finds 5 of the 16 `Yes` rows, and 71% of its `Yes` answers are right.' in text


def test_a_regression_is_judged_in_the_targets_units_against_the_average(tmp_path):
    from automl.evaluation.summary import baseline_values, verdict

    actual = np.array([10_000.0, 20_000.0, 30_000.0, 40_000.0])
    preds = pd.DataFrame({"actual": actual, "prediction": actual + [1000, -1000, 2000, -2000]})
    bundle = _bundle(tmp_path, "regression")
    assert baseline_values(bundle, preds)["mean_absolute_error"] == 10_000
    assert verdict(bundle, preds) == ("On 4 test rows the model is typically off by 1,500 (6% of the average y); "
                                      "always guessing the average (25,000) is off by 10,000.")


def test_the_normalised_confusion_matrix_holds_each_class_recall_on_its_diagonal():
    from automl.evaluation.curves import per_class_table

    labels = ["a", "b", "c"]
    preds = pd.DataFrame({"actual": ["a", "a", "a", "a", "b", "b", "c"],
                          "prediction": ["a", "b", "a", "c", "b", "c", "c"]})
    shares = charts.confusion_matrix_figure(confusion_matrix_frame(preds, labels), normalise=True).data[0].z
    recall = per_class_table(preds, labels)["recall"].to_numpy()  # scikit-learn's, computed apart
    assert list(recall) == [0.5, 0.5, 1.0]
    assert [shares[i][i] for i in range(3)] == list(recall)
    assert [list(r) for r in shares] == [[0.5, 0.25, 0.25], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]


def test_metrics_are_shown_rounded_to_what_a_reader_needs():
    from automl.evaluation.summary import shown

    assert shown("root_mean_squared_error", 2275.4283) == "2,275"
    assert shown("mean_squared_error", 5177573.12) == "5,177,573"
    assert shown("mean_absolute_percentage_error", 0.0713) == "7.1%"
    assert shown("mean_absolute_error", 3.14159) == "3.14"
    assert shown("accuracy", 0.86734) == "0.867" and shown("r2", None) == "—"


def _binary_preds(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    p = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    return pd.DataFrame({"actual": np.where(y, "yes", "no"), "prediction": np.where(p > 0.5, "yes", "no"),
                         "proba_no": 1 - p, "proba_yes": p})


def test_the_test_score_comes_with_how_precisely_the_test_rows_measured_it():
    """Issue 30: with the test split now a count of rows, the score states its precision: a bootstrap
    interval that holds the score, and narrows as the rows grow (about as 1 / sqrt(rows))."""
    from sklearn.metrics import roc_auc_score

    from automl.evaluation.interval import metric_interval

    small, large = _binary_preds(400), _binary_preds(6_400)
    auc = roc_auc_score(small["actual"] == "yes", small["proba_yes"])
    low, high = metric_interval(small, "roc_auc", "binary", ["no", "yes"], "yes")
    assert low < auc < high
    low_l, high_l = metric_interval(large, "roc_auc", "binary", ["no", "yes"], "yes")
    assert 2.5 < (high - low) / (high_l - low_l) < 6  # 16x the rows: about a quarter of the width
    # metrics read from the answers, from every class's probability, and errors in the target's units
    f1_low, f1_high = metric_interval(small, "f1", "binary", ["no", "yes"], "yes")
    assert 0 < f1_low < f1_high < 1
    rng = np.random.default_rng(1)
    m = pd.DataFrame({"actual": rng.choice(list("abc"), 500)})
    proba = rng.dirichlet([1, 1, 1], 500)
    for i, c in enumerate("abc"):
        m[f"proba_{c}"] = proba[:, i]
    m["prediction"] = np.array(list("abc"))[proba.argmax(1)]
    assert metric_interval(m, "log_loss", "multiclass", list("abc"))[0] > 0
    r = pd.DataFrame({"actual": rng.normal(100, 10, 500), "prediction": rng.normal(100, 10, 500)})
    low_r, high_r = metric_interval(r, "root_mean_squared_error", "regression")
    assert 10 < low_r < high_r < 18  # RMSE positive, in the target's units (about 14)
    assert metric_interval(small.head(10), "roc_auc", "binary", ["no", "yes"], "yes") is None  # too few rows


def test_one_direction_for_every_metric_from_autogluons_own_metric_objects():
    """Issue 31 (5): two hand-written lower-is-better lists disagreed (mean squared error was an error on
    Evaluate and a score on Monitor); both now ask AutoGluon."""
    from automl.data.problem import METRICS, lower_is_better
    from automl.evaluation.summary import shown
    from automl.monitoring.estimate import higher_is_better

    errors = {"root_mean_squared_error", "mean_absolute_error", "mean_squared_error", "median_absolute_error",
              "mean_absolute_percentage_error", "log_loss"}
    for metric in {m for by_type in METRICS.values() for m in by_type} | errors | {"bias"}:
        assert lower_is_better(metric) == (metric in errors), metric
        assert higher_is_better(metric) == (metric not in errors), metric
    assert shown("mean_squared_error", 2275.4283) == "2,275" and shown("r2", 0.51234) == "0.512"


def test_where_a_saved_threshold_came_from_is_recorded_not_read_from_a_sentence(tmp_path):
    from automl.model.bundle import ThresholdSource, read_bundle
    from automl.model.run_files import RunFiles
    from automl.model.schema import InputSchema
    from automl.model.scoring import RunMetrics
    from automl.store import atomic

    files = RunFiles(tmp_path)
    atomic.write_json(files.schema, InputSchema("y", "binary", ()).to_dict())
    atomic.write_json(files.metrics, RunMetrics("binary", "roc_auc", None).to_dict())

    def source(saved: dict) -> str:
        atomic.write_json(files.threshold, saved)
        return read_bundle(files, "run-x", {}, b"").threshold_source  # the snapshot reads the file once

    assert source({"threshold": 0.3, "chosen_by": "tuned at training for f1 on validation rows",
                   "source": ThresholdSource.TRAINING.value}) == "tuned at training for f1 on validation rows"
    # the recorded source decides, not the sentence's prefix
    assert source({"threshold": 0.3, "chosen_by": "tuned at training, said the user",
                   "source": ThresholdSource.EVALUATE.value}) == "saved on Evaluate"
    # a run from before `source`
    assert source({"threshold": 0.3, "chosen_by": "tuned at training for f1 on validation rows"}) == \
        "tuned at training for f1 on validation rows"
