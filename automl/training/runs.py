"""Run history: the table of every run, side-by-side comparison, delete and re-run."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from automl.data.numbers import readable_number
from automl.data.problem import metric_name, preset_label
from automl.errors import RunNotReadyError
from automl.store import jobs
from automl.store.batches import delete_batches
from automl.store.workspace import RunInfo, Workspace
from automl.training.config import TrainConfig, start_training

__all__ = ["run_name", "score_text", "run_table", "config_diff", "delete_run", "rerun", "outcome_lines",
           "same_test_rows", "COMPARED_KEYS"]

COMPARED_KEYS = ("dataset_id", "label", "problem_type", "eval_metric", "preset", "time_limit", "test_size",
                 "exclude", "model_families", "gpu", "seed", "sample_weight", "tuning_trials", "recipe_steps")


def run_table(ws: Workspace) -> pd.DataFrame:
    """Every run, newest first: dataset, target, settings, score, duration and status."""
    names = {d.id: d.name for d in ws.list_datasets()}
    rows = []
    for run in ws.list_runs():
        job = _job(ws, run.id)
        duration = ((job.finished_at or 0) - (job.started_at or 0)
                    if job and job.finished_at and job.started_at else None)
        rows.append({
            "run": run.id, "status": job.status if job else run.status, "dataset": names.get(run.dataset_id, "?"),
            "target": run.label, "type": run.problem_type, "preset": preset_label(run.preset),
            "budget (s)": run.time_limit,
            "metric": metric_name(run.eval_metric), "test value": run.test_value,
            "duration (s)": round(duration, 1) if duration is not None else None,
            "started": pd.Timestamp(run.created_at, unit="s").strftime("%Y-%m-%d %H:%M"),
        })
    return pd.DataFrame(rows, columns=["run", "status", "dataset", "target", "type", "preset", "budget (s)", "metric",
                                       "test value", "duration (s)", "started"])


def score_text(value: float | None) -> str:
    """A score or an error as a reader wants it: `0.827`, `1.000`, `16.9`, `1,656`."""
    if value is None or value != value:
        return "—"
    return f"{value:.3f}" if abs(value) <= 1 else readable_number(value)


def run_name(run: RunInfo) -> str:
    """A run as a person tells it from the others: target, preset and budget, when, test score, status
    (`Price · Auto, 30 s · 30 Nov 22:15 · test RMSE 1,656 · succeeded`)."""
    when = time.strftime("%d %b %H:%M", time.localtime(run.created_at))
    budget = f", {run.time_limit:g} s" if run.time_limit else ""
    score = f" · test {metric_name(run.eval_metric)} {score_text(run.test_value)}" if run.test_value is not None else ""
    return f"{run.label} · {preset_label(run.preset)}{budget} · {when}{score} · {run.status}"


def _job(ws: Workspace, run_id: str):
    try:
        return jobs.refresh(ws, run_id)
    except LookupError:
        return None


_WORDS = {"dataset_id": "table", "label": "target", "problem_type": "problem type", "eval_metric": "metric",
          "preset": "preset", "time_limit": "budget", "test_size": "test split", "exclude": "columns left out",
          "model_families": "model families", "gpu": "GPU", "seed": "random seed (test split)",
          "sample_weight": "row weights column", "tuning_trials": "tuning trials", "recipe_steps": "cleaning steps",
          "status": "status", "test_value": "test score", "model": "model in use",
          "speed": "time to predict 1,000 rows", "size": "size of the model in use"}


def config_diff(ws: Workspace, a: str, b: str, only_different: bool = False) -> pd.DataFrame:
    """Settings and results of two runs side by side, as a person reads them (`Fast`, not `medium_quality`;
    `25,418`, not `25417.69073299579`), with the model in use, its speed and its size."""
    ra, rb = ws.get_run(a), ws.get_run(b)
    names = {d.id: d.name for d in ws.list_datasets()}
    left, right = _settings(ra, ws, names), _settings(rb, ws, names)
    rows = [{"setting": _WORDS.get(k, k), a: left[k], b: right[k], "differs": left[k] != right[k]} for k in left]
    frame = pd.DataFrame(rows)
    return frame[frame["differs"]] if only_different else frame


def same_test_rows(ws: Workspace, a: str, b: str) -> bool:
    """Whether two runs' test scores come from the same rows (the same table, split and seed)."""
    ca, cb = ws.get_run(a).config, ws.get_run(b).config
    keys = ("source_dataset_id", "dataset_id", "test_size", "seed", "label")
    return all(ca.get(k) == cb.get(k) for k in keys)


def _settings(run: RunInfo, ws: Workspace, names: dict[str, str]) -> dict[str, str]:
    config = dict(run.config)
    shown = {k: config.get(k) for k in COMPARED_KEYS}
    shown["recipe_steps"] = len((config.get("recipe") or {}).get("steps", []))
    shown["dataset_id"] = names.get(run.dataset_id, run.dataset_id)
    shown["eval_metric"] = metric_name(run.eval_metric)
    shown["preset"] = preset_label(run.preset)
    shown["time_limit"] = f"{run.time_limit:g} s" if run.time_limit else None
    shown["test_size"] = f"{100 * float(config['test_size']):.0f}%" if config.get("test_size") else None
    out = {k: _show(v) for k, v in shown.items()}
    out["status"], out["test_value"] = run.status, score_text(run.test_value)
    out.update(_model_facts(ws, run.id))
    return out


def _model_facts(ws: Workspace, run_id: str) -> dict[str, str]:
    """The model in use, in words, with its speed and size from the run's leaderboard (— where none)."""
    from automl.model.bundle import load_bundle
    from automl.model.names import plain_model_name

    try:
        bundle = load_bundle(ws, run_id)
        board = pd.read_parquet(bundle.files.leaderboard)
    except Exception:  # noqa: BLE001 - a run without a model or a leaderboard: nothing to show
        return {"model": "—", "speed": "—", "size": "—"}
    row = board[board["model"] == bundle.deployed_model]
    ms = float(row["ms_per_1000_rows"].iloc[0]) if len(row) and "ms_per_1000_rows" in row else None
    size = float(row["size_mb"].iloc[0]) if len(row) and "size_mb" in row else None
    return {"model": plain_model_name(bundle.deployed_model),
            "speed": "—" if ms is None or ms != ms else f"{readable_number(ms)} ms",
            "size": "—" if size is None or size != size else f"{readable_number(size)} MB"}


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value is None else str(value)


def delete_run(ws: Workspace, run_id: str) -> None:
    job = _job(ws, run_id)
    if job is not None and job.status in jobs.ACTIVE and job.status != "queued":
        raise RunNotReadyError(f"Run {run_id} is {job.status}; stop or cancel it before deleting it.")
    if job is not None and job.status == "queued":
        jobs.cancel(ws, run_id)
    for explain in ws.list_jobs(run_id=run_id):
        if explain.status in jobs.ACTIVE:
            jobs.cancel(ws, explain.id)
    ws.delete_run(run_id)
    delete_batches(ws, run_id)  # the rows users scored with it go too


def rerun(ws: Workspace, run_id: str) -> RunInfo:
    """Train again with the same configuration (a new run; queued if another training runs)."""
    config = TrainConfig.from_dict(ws.get_run(run_id).config)
    return start_training(ws, config)


def outcome_lines(events: list[dict[str, Any]], metrics: dict[str, Any] | None, refit_asked: bool) -> list[str]:
    """What a finished training did, in words, for the Train page and the CLI: the models fitted, those left
    out and why, and whether the model was retrained on every row as asked (and why not). A run that said
    only "Succeeded · 53 s of a 60 s budget" had fitted one model family of seven and skipped the retrain."""
    done = [e["model"] for e in events if e.get("event") == "model_done" and e.get("model")]
    failed = [e for e in events if e.get("event") == "model_failed"]
    lines = []
    if done:
        lines.append(f"{len(done)} model(s) fitted: {', '.join(dict.fromkeys(done))}.")
    if failed:
        reasons: dict[str, list[str]] = {}
        for e in failed:
            reasons.setdefault(str(e.get("reason") or "no reason given"), []).append(str(e.get("model") or "a model"))
        lines.append(f"{len(failed)} left out: " + "; ".join(
            f"{', '.join(models) if len(models) <= 3 else f'{len(models)} models'} ({why})"
            for why, models in reasons.items()) + ".")
        if any("time" in why.lower() for why in reasons):  # "Ran out of time", "the time budget ran out"
            lines.append("The budget ran out before these: a longer budget (or a faster machine, or fewer model "
                         "families) gives them time.")
    metrics = metrics or {}
    if refit_asked and metrics.get("final_model"):
        lines.append("Retrained on every row, as asked.")
    elif refit_asked and metrics.get("final_note"):
        lines.append(f"Not retrained on every row: {metrics['final_note']}")
    return lines
