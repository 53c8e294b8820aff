import numpy as np
import pandas as pd

import itertools
import math

from explain import plots, shap_values
from explain.model_space import InputCodec
from explain.shap_values import compute_shap, importance_frame
from explain.shapley import shapley_values
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


def _exact_shapley(f, x, background):
    """Brute-force interventional Shapley values over all coalitions (small M only)."""
    m = len(x)

    def v(coalition):
        z = background.copy()
        z[:, list(coalition)] = x[list(coalition)]
        return f(z).mean()

    phi = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            for s in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                phi[j] += weight * (v(s + (j,)) - v(s))
    return phi


def test_two_features_with_an_interaction_are_exact():
    f = lambda z: z[:, 0] * z[:, 1] + 2 * z[:, 0]  # noqa: E731
    rng = np.random.default_rng(0)
    background, rows = rng.normal(size=(30, 2)), rng.normal(size=(5, 2))
    values, base = shapley_values(f, rows, background, n_permutations=2)
    for r in range(5):
        np.testing.assert_allclose(values[r, :, 0], _exact_shapley(f, rows[r], background), atol=1e-9)
    np.testing.assert_allclose(base, [f(background).mean()])


def test_many_features_stay_additive_and_close_to_exact():
    w = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
    f = lambda z: z @ w + z[:, 0] * z[:, 3]  # noqa: E731
    rng = np.random.default_rng(1)
    background, rows = rng.normal(size=(20, 5)), rng.normal(size=(4, 5))
    values, base = shapley_values(f, rows, background, n_permutations=8)
    np.testing.assert_allclose(values[:, :, 0].sum(axis=1) + base[0], f(rows), atol=1e-9)
    exact = np.array([_exact_shapley(f, r, background) for r in rows])
    assert np.corrcoef(values[:, :, 0].ravel(), exact.ravel())[0, 1] > 0.98
    assert np.allclose(values[:, 4, 0], 0)  # a feature the model ignores gets nothing
