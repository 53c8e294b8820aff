"""Evaluation numbers checked against scikit-learn on fixed predictions."""

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from automl.evaluation import curves
from automl.evaluation.thresholds import metrics_at_threshold
from automl.model.scoring import with_mape

rng = np.random.default_rng(0)
Y = rng.integers(0, 2, 400)
P = np.clip(Y * 0.35 + rng.uniform(0, 0.65, 400), 0, 1)


def test_curves_match_scikit_learn():
    roc, auc = curves.roc_frame(Y, P)
    assert auc == pytest.approx(skm.roc_auc_score(Y, P))
    _, ap = curves.pr_frame(Y, P)
    assert ap == pytest.approx(skm.average_precision_score(Y, P))
    fpr, tpr, _ = skm.roc_curve(Y, P)
    assert curves.ks_statistic(Y, P) == pytest.approx(np.max(tpr - fpr))
    at = metrics_at_threshold(Y, P, 0.5)
    pred = (P >= 0.5).astype(int)
    assert at["f1"] == pytest.approx(skm.f1_score(Y, pred)) and at["recall"] == pytest.approx(skm.recall_score(Y, pred))
    assert at["tp"] + at["fp"] + at["tn"] + at["fn"] == 400


def test_gain_reaches_every_positive_and_lift_starts_high():
    gain = curves.gain_frame(Y, P)
    assert gain["gain"].iloc[-1] == pytest.approx(1.0) and gain["lift"].iloc[-1] == pytest.approx(1.0)
    assert gain["lift"].iloc[len(gain) // 10] > 1.5


def test_per_class_table_matches_scikit_learn():
    preds = pd.DataFrame({"actual": ["a", "b", "c", "a", "b", "c"], "prediction": ["a", "b", "b", "a", "c", "c"]})
    table = curves.per_class_table(preds, ["a", "b", "c"])
    p, r, f, s = skm.precision_recall_fscore_support(preds["actual"], preds["prediction"], labels=["a", "b", "c"])
    np.testing.assert_allclose(table["f1"], f)
    assert table["support"].tolist() == [2, 2, 2]


def test_regression_residuals_and_deciles():
    preds = pd.DataFrame({"actual": np.arange(100.0), "prediction": np.arange(100.0) + rng.normal(0, 1, 100)})
    res = curves.residual_frame(preds)
    deciles = curves.error_by_decile(res)
    assert len(deciles) == 10 and deciles["rows"].sum() == 100
    assert deciles["mae"].mean() == pytest.approx(res["residual"].abs().mean(), rel=1e-9)


def test_slices_show_each_group_with_its_size():
    rows = pd.DataFrame({"sex": ["f", "m", "f", "m", None], "age": [1, 2, 3, 4, 5]})
    preds = pd.DataFrame({"actual": ["y", "n", "y", "y", "n"], "prediction": ["y", "n", "n", "y", "n"]})
    table = curves.slice_table(rows, preds, "sex", "binary").set_index("group")
    assert table.loc["f", "rows"] == 2 and table.loc["f", "accuracy"] == 0.5
    assert table.loc["(missing)", "accuracy"] == 1.0


def test_numeric_slices_are_named_as_people_write_ranges():
    rng = np.random.default_rng(1)
    ages = pd.Series(np.r_[np.round(rng.uniform(18, 80, 96)), [np.nan] * 4])
    ages.iloc[0], ages.iloc[1] = 18.0, 80.0
    rows = pd.DataFrame({"age": ages})
    preds = pd.DataFrame({"actual": ["y"] * 100, "prediction": ["y"] * 100})
    groups = set(curves.slice_table(rows, preds, "age", "binary")["group"])
    assert "(missing)" in groups and len(groups) == 5
    assert all(g == "(missing)" or (" to " in g and "(" not in g and ".0" not in g) for g in groups), groups
    assert any(g.startswith("18 to ") for g in groups) and any(g.endswith(" to 80") for g in groups)


def test_a_near_perfect_score_is_questioned():
    assert "leak" in curves.too_good_to_be_true({"accuracy": 0.999}, "binary")
    assert curves.too_good_to_be_true({"accuracy": 0.91, "roc_auc": 0.95}, "binary") is None


def test_every_evaluation_chart_builds_for_its_problem_type():
    import plotly.graph_objects as go

    from automl.evaluation import charts
    from automl.evaluation.summary import confusion_matrix_frame

    binary = pd.DataFrame({"actual": np.where(Y == 1, "yes", "no"), "proba_yes": P, "proba_no": 1 - P,
                           "prediction": np.where(P >= 0.5, "yes", "no")})
    y, p = curves.binary_arrays(binary, "yes")
    roc, auc = curves.roc_frame(y, p)
    pr, ap = curves.pr_frame(y, p)
    figures = [charts.roc_figure(roc, auc, (0.1, 0.5)), charts.pr_figure(pr, ap, 0.5),
               charts.calibration_figure(curves.calibration_frame(y, p)), charts.gain_figure(curves.gain_frame(y, p))]
    probs = rng.dirichlet([1, 1, 1], 300)
    multi = pd.DataFrame(probs, columns=["proba_a", "proba_b", "proba_c"])
    multi["actual"] = rng.choice(["a", "b", "c"], 300)
    multi["prediction"] = np.array(["a", "b", "c"])[probs.argmax(axis=1)]
    matrix = confusion_matrix_frame(multi, ["a", "b", "c"])
    frame, areas = curves.ovr_roc(multi, ["a", "b", "c"])
    figures += [charts.confusion_matrix_figure(matrix), charts.confusion_matrix_figure(matrix, normalise=True),
                charts.per_class_figure(curves.per_class_table(multi, ["a", "b", "c"])),
                charts.ovr_roc_figure(frame, areas)]
    reg = curves.residual_frame(pd.DataFrame({"actual": rng.normal(size=200), "prediction": rng.normal(size=200)}))
    figures += [charts.residuals_figure(reg), charts.residual_histogram(reg),
                charts.error_by_decile_figure(curves.error_by_decile(reg))]
    assert all(isinstance(f, go.Figure) and f.data for f in figures)
    assert set(areas) == {"a", "b", "c"} and all(0 <= v <= 1 for v in areas.values())
    assert np.allclose(confusion_matrix_frame(multi, ["a", "b", "c"]).div(matrix.sum(axis=1), axis=0).sum(axis=1), 1)


def test_mape_and_a_dominant_feature_warning():
    scores, values = {}, {}
    with_mape(scores, values, [100.0, 200.0, 0.0], [110.0, 180.0, 5.0])
    assert values["mean_absolute_percentage_error"] == pytest.approx(0.1) and scores[
        "mean_absolute_percentage_error"] == pytest.approx(-0.1)
    imp = pd.DataFrame({"feature": ["leak", "a", "b"], "importance": [0.9, 0.05, 0.01]})
    assert "`leak` alone carries" in curves.dominant_feature(imp)
    assert curves.dominant_feature(imp.assign(importance=[0.3, 0.3, 0.2])) is None


def test_the_pareto_chart_keeps_a_short_title_and_numbers_on_its_log_axis():
    import pandas as pd

    from automl.evaluation.charts import pareto_figure

    board = pd.DataFrame({"model": ["A", "B"], "ms_per_1000_rows": [3.0, 300.0], "metric_test": [0.8, 0.9],
                          "size_mb": [1.0, 20.0], "deployed": [False, True]})
    fig = pareto_figure(board, "roc_auc", lower_is_better=False)
    assert fig.layout.title.text == "Test ROC AUC against prediction time"  # fits a half-width column
    assert "higher is better" in fig.layout.title.subtitle.text and "dot size" in fig.layout.title.subtitle.text
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis.tickvals) == [10, 100]
    narrow = pareto_figure(board.assign(ms_per_1000_rows=[3.9, 8.0]), "roc_auc", lower_is_better=False)
    assert len([t for t in narrow.layout.xaxis.tickvals if 3.9 / 2.5 <= t <= 8.0 * 2.5]) >= 2, \
        "models inside one decade: numbers on the axis all the same (issue 29, 18)"


def test_a_model_in_use_below_others_on_the_test_split_says_it_was_chosen_on_validation():
    import pandas as pd

    from automl.evaluation.summary import chosen_on_validation

    board = pd.DataFrame({"model": ["WeightedEnsemble_L2", "LightGBM_BAG_L1", "CatBoost_BAG_L1"],
                          "score_test": [0.80, 0.82, 0.79], "deployed": [True, False, False]})
    said = chosen_on_validation(board)
    assert said.startswith("1 model(s) score a little higher") and "chosen on validation rows" in said
    assert "LightGBM" in said and "WeightedEnsemble_L2" not in said  # plain names
    assert chosen_on_validation(board.assign(deployed=[False, True, False])) is None  # the best is in use


def test_metrics_at_a_threshold_match_scikit_learns_including_one_class_and_nothing_predicted():
    import warnings

    from sklearn import metrics as skm

    from automl.evaluation.thresholds import metrics_at_threshold

    rng = np.random.default_rng(1)
    for case in range(150):
        n = int(rng.integers(1, 40))
        y = np.zeros(n, int) if case % 5 == 0 else rng.integers(0, 2, n)
        p, t = rng.random(n), float(rng.random())
        got, pred = metrics_at_threshold(y, p, t), (p >= t).astype(int)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = {"accuracy": skm.accuracy_score(y, pred),
                        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
                        "precision": skm.precision_score(y, pred, zero_division=0),
                        "recall": skm.recall_score(y, pred, zero_division=0),
                        "f1": skm.f1_score(y, pred, zero_division=0)}
        tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert (got["tn"], got["fp"], got["fn"], got["tp"]) == (tn, fp, fn, tp)
        for key, value in expected.items():
            assert abs(got[key] - value) < 1e-12, (key, got[key], value)


def test_the_pareto_chart_puts_close_models_names_apart_and_keeps_edge_names_inside():
    """An ensemble and its best member sit almost on one point: their names printed over each other
    ("NeuWeightedEnsemble_L2") and the rightmost ran off the chart."""
    import numpy as np

    from automl.evaluation.charts import _label_box, _overlap, label_positions

    names = ["NeuralNetFastAI_BAG_L1", "WeightedEnsemble_L2", "LightGBMXT_BAG_L1"]
    x, y = np.log10([134.0, 136.0, 98.0]), np.array([0.7953, 0.7950, 0.790])
    places = label_positions(x, y, names)
    assert places[0] != places[1]
    assert all(p.endswith("left") for p in places[:2])  # the two at the right edge: names to their left
    assert places[2].endswith("right")  # the one at the left edge: its name to the right
    xs, ys = (x - x.min()) / np.ptp(x), (y - y.min()) / np.ptp(y)
    boxes = [_label_box(xs[i], ys[i], 0.017 * len(n), places[i]) for i, n in enumerate(names)]
    assert not any(_overlap(boxes[i], boxes[j]) for i in range(3) for j in range(i + 1, 3))
    assert label_positions(np.array([1.0]), np.array([0.5]), ["A"]) == ["top center"]  # one model: as before
