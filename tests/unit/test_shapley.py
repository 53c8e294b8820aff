"""The Shapley sampler, the background summary and the model-space shortcut, on functions whose values are known."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from explain.background import influence, summarise
from explain.model_space import build_space, input_space
from explain.shapley import shapley_values, uses_exact
from tests.unit.fakes import FakeBinaryPredictor, fake_bundle, people


def exact_shapley(f, x, background, weights, groups):
    """Brute force over all coalitions of groups, with a weighted background."""
    m = len(groups)

    def v(coalition):
        z = background.copy()
        for g in coalition:
            z[:, groups[g]] = x[groups[g]]
        return weights @ f(z)

    phi = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            for s in itertools.combinations(others, size):
                w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                phi[j] += w * (v(s + (j,)) - v(s))
    return phi


def f_interacting(z):
    return z[:, 0] * z[:, 1] + 2 * z[:, 2] - z[:, 3] * z[:, 4] + np.sin(z[:, 5])


def test_few_groups_are_exact_with_a_weighted_background():
    rng = np.random.default_rng(0)
    background, rows = rng.normal(size=(12, 6)), rng.normal(size=(4, 6))
    weights = rng.random(12)
    groups = [[0, 1], [2], [3, 5], [4]]  # four players, two of them two columns each
    assert uses_exact(len(groups), 8)
    values, base = shapley_values(f_interacting, rows, background, weights, groups, n_permutations=8)
    w = weights / weights.sum()
    for r in range(4):
        np.testing.assert_allclose(values[r, :, 0], exact_shapley(f_interacting, rows[r], background, w, groups),
                                   atol=1e-12)
    np.testing.assert_allclose(base, [w @ f_interacting(background)])


def test_permutations_with_background_groups_add_up_and_approach_the_exact_values():
    rng = np.random.default_rng(1)
    weights_true = np.array([1.0, -2.0, 0.5, 3.0, 0.0, 1.0, -1.0, 0.3])
    f = lambda z: z @ weights_true + z[:, 0] * z[:, 3]  # noqa: E731
    background, rows = rng.normal(size=(16, 8)), rng.normal(size=(6, 8))
    assert not uses_exact(8, 8)
    values, base = shapley_values(f, rows, background, n_permutations=8, background_groups=4)
    np.testing.assert_allclose(values[:, :, 0].sum(axis=1) + base[0], f(rows), atol=1e-9)
    exact = np.array([exact_shapley(f, r, background, np.full(16, 1 / 16), [[j] for j in range(8)]) for r in rows])
    assert np.corrcoef(values[:, :, 0].ravel(), exact.ravel())[0, 1] > 0.97
    assert np.allclose(values[:, 4, 0], 0)  # a column the model ignores gets nothing


def test_multi_output_values_keep_their_outputs_apart():
    f = lambda z: np.column_stack([z[:, 0], 3 * z[:, 1]])  # noqa: E731
    rng = np.random.default_rng(2)
    values, base = shapley_values(f, rng.normal(size=(3, 2)), rng.normal(size=(5, 2)))
    assert values.shape == (3, 2, 2)
    assert np.allclose(values[:, 1, 0], 0) and np.allclose(values[:, 0, 1], 0)


def test_summary_picks_real_rows_weighted_by_their_cluster():
    rng = np.random.default_rng(3)
    big, small = rng.normal(0, 0.1, size=(90, 2)), rng.normal(10, 0.1, size=(10, 2))
    codes = np.vstack([big, small])
    picked, weights = summarise(codes, [False, False], k=2)
    assert set(picked) <= set(range(100)) and weights.sum() == pytest.approx(1)
    assert sorted(weights.round(2)) == [0.1, 0.9]


def test_summary_splits_the_data_along_the_columns_that_matter():
    rng = np.random.default_rng(4)
    codes = np.column_stack([rng.choice([0.0, 100.0], 200), rng.normal(size=200) * 1000])
    picked, _ = summarise(codes, [False, False], k=2, scale=np.array([1.0, 0.0]))
    assert set(codes[picked, 0]) == {0.0, 100.0}  # one representative per value of the influential column


def test_influence_is_zero_for_an_ignored_column():
    rng = np.random.default_rng(5)
    imp = influence(lambda z: 5 * z[:, 0] + z[:, 2], rng.normal(size=(100, 3)), [[0], [1], [2]])
    assert imp[0] == 1 and imp[1] == 0 and 0 < imp[2] < 0.5


class PipelinePredictor(FakeBinaryPredictor):
    """A predictor with a feature pipeline, as AutoGluon's: age -> (age, age_decade), sex -> category."""

    def __init__(self, separable: bool = True):
        self.separable = separable

    def transform_features(self, X: pd.DataFrame) -> pd.DataFrame:
        age = pd.to_numeric(X["age"], errors="coerce")
        out = pd.DataFrame({"age": age, "age_decade": (age // 10).astype(float),
                            "sex": pd.Categorical(X["sex"], categories=["female", "male"])}, index=X.index)
        if not self.separable:
            out["age_if_female"] = np.where(X["sex"] == "female", age, 0.0)
        return out

    def predict_proba(self, X: pd.DataFrame, model: str | None = None, transform_features: bool = True):
        T = self.transform_features(X) if transform_features else X
        p = 1 / (1 + np.exp(-(0.1 * T["age"] - 0.3 * T["age_decade"] - 2 + 1.5 * (T["sex"] == "female"))))
        return pd.DataFrame({"no": 1 - p, "yes": p}, index=X.index)


def test_model_space_gives_the_input_space_values(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows, background = people(8, seed=6), people(12, seed=7)
    fast = build_space(PipelinePredictor(), bundle, rows, background)
    slow = input_space(PipelinePredictor(), bundle, rows, background)
    assert fast.kind == "model" and fast.groups == [[0, 1], [2]]  # age drives two features
    a, base_a = shapley_values(fast.f, fast.rows, fast.background, groups=fast.groups)
    b, base_b = shapley_values(slow.f, slow.rows, slow.background, groups=slow.groups)
    np.testing.assert_allclose(a, b, atol=1e-12)
    np.testing.assert_allclose(base_a, base_b)


def test_a_feature_mixing_two_columns_falls_back_to_input_space_and_says_so(tmp_path, caplog):
    from explain.shap_values import compute_shap

    bundle = fake_bundle(tmp_path)
    with caplog.at_level("WARNING", logger="explain.model_space"):
        space = build_space(PipelinePredictor(separable=False), bundle, people(8, seed=6), people(12, seed=7))
    assert space.kind == "input" and "several input columns" in space.why_input
    assert any("slow path" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    result = compute_shap(PipelinePredictor(separable=False), bundle, people(5, seed=6), people(40, seed=7))
    assert (result.space, result.why_input) == ("input", space.why_input)  # recorded with the values
    assert build_space(PipelinePredictor(), bundle, people(8, seed=6), people(12, seed=7)).why_input == ""


def test_compute_shap_through_the_model_space_adds_up_to_the_probability(tmp_path):
    from explain.shap_values import compute_shap

    bundle = fake_bundle(tmp_path)
    model, rows = PipelinePredictor(), people(25, seed=8)
    result = compute_shap(model, bundle, rows, people(300, seed=9))
    sums = result.values.groupby("row")["value"].sum().to_numpy() + result.base_values["yes"]
    np.testing.assert_allclose(sums, model.predict_proba(rows.reset_index(drop=True))["yes"], rtol=1e-9)


def test_wide_tables_are_mixed_in_chunks_with_the_same_values(tmp_path, monkeypatch):
    import explain.shapley as shapley_module

    rng = np.random.default_rng(9)
    background, rows = rng.normal(size=(6, 7)), rng.normal(size=(3, 7))
    calls = []

    def f(z):
        calls.append(len(z))
        return f_interacting(z) + z[:, 6]

    whole, base = shapley_values(f, rows, background, n_permutations=8, background_groups=2)
    imp = influence(f, background, [[j] for j in range(7)])
    bundle = fake_bundle(tmp_path)
    groups = build_space(PipelinePredictor(), bundle, people(8, seed=6), people(12, seed=7)).groups
    biggest = max(calls)
    monkeypatch.setattr(shapley_module, "MAX_CELLS", 60)  # a few mixed rows per model call
    calls.clear()
    chunked, base_chunked = shapley_values(f, rows, background, n_permutations=8, background_groups=2)
    np.testing.assert_allclose(chunked, whole, atol=1e-12)
    np.testing.assert_allclose(base_chunked, base)
    np.testing.assert_allclose(influence(f, background, [[j] for j in range(7)]), imp)
    assert max(calls) < biggest and max(calls) * 7 <= 60 + 6 * 7  # one mask (or the background) at a time
    assert build_space(PipelinePredictor(), bundle, people(8, seed=6), people(12, seed=7)).groups == groups


def test_the_result_says_how_many_representative_rows_it_was_measured_against(tmp_path):
    from explain.shap_values import compute_shap

    bundle = fake_bundle(tmp_path)
    assert compute_shap(PipelinePredictor(), bundle, people(5), people(300, seed=1)).background_rows == 40
    assert compute_shap(PipelinePredictor(), bundle, people(5), people(12, seed=1)).background_rows == 12
