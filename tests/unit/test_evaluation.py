import pandas as pd
import plotly.graph_objects as go

from automl import charts
from automl.bundle import Bundle
from automl.evaluation import confusion_matrix_frame, leaderboard_table, metric_table, predicted_vs_actual_frame


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
    from automl.schema import InputSchema
    from automl.scoring import RunMetrics

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
    table = leaderboard_table(board, "rmse")
    assert list(table.columns) == ["model", "deployed", "test rmse", "validation rmse"]
