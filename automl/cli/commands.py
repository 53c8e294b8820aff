"""`automl-studio profile`, `train` and `evaluate`: a file's profile, training with progress on stderr, and
a run's scores."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from automl.cli.models import _err, _workspace, score_file
from automl.errors import TargetError

__all__ = ["cmd_profile", "cmd_train", "cmd_evaluate"]

EXIT_OK, EXIT_ERROR = 0, 1


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
    if args.task == "forecast":
        from automl.cli.forecast import train_forecast

        return train_forecast(args, ws, dataset)
    recipe = Recipe.load(args.recipe).to_dict() if args.recipe else None
    config = TrainConfig(
        dataset_id=dataset.id, label=args.label, problem_type=args.problem_type, eval_metric=args.metric,
        preset=args.preset, time_limit=args.time_limit, test_size=args.test_size, exclude=tuple(args.exclude),
        gpu=args.gpu, seed=args.seed, model_families=tuple(args.models or ()), recipe=recipe,
        sample_weight=args.sample_weight, tuning_trials=args.tuning_trials, refit_all_rows=args.refit_all_rows,
        ray_address=args.ray,
    )
    from automl.training.preflight import preflight

    for line in preflight(ws, config).warnings:
        _err(f"warning: {line}")
    run = start_training(ws, config)
    _err(f"run {run.id}: {run.problem_type} on {args.label!r}, metric {run.eval_metric}, "
         f"preset {run.preset}, budget {run.time_limit:.0f} s" + (" (queued)" if run.status == "queued" else ""))
    if not follow_training(ws, run.id):
        return EXIT_ERROR
    result = _run_summary(ws, run.id)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(summary_line(result))
    return EXIT_OK


def follow_training(ws, run_id: str) -> bool:
    """Stream a training run's events until it ends: True when it succeeded (or was stopped with a model),
    else False after saying why (`train`, `retrain`)."""
    job = _follow(ws, run_id)
    if job.status in ("succeeded", "stopped"):
        from automl.model.run_files import RunFiles
        from automl.store import atomic, jobs
        from automl.training.runs import outcome_lines

        metrics = atomic.read_json(RunFiles(ws.run_dir(run_id)).metrics) or {}
        asked = bool(ws.get_run(run_id).config.get("refit_all_rows", True))
        for line in outcome_lines(jobs.read_events(ws, job), metrics, asked):  # what ran, and what did not
            _err(line.replace("`", ""))
        return True
    _err(f"training {job.status}: {job.message or ''}".strip())
    return False


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


def summary_line(result: dict[str, Any]) -> str:
    """A finished run in one line, its test score as people read it (`RMSE 617`, not AutoGluon's
    higher-is-better `-617.2523`; `--json` keeps both)."""
    from automl.data.problem import metric_name
    from automl.training.runs import score_text

    return (f"run {result['run_id']}: test {metric_name(result['eval_metric'])} {score_text(result['test_value'])} "
            f"(best model {result['best_model']})")


def _run_summary(ws, run_id: str) -> dict[str, Any]:
    from automl.evaluation.summary import leaderboard
    from automl.model.bundle import load_bundle

    bundle = load_bundle(ws, run_id)
    board = leaderboard(bundle)
    m = bundle.metrics
    return {
        "run_id": run_id, "status": ws.get_run(run_id).status, "dataset_id": bundle.config.get("dataset_id"),
        "label": bundle.label, "problem_type": bundle.problem_type, "eval_metric": m.eval_metric,
        "test_score": m.test_score, "test_value": m.value, "scores": m.scores,
        "best_model": m.best_model,
        "deployed_model": bundle.deployed_model, "measured_model": bundle.measured_model, "plan": m.plan,
        "final_model_rows": m.final_model_rows, "test_rows": m.n_test, "final_note": m.final_note or None,
        "final_value": m.final_value,
        "wall_seconds": m.wall_seconds, "budget_seconds": bundle.config.get("time_limit"),
        "executor": m.executor, **({"ray_nodes": m.ray_nodes, "fold_nodes": list(m.fold_nodes) if m.fold_nodes
                                    is not None else None} if m.executor == "ray" else {}),
        "class_labels": list(m.class_labels) if m.class_labels is not None else None, "gpus": list(m.gpus),
        "leaderboard": [{"model": r.model, "score_val": _num(r.score_val),
                         "score_test": _num(getattr(r, "score_test", None)),
                         "fit_time": _num(getattr(r, "fit_time", None)),
                         "used_gpu": bool(getattr(r, "used_gpu", False))}
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
    from automl.model.forecast_run import is_forecast

    ws = _workspace(args)
    if is_forecast(ws.get_run(args.run_id)):
        from automl.cli.forecast import evaluate_forecast

        return evaluate_forecast(args, ws)
    summary = _run_summary(ws, args.run_id)
    bundle = load_bundle(ws, args.run_id)
    if args.data:
        summary.update(score_file(bundle, args.data))
        table = pd.DataFrame([{"metric": k, "value": v} for k, v in summary["metrics"].items()])
    else:
        table = metric_table(bundle)
        summary["metrics"] = {r.key: r.value for r in table.itertuples()}
    from automl.evaluation.compact import compact_choice
    from automl.evaluation.summary import leaderboard

    compact = compact_choice(leaderboard(bundle), bundle.measured_model, bundle.metrics.eval_metric,
                             bundle.metrics.lower_is_better, bundle.trained_on_all_rows)
    summary["compact"] = compact.to_dict() if compact else None
    if args.json:
        print(json.dumps(summary, default=str))
    else:
        print(table[["metric", "value"]].to_string(index=False))
        if compact:
            print(f"\nFaster: {compact.plain()} (automl-studio use {args.run_id} {compact.model})")
    return EXIT_OK


def cmd_use(args: argparse.Namespace) -> int:
    """Make `model` the one every prediction of the run uses; prints its test metrics."""
    from automl.model.bundle import load_bundle, load_predictor
    from automl.model.choice import choose_model

    ws = _workspace(args)
    bundle = load_bundle(ws, args.run_id)
    scored = choose_model(ws, bundle, load_predictor(bundle), args.model)
    if args.json:
        print(json.dumps({"run_id": args.run_id, "model": args.model, "test_score": scored.test_score,
                          "metric": scored.eval_metric}, default=str))
    else:
        print(f"Run {args.run_id} now predicts with {args.model}: test {scored.eval_metric} "
              f"{scored.values.get(scored.eval_metric, scored.test_score)}.")
    return EXIT_OK
