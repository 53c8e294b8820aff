"""`automl-studio`: the same core the pages use, from a terminal.

`--json` prints one JSON object on stdout and nothing else there; progress goes to stderr.
Exit codes: 0 success, 2 bad input (one-line reason on stderr), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

from automl.cli.models import _err, _workspace, cmd_explain, cmd_export, cmd_import, cmd_predict, score_file
from automl.cli.serve import cmd_ui
from automl.errors import AutoMLError, TargetError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2


def cmd_profile(args: argparse.Namespace) -> int:
    from automl.data.alerts import find_alerts
    from automl.data.ingest import read_table
    from automl.data.profile import profile_table

    df, report = read_table(args.data, on_progress=_progress_printer("reading") if not args.json else None)
    if args.label is not None and args.label not in df.columns:
        raise TargetError(f"Column {args.label!r} is not in {report.source}.")
    profile = profile_table(df)
    alerts = find_alerts(df, args.label, profile)
    if args.json:
        out = profile.to_dict()
        out["alerts"] = [a.to_dict() for a in alerts]
        out["ingest"] = report.to_dict()
        print(json.dumps(out, default=str))
        return EXIT_OK
    print(f"{report.source}: {len(df):,} rows x {df.shape[1]} columns")
    for note in report.notes:
        print(f"  note: {note}")
    for c in profile.columns:
        print(f"  {c.name:<28} {c.type:<12} missing {c.missing_pct:5.1f}%  distinct {c.distinct:,}")
    for a in alerts:
        print(f"  alert [{a.kind}] {a.message}")
    return EXIT_OK


def _progress_printer(what: str):
    last = [-1]

    def show(fraction: float) -> None:
        step = int(fraction * 10)
        if step != last[0]:
            last[0] = step
            _err(f"  {what}: {100 * fraction:.0f}%")
    return show


def cmd_train(args: argparse.Namespace) -> int:
    from automl.data.cleaning import Recipe
    from automl.data.datasets import import_table
    from automl.training.config import TrainConfig, start_training

    ws = _workspace(args)
    dataset, _ = import_table(ws, args.data, on_progress=_progress_printer("reading"))
    recipe = Recipe.load(args.recipe).to_dict() if args.recipe else None
    config = TrainConfig(
        dataset_id=dataset.id, label=args.label, problem_type=args.problem_type, eval_metric=args.metric,
        preset=args.preset, time_limit=args.time_limit, test_size=args.test_size, exclude=tuple(args.exclude),
        gpu=args.gpu, seed=args.seed, model_families=tuple(args.models or ()), recipe=recipe,
        sample_weight=args.sample_weight, tuning_trials=args.tuning_trials,
    )
    from automl.training.preflight import preflight

    for line in preflight(ws, config).warnings:
        _err(f"warning: {line}")
    run = start_training(ws, config)
    _err(f"run {run.id}: {run.problem_type} on {args.label!r}, metric {run.eval_metric}, "
         f"preset {run.preset}, budget {run.time_limit:.0f} s" + (" (queued)" if run.status == "queued" else ""))
    job = _follow(ws, run.id)
    if job.status not in ("succeeded", "stopped"):
        _err(f"training {job.status}: {job.message or ''}".strip())
        return EXIT_ERROR
    result = _run_summary(ws, run.id)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(f"run {run.id}: test {result['eval_metric']} = {result['test_score']:.4f} "
              f"(best model {result['best_model']})")
    return EXIT_OK


def _follow(ws, job_id: str):
    """Stream a job's events to stderr until it ends; Ctrl-C cancels it."""
    from automl.store import jobs

    seen = 0
    try:
        while True:
            job = jobs.refresh(ws, job_id)
            events = jobs.read_events(ws, job)
            for ev in events[seen:]:
                _err(_describe(ev))
            seen = len(events)
            if job.status not in jobs.ACTIVE:
                return job
            time.sleep(0.5)
    except KeyboardInterrupt:
        _err("interrupted: cancelling the job")
        return jobs.cancel(ws, job_id)


def _describe(ev: dict[str, Any]) -> str:
    kind = ev.get("event")
    if kind == "model_done":
        score = ev.get("score_val")
        return f"  done   {ev['model']:<28} val {score:.4f}  ({ev.get('fit_time') or 0:.1f} s)" if score is not None \
            else f"  done   {ev['model']}"
    if kind == "model_started":
        return f"  start  {ev['model']}"
    if kind == "stage":
        return f"[{ev.get('stage')}] " + " ".join(f"{k}={v}" for k, v in ev.items() if k not in ("t", "event", "stage"))
    return f"[{kind}] " + " ".join(f"{k}={v}" for k, v in ev.items() if k not in ("t", "event"))


def _run_summary(ws, run_id: str) -> dict[str, Any]:
    from automl.evaluation.summary import leaderboard
    from automl.model.bundle import load_bundle

    bundle = load_bundle(ws, run_id)
    board = leaderboard(bundle)
    m = bundle.metrics
    return {
        "run_id": run_id, "status": ws.get_run(run_id).status, "dataset_id": bundle.config.get("dataset_id"),
        "label": bundle.label, "problem_type": bundle.problem_type, "eval_metric": m.eval_metric,
        "test_score": m.test_score, "scores": m.scores, "best_model": m.best_model,
        "deployed_model": bundle.deployed_model,
        "class_labels": list(m.class_labels) if m.class_labels is not None else None, "gpus": list(m.gpus),
        "leaderboard": [{"model": r.model, "score_val": _num(r.score_val), "score_test": _num(getattr(r, "score_test", None)),
                         "fit_time": _num(getattr(r, "fit_time", None)), "used_gpu": bool(getattr(r, "used_gpu", False))}
                        for r in board.itertuples()],
        "run_dir": str(bundle.run_dir),
    }


def _num(value: Any) -> float | None:
    try:
        return None if value is None or value != value else float(value)
    except (TypeError, ValueError):
        return None


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from automl.evaluation.summary import metric_table
    from automl.model.bundle import load_bundle

    ws = _workspace(args)
    summary = _run_summary(ws, args.run_id)
    bundle = load_bundle(ws, args.run_id)
    if args.data:
        summary.update(score_file(bundle, args.data))
        table = pd.DataFrame([{"metric": k, "value": v} for k, v in summary["metrics"].items()])
    else:
        table = metric_table(bundle)
        summary["metrics"] = {r.key: r.value for r in table.itertuples()}
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(table[["metric", "value"]].to_string(index=False))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="automl-studio", description="Point-and-click AutoML for tables, and its CLI.")
    sub = p.add_subparsers(dest="command", required=True)
    for add in (_add_ui, _add_profile, _add_train, _add_evaluate, _add_predict, _add_explain, _add_bundles):
        add(sub)
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
    tr.add_argument("--label", required=True)
    tr.add_argument("--preset", default="fast", help="fast, good, high, best (or an AutoGluon preset)")
    tr.add_argument("--time-limit", type=int, default=120, help="seconds")
    tr.add_argument("--metric", default=None)
    tr.add_argument("--problem-type", choices=["binary", "multiclass", "regression"], default=None)
    tr.add_argument("--test-size", type=float, default=0.2)
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
    ev = _with_ws(sub.add_parser("evaluate", help="test-split metrics and leaderboard of a run"))
    ev.add_argument("run_id")
    ev.add_argument("--data", default=None, help="score this labelled file instead of the test split")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)


def _add_predict(sub) -> None:
    pr = _with_ws(sub.add_parser("predict", help="predict a CSV with a run's model"))
    pr.add_argument("model", help="run id, or an exported model .zip")
    pr.add_argument("data")
    pr.add_argument("--out", required=True)
    pr.add_argument("--chunk-rows", type=int, default=200_000)
    pr.add_argument("--explain", type=int, default=0, metavar="K",
                    help="add the K strongest reasons (SHAP) per row; slower")
    pr.add_argument("--id-column", default=None, help="write only this input column beside the predictions")
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
    ex = _with_ws(sub.add_parser("export", help="export a run's model as a signed zip"))
    ex.add_argument("run_id")
    ex.add_argument("--out", required=True)
    ex.add_argument("--key-file", default=None, help="sign with this key instead of the workspace's")
    ex.set_defaults(func=cmd_export)
    im = _with_ws(sub.add_parser("import", help="import a signed model zip as a run"))
    im.add_argument("bundle")
    im.add_argument("--key-file", default=None, help="the key the bundle was signed with")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AutoMLError as exc:
        _err(f"error: {exc}")
        return EXIT_BAD_INPUT if isinstance(exc, (ValueError, LookupError)) else EXIT_ERROR
    except FileNotFoundError as exc:
        _err(f"error: {exc}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_ERROR


def run() -> None:
    """Console entry point. Exits without the interpreter's native teardown: pyarrow's parquet thread pool
    can abort the process there (SIGABRT, apache/arrow#34314) after all work is done, which would turn a
    success or a clean exit code 2 into a crash."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
