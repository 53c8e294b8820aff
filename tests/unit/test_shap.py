import numpy as np
import pandas as pd
import pytest

from explain import plots, shap_values
from explain.model_space import InputCodec
from explain.shap_values import compute_shap, importance_frame
from tests.unit.fakes import FakeBinaryPredictor, FakeRegressor, fake_bundle, people


def test_codec_round_trips_categories_and_missing(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(6)
    rows.loc[0, "sex"] = None
    codec = InputCodec(bundle.schema, [rows])
    back = codec.decode(codec.encode(rows), rows.dtypes)
    assert back["sex"].tolist()[1:] == rows["sex"].tolist()[1:] and back["sex"].iloc[0] is None
    np.testing.assert_allclose(back["age"], rows["age"])


def test_binary_values_add_up_to_the_positive_class_probability(tmp_path):
    bundle = fake_bundle(tmp_path)
    model = FakeBinaryPredictor()
    rows, background = people(12, seed=1), people(20, seed=2)
    result = compute_shap(model, bundle, rows, background)
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["yes"]
    np.testing.assert_allclose(sums, model.predict_proba(rows.reset_index(drop=True))["yes"], rtol=1e-6)
    imp = importance_frame(result)
    assert set(imp["feature"]) == {"age", "sex"}
    assert imp["mean_abs_shap"].is_monotonic_decreasing


def test_regression_values_add_up_and_progress_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(shap_values, "_ROWS_PER_CALL", 500)  # several batches
    bundle = fake_bundle(tmp_path, "regression")
    rows, background = people(30, seed=3), people(10, seed=4)
    seen = []
    result = compute_shap(FakeRegressor(), bundle, rows, background, on_progress=lambda d, t: seen.append((d, t)))
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["survived"]
    np.testing.assert_allclose(sums, FakeRegressor().predict(rows.reset_index(drop=True)), rtol=1e-6)
    assert seen[-1] == (30, 30) and len(seen) > 1


def test_stop_keeps_the_rows_done_so_far(tmp_path, monkeypatch):
    monkeypatch.setattr(shap_values, "_ROWS_PER_CALL", 500)
    bundle = fake_bundle(tmp_path, "regression")
    calls = []
    result = compute_shap(FakeRegressor(), bundle, people(60), people(10),
                          on_progress=lambda d, t: calls.append(d), should_stop=lambda: len(calls) >= 1)
    assert len(result.rows) == calls[0] < 60


def test_importance_chart_puts_the_largest_on_top():
    imp = pd.DataFrame({"feature": ["sex", "age"], "mean_abs_shap": [0.3, 0.1]})
    fig = plots.importance_figure(imp)
    assert list(fig.data[0].y) == ["age", "sex"]  # plotly draws the last bar on top


def test_how_long_explanations_take_is_said_before_they_start(tmp_path):
    """Issue 29, 16: 200 rows of a 74-column table took about 5 minutes with no word before starting. The
    model is timed as the sampler calls it, and the model rows each explained row costs multiply it."""
    from explain.estimate import Cost, estimated_seconds, in_words, measure
    from explain.shapley import evaluations_per_row
    from tests.unit.fakes import FakeBinaryPredictor, fake_bundle, people

    bundle = fake_bundle(tmp_path)
    people(300, seed=4).drop(columns=["survived"]).to_parquet(bundle.files.train_sample)
    cost = measure(FakeBinaryPredictor(), bundle)
    assert cost.players >= 1 and 0 < cost.seconds_per_row < 0.01
    wide = Cost(players=74, seconds_per_row=2e-5)
    assert estimated_seconds(wide, 200) == pytest.approx(3.0 + 200 * evaluations_per_row(74, 40, 8, 4) * 2e-5)
    assert estimated_seconds(wide, 400) > estimated_seconds(wide, 200) > estimated_seconds(Cost(4, 2e-5), 200)
    assert in_words(12) == "about 10 s" and in_words(300) == "about 5 minutes" and in_words(9000) == "about 2.5 hours"
