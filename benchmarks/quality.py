"""Model quality: the app's `train` (CLI) against AutoGluon called directly, and scikit-learn's
HistGradientBoosting with defaults, on the same held-out split of each sample dataset.

    .venv/bin/python benchmarks/quality.py --time-limit 60 --preset fast

Scores are AutoGluon's higher-is-better values of each dataset's metric (errors are negative).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report  # noqa: E402

DATASETS = {"titanic": ("titanic.csv", "survived", "accuracy"), "penguins": ("penguins.csv", "species", "accuracy"),
            "diamonds": ("diamonds.csv", "price", "root_mean_squared_error")}


def hist_gradient_boosting(train, test, label: str, problem_type: str, metric):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    # HistGradientBoosting takes at most 255 categories per column: wider text columns are left out
    wide = [c for c in train.columns if c != label and train[c].dtype.kind not in "biuf" and train[c].nunique() > 255]

    def encode(df):
        X = df.drop(columns=[label, *wide]).copy()
        for col in X.columns:
            if X[col].dtype.kind not in "biuf":
                X[col] = X[col].astype("category")
        return X

    X_train, X_test = encode(train), encode(test)
    for col in X_train.columns:  # the same categories on both sides
        if str(X_train[col].dtype) == "category":
            X_test[col] = X_test[col].cat.set_categories(X_train[col].cat.categories)
    model_cls = HistGradientBoostingRegressor if problem_type == "regression" else HistGradientBoostingClassifier
    model = model_cls(categorical_features="from_dtype", random_state=0).fit(X_train, train[label])
    return float(metric(test[label], model.predict(X_test)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=int, default=60)
    parser.add_argument("--preset", default="fast")
    args = parser.parse_args()

    import pandas as pd
    from autogluon.core.metrics import get_metric
    from autogluon.tabular import TabularPredictor

    from automl.data.problem import infer_problem_type, resolve_preset
    from automl.training.fit import split_train_test

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (file, label, metric_name) in DATASETS.items():
            path = ROOT / "sample_data" / file
            df = pd.read_csv(path)
            problem_type = infer_problem_type(df[label]).problem_type
            metric = get_metric(metric_name, problem_type)
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "automl.cli", "train", str(path), "--label", label,
                                   "--preset", args.preset, "--time-limit", str(args.time_limit), "--metric",
                                   metric_name, "--json", "--workspace", str(Path(tmp) / "ws")],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr)
            app = json.loads(proc.stdout)["test_score"]
            t_app = time.perf_counter() - start

            labelled = df[df[label].notna()]
            train, test = split_train_test(labelled, label, problem_type, 0.2, seed=0)
            start = time.perf_counter()
            direct = TabularPredictor(label=label, problem_type=problem_type, eval_metric=metric_name,
                                      path=str(Path(tmp) / f"direct-{name}"), verbosity=0).fit(
                train, presets=resolve_preset(args.preset), time_limit=args.time_limit)
            ag = float(direct.evaluate(test, silent=True)[metric_name])
            t_ag = time.perf_counter() - start
            hgb = hist_gradient_boosting(train, test, label, problem_type, metric)
            rows.append({"dataset": name, "metric": metric_name, "app": round(app, 4), "autogluon_direct": round(ag, 4),
                         "hist_gradient_boosting": round(hgb, 4), "app_minus_direct": round(app - ag, 4),
                         "app_minus_hgb": round(app - hgb, 4), "app_s": round(t_app), "direct_s": round(t_ag)})
            print(rows[-1], file=sys.stderr)
    print(f"budget {args.time_limit} s, preset {args.preset}; scores higher-is-better (errors negated)")
    report("quality", rows)


if __name__ == "__main__":
    main()
