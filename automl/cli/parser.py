"""The `automl-studio` command line's arguments: one function per group of subcommands."""

from __future__ import annotations

import argparse

from automl.cli.commands import cmd_evaluate, cmd_profile, cmd_train, cmd_use
from automl.cli.deploy import add_serving
from automl.cli.monitor import add_monitoring
from automl.cli.models import cmd_explain, cmd_export, cmd_import, cmd_predict
from automl.cli.serve import cmd_ui

__all__ = ["build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="automl-studio", description="Point-and-click AutoML for tables, and its CLI.")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_ui, _add_profile, _add_train, _add_evaluate, _add_predict, _add_explain, _add_bundles):
        add(sub)
    add_serving(sub, _with_ws)
    add_monitoring(sub, _with_ws)
    return p


def _with_ws(sp: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sp.add_argument("--workspace", help="workspace folder (default: $AUTOML_STUDIO_HOME or ./workspace)")
    return sp


def _add_ui(sub) -> None:
    ui = _with_ws(sub.add_parser("ui", help="serve the app"))
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=8501)
    ui.add_argument("--no-browser", action="store_true", help="do not open a browser on the app")
    ui.add_argument("--allow-no-password", action="store_true",
                    help="serve on a non-loopback address without AUTOML_STUDIO_PASSWORD (anyone who can reach it "
                         "can use every model)")
    ui.add_argument("--ray", default=None, metavar="ADDRESS",
                    help="the Ray cluster the pages may train and score on (host:port, or auto); default "
                         "$AUTOML_STUDIO_RAY_ADDRESS. Users of the pages can use it, never choose another")
    ui.set_defaults(func=cmd_ui)


def _add_profile(sub) -> None:
    prof = sub.add_parser("profile", help="column types and missing values of a file")
    prof.add_argument("data")
    prof.add_argument("--label", default=None, help="target column: adds the imbalance and leakage alerts")
    prof.add_argument("--json", action="store_true")
    prof.set_defaults(func=cmd_profile)


def _add_train(sub) -> None:
    tr = _with_ws(sub.add_parser("train", help="train models on a file"))
    tr.add_argument("data")
    tr.add_argument("--label", required=True, help="the column to predict (a forecast: the value to forecast)")
    tr.add_argument("--task", choices=["table", "forecast"], default="table",
                    help="table: predict a column for each row (default); forecast: a value over time")
    tr.add_argument("--time", default=None, metavar="COL", help="forecast: the column of dates")
    tr.add_argument("--series", default=None, metavar="COL",
                    help="forecast: the column naming each series (a store, a product); none: one series")
    tr.add_argument("--horizon", type=int, default=None, metavar="N", help="forecast: how many steps ahead")
    tr.add_argument("--known", nargs="*", default=[], metavar="COL",
                    help="forecast: columns known in advance (prices, promotions, holidays)")
    tr.add_argument("--static", nargs="*", default=[], metavar="COL",
                    help="forecast: columns describing each series (one value per series)")
    tr.add_argument("--windows", type=int, default=2, help="forecast: test windows at the end of each series")
    tr.add_argument("--preset", default="auto",
                    help="auto (plans bagging and stacking for the table and budget), fast, good, high, best; "
                         "a forecast: fast, medium (auto) or best")
    tr.add_argument("--time-limit", type=int, default=120,
                    help="seconds, the whole run: fitting, scoring and retraining on every row")
    tr.add_argument("--ray", default=None, metavar="ADDRESS",
                    help="fit on this Ray cluster (host:port, or auto); default: $AUTOML_STUDIO_RAY_ADDRESS, else "
                         "this machine")
    tr.add_argument("--no-refit", dest="refit_all_rows", action="store_false",
                    help="keep the model trained on the training split (default: retrain it on every row "
                         "once the test split has measured it)")
    tr.add_argument("--metric", default=None)
    tr.add_argument("--problem-type", choices=["binary", "multiclass", "regression"], default=None)
    tr.add_argument("--test-size", type=float, default=None,
                    help="share of the rows held out to measure the model (default: automatic, 20%% up to 10,000 "
                         "rows, then 2,000 rows)")
    tr.add_argument("--exclude", nargs="*", default=[])
    tr.add_argument("--models", nargs="*", help="restrict to model families (GBM CAT XGB RF XT NN_TORCH FASTAI KNN LR)")
    tr.add_argument("--sample-weight", default=None, help="numeric column weighting each training row")
    tr.add_argument("--tuning-trials", type=int, default=0, help="hyperparameter tuning trials per model family")
    tr.add_argument("--recipe", help="cleaning recipe JSON (downloaded from the Clean page; see docs/recipe.md)")
    tr.add_argument("--gpu", choices=["auto", "on", "off"], default="auto")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_train)


def _add_evaluate(sub) -> None:
    ev = _with_ws(sub.add_parser("evaluate", help="test-split metrics and leaderboard of a run (a forecast: its "
                                                 "backtest on the last windows)"))
    ev.add_argument("run_id")
    ev.add_argument("--data", default=None, help="score this labelled file instead of the test split")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)
    use = _with_ws(sub.add_parser("use", help="make another leaderboard model the one every prediction of a run "
                                             "uses (the test split is scored again with it)"))
    use.add_argument("run_id")
    use.add_argument("model", help="a model of the run's leaderboard (evaluate names a faster one when there is)")
    use.add_argument("--json", action="store_true")
    use.set_defaults(func=cmd_use)


def _add_predict(sub) -> None:
    pr = _with_ws(sub.add_parser("predict", help="predict a CSV with a run's model (a forecast: every series "
                                                "past the end of the file's history)"))
    pr.add_argument("model", help="a deployment name or a run id, or an exported model .zip")
    pr.add_argument("data")
    pr.add_argument("--out", required=True)
    pr.add_argument("--chunk-rows", type=int, default=None,
                    help="rows read and scored per chunk (default 200,000; 50,000 on a Ray cluster, one chunk per "
                         "actor call)")
    pr.add_argument("--ray", default=None, metavar="ADDRESS",
                    help="score on this Ray cluster (host:port, or auto): an actor pool, each loading the model "
                         "once (default: this process)")
    pr.add_argument("--explain", type=int, default=0, metavar="K",
                    help="add the K strongest reasons (SHAP) per row; slower")
    pr.add_argument("--id-column", default=None,
                    help="write only this column beside the predictions; through a deployment, each row's answer "
                         "is also kept by this id so that `actuals` can join its true outcome")
    pr.add_argument("--key-file", default=None, help="signing key for a bundle made in another workspace")
    pr.set_defaults(func=cmd_predict)


def _add_explain(sub) -> None:
    xp = _with_ws(sub.add_parser("explain", help="SHAP explanations and an HTML report of a model"))
    xp.add_argument("model", help="run id, or an exported model .zip")
    xp.add_argument("data", help="rows to explain (with the model's input columns)")
    xp.add_argument("--rows", type=int, default=200, help="explain the first N rows")
    xp.add_argument("--out", required=True, help="the HTML report to write")
    xp.add_argument("--shap-out", default=None, help="also write the SHAP values as CSV")
    xp.add_argument("--key-file", default=None)
    xp.set_defaults(func=cmd_explain)


def _add_bundles(sub) -> None:
    ex = _with_ws(sub.add_parser("export", help="export a run's model as a signed zip, or as a compact ONNX folder"))
    ex.add_argument("run_id", help="a run id or a deployment name")
    ex.add_argument("--out", required=True, help="the zip to write, or with --format onnx a new folder")
    ex.add_argument("--format", choices=["zip", "onnx"], default="zip",
                    help="zip: the whole run, for another AutoML Studio (import); onnx: the model in use as a "
                         "folder that scores with numpy and onnxruntime only (LightGBM models)")
    ex.add_argument("--model", default=None, help="with --format onnx: export this leaderboard model instead of the "
                                                   "model in use")
    ex.add_argument("--json", action="store_true")
    ex.add_argument("--key-file", default=None, help="sign with this key instead of the workspace's")
    ex.set_defaults(func=cmd_export)
    im = _with_ws(sub.add_parser("import", help="import a signed model zip as a run"))
    im.add_argument("bundle")
    im.add_argument("--key-file", default=None, help="the key the bundle was signed with")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)
