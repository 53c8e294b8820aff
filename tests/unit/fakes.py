"""A tiny stand-in for an AutoGluon predictor, so prediction and SHAP code test in milliseconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from automl.model.bundle import Bundle
from automl.model.schema import build_schema
from automl.model.scoring import RunMetrics


class FakeBinaryPredictor:
    """P(yes) = sigmoid(0.1 * age - 2 + 1.5 * [sex == 'female'])."""

    class_labels = ["no", "yes"]
    positive_class = "yes"

    def predict_proba(self, X: pd.DataFrame, model: str | None = None) -> pd.DataFrame:
        age = pd.to_numeric(X["age"], errors="coerce").fillna(30.0).to_numpy(dtype=float)
        female = (X["sex"].astype(str) == "female").to_numpy(dtype=float)
        p = 1 / (1 + np.exp(-(0.1 * age - 2 + 1.5 * female)))
        return pd.DataFrame({"no": 1 - p, "yes": p}, index=X.index)

    def predict(self, X: pd.DataFrame, model: str | None = None) -> pd.Series:
        return self.predict_from_proba(self.predict_proba(X, model))

    def predict_from_proba(self, proba: pd.DataFrame) -> pd.Series:
        return pd.Series(np.where(proba["yes"] >= 0.5, "yes", "no"), index=proba.index)


class FakeRegressor:
    def predict(self, X: pd.DataFrame, model: str | None = None) -> pd.Series:
        return pd.Series(2.0 * X["age"].astype(float) + (X["sex"] == "female") * 10.0, index=X.index)


def people(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.integers(1, 80, n).astype(float),
                       "sex": rng.choice(["male", "female"], n)})
    df["survived"] = FakeBinaryPredictor().predict(df).to_numpy()
    return df


def fake_bundle(tmp: Path, problem_type: str = "binary", rows: int = 2000) -> Bundle:
    df = people(rows)
    label = "survived"
    classes = ["no", "yes"] if problem_type == "binary" else None
    return Bundle(run_id="run-fake", run_dir=tmp, predictor_path=tmp / "predictor",
                  schema=build_schema(df, label, problem_type, classes),
                  metrics=RunMetrics(problem_type, "accuracy" if problem_type != "regression" else "r2", None,
                                     best_model="Fake", positive_class="yes" if problem_type == "binary" else None),
                  config={})
