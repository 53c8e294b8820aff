"""Runs inside the training job's process: split, fit AutoGluon with progress events, score, save.

Everything a finished run offers is written here, atomically; `model.json` is written last and marks
the run's model as complete.
"""

from __future__ import annotations

import logging
import platform
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import psutil
from sklearn.model_selection import train_test_split

from automl.data.cleaning import Recipe
from automl.model.bundle import ThresholdSource, sign_run
from automl.model.forecast_run import is_forecast
from automl.model.model_input import ColumnRead, read_plan, replay_frame
from automl.model.run_files import RunFiles
from automl.model.schema import build_schema
from automl.model.scoring import RunMetrics, leaderboard_frame, score
from automl.model.threshold import save_validation_predictions
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace
from automl.training.config import GPU_FAMILIES, HUB_MODELS, MODEL_FAMILIES, TrainConfig, gpu_names
from automl.training.executor import choose_executor
from automl.training.plan import AUTO_PORTFOLIO, Plan, machine_load, make_plan
from automl.training.refit import refit_all_rows

__all__ = ["run_training_job", "split_train_test", "hyperparameters_for", "TRAIN_SAMPLE_ROWS"]

log = logging.getLogger(__name__)
TRAIN_SAMPLE_ROWS = 500
_THRESHOLD_METRICS = ("accuracy", "balanced_accuracy", "f1", "mcc")  # what AutoGluon's threshold search tunes


def split_train_test(df: pd.DataFrame, label: str, problem_type: str, test_size: float,
                     seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cut the held-out test split; stratified for classification when every class has two rows."""
    stratify = None
    if problem_type in ("binary", "multiclass") and df[label].value_counts().min() >= 2:
        stratify = df[label]
    train, test = train_test_split(df, test_size=test_size, random_state=seed, stratify=stratify)
    return train, test


def hyperparameters_for(preset: str, families: tuple[str, ...], num_gpus: int = 0) -> dict[str, Any] | None:
    """The preset's model portfolio, restricted to `families`, with GPU-capable models put on a GPU.

    None (the preset's own choice) when nothing is restricted and there is no GPU to use.
    """
    if not families and not num_gpus:
        return None
    from autogluon.tabular.configs.hyperparameter_configs import get_hyperparameter_config
    from autogluon.tabular.configs.presets_configs import tabular_presets_dict

    name = (AUTO_PORTFOLIO if preset == "auto"
            else tabular_presets_dict.get(preset, {}).get("hyperparameters", "default"))
    portfolio = get_hyperparameter_config(name) if isinstance(name, str) else dict(name)
    chosen = {family: portfolio.get(family, {}) for family in (families or tuple(portfolio))}
    if num_gpus:
        chosen = {family: _on_gpu(value) if family in GPU_FAMILIES else value for family, value in chosen.items()}
    return chosen


def _on_gpu(value: Any) -> Any:
    """Ask AutoGluon to give each configuration of a family one GPU."""
    if isinstance(value, list):
        return [_on_gpu(v) for v in value]
    value = dict(value)
    value["ag_args_fit"] = {**value.get("ag_args_fit", {}), "num_gpus": 1}
    return value


def run_training_job(ws: Workspace, job: JobRecord, events: jobs.EventLog,
                     should_stop: Callable[[], bool]) -> str:
    began = ws.get_job(job.id).started_at or time.time()  # the budget counts from the job's start

    def spent() -> float:
        return time.time() - began

    run_dir = ws.run_dir(job.id)
    files = RunFiles(run_dir)
    raw = atomic.read_json(files.config)
    if is_forecast(raw):  # the one place a training job turns on the kind of task
        from automl.training.forecast_job import run_forecast_job

        return run_forecast_job(ws, job, events, should_stop)
    config = TrainConfig.from_dict(raw)
    prepared = _prepare(ws, config, run_dir, events)
    train, test = prepared.train, prepared.test

    executor = choose_executor(config, run_dir, events)
    cluster, num_gpus = executor.cluster, executor.num_gpus
    plan = _plan(config, train, len(test), spent(), cores=executor.cores)
    executor.start(plan, config)
    events.emit("stage", stage="fitting", time_limit=plan.fit_seconds, preset=config.preset, num_gpus=num_gpus,
                plan=plan.reason)
    started = time.time()
    predictor = _fit(config, plan, train, run_dir, events, jobs.stop_path(ws, job), num_gpus,
                     num_cpus=cluster.cpus if cluster else None, parallel_folds=executor.parallel_folds)
    fit_seconds = time.time() - started
    fold_nodes = executor.fold_nodes()
    if not predictor.model_names():
        raise RuntimeError(f"No model finished within the {config.time_limit} s budget; give training more time.")

    events.emit("stage", stage="evaluating")
    if config.problem_type == "binary":  # where decision thresholds are tuned: never the test split
        save_validation_predictions(files, predictor, predictor.model_best)
        _tune_threshold(files, predictor, config)
    metrics, leaderboard, test_predictions = _score(predictor, test, config)
    final, final_rows, note, final_value = (None, len(train), "Switched off: the model is trained on the training "
                                            "split only.", None)
    if config.refit_all_rows and should_stop():
        note = "Training was stopped early, so the model was not retrained on every row."
    elif config.refit_all_rows:
        final, final_rows, note, final_value = refit_all_rows(predictor, len(prepared.train), prepared.extra, test,
                                                              metrics, config, spent(), events)
    metrics = replace(metrics, n_train=len(train), n_test=len(test), fit_seconds=round(fit_seconds, 2),
                      num_gpus=num_gpus, gpus=tuple(gpu_names()) if num_gpus else (),
                      models_on_gpu=tuple(m for m, g in zip(leaderboard["model"], leaderboard["used_gpu"], strict=True)
                                          if g),
                      stopped_early=should_stop(), versions=_versions(), plan=plan.reason, final_model=final,
                      final_model_rows=final_rows, final_note=note, final_value=final_value,
                      executor="ray" if cluster else "local",
                      ray_nodes=cluster.nodes if cluster else None,
                      fold_nodes=fold_nodes)
    inputs = prepared.raw_train.drop(columns=[config.sample_weight] if config.sample_weight else [])
    schema = build_schema(inputs, config.label, config.problem_type, metrics.class_labels, prepared.reads)
    atomic.write_json(files.schema, schema.to_dict())
    atomic.write_parquet(files.leaderboard, leaderboard)
    atomic.write_parquet(files.test_predictions, test_predictions)
    if final:
        atomic.write_json(files.deploy, {"model": final})
    metrics = replace(metrics, wall_seconds=round(spent(), 1))
    atomic.write_json(files.metrics, metrics.to_dict())
    ws.set_run_result(job.id, metrics.test_score, metrics.value, metrics.eval_metric)
    # model.json marks the model complete; it is signed with the rest, and the run is offered only once
    # its job has finished after this signature (a crash in between leaves a failed run, never a model)
    atomic.write_json(files.model, {"best_model": metrics.best_model, "created_at": time.time()})
    sign_run(ws, job.id)
    events.emit("stage", stage="done", test_score=metrics.test_score, best_model=metrics.best_model)
    return "stopped" if should_stop() else "succeeded"


def _plan(config: TrainConfig, train: pd.DataFrame, test_rows: int, spent: float, cores: int) -> Plan:
    not_inputs = [c for c in (config.label, config.sample_weight) if c]
    return make_plan(config.preset, config.time_limit, len(train), train.shape[1] - len(not_inputs),
                     problem_type=config.problem_type, cores=cores,
                     memory_mb=psutil.virtual_memory().available / 2**20,
                     table_mb=train.memory_usage(deep=True).sum() / 2**20, refit_all_rows=config.refit_all_rows,
                     spent=spent, tuning=bool(config.tuning_trials), test_rows=test_rows, load=machine_load())


def _tune_threshold(files: RunFiles, predictor: Any, config: TrainConfig) -> None:
    """Tune a binary model's decision threshold on its validation (or out-of-fold) rows, never the test
    split: for the run's metric when it depends on the threshold, else for balanced accuracy (fair to a
    rare class). AutoGluon's own search; the user can change it on Evaluate."""
    metric = config.eval_metric if config.eval_metric in _THRESHOLD_METRICS else "balanced_accuracy"
    try:
        threshold = float(predictor.calibrate_decision_threshold(metric=metric, model=predictor.model_best,
                                                                 verbose=False))
    except Exception as exc:  # noqa: BLE001 - no validation data (a tiny table): AutoGluon's 0.5 stays
        log.warning("decision threshold not tuned: %s", exc)
        return
    threshold = min(0.99, max(0.01, threshold))
    atomic.write_json(files.threshold, {
        "threshold": threshold, "chosen_by": f"tuned at training for {metric.replace('_', ' ')} on validation rows",
        "source": ThresholdSource.TRAINING.value,
        "positive_class": _plain(predictor.positive_class)})


@dataclass(frozen=True)
class Prepared:
    train: pd.DataFrame        # the model's training rows (recipe applied)
    test: pd.DataFrame         # the test split as new rows will be (recipe in inference mode)
    extra: pd.DataFrame        # the test split as training rows (recipe in training mode), for the final refit
    raw_train: pd.DataFrame    # the raw training split, input columns only (for the input schema)
    reads: dict[str, ColumnRead]


def _prepare(ws: Workspace, config: TrainConfig, run_dir: Path, events: jobs.EventLog) -> Prepared:
    """Split the raw rows, fit the recipe on the training split only, and keep the raw inputs the model needs.

    Returns the model's training and test frames (recipe applied; the test split in inference mode, as
    new rows will be), the raw training split restricted to the input columns (for the input schema), and
    how ingest read each column (replayed by every prediction). The rows pass through the same
    `replay_frame` that every prediction uses.
    """
    source = config.source_dataset_id or config.dataset_id
    df = ws.load_dataset(source)
    reads = read_plan(df, (ws.get_dataset(source).meta.get("ingest") or {}).get("conversions"))
    df, _ = replay_frame(df, reads)
    labelled = df[df[config.label].notna()]
    raw_train, raw_test = split_train_test(labelled, config.label, config.problem_type, config.test_size,
                                           config.seed)
    recipe = Recipe.from_dict(config.recipe).fit(raw_train, config.label)
    not_inputs = (recipe.dropped_columns() | set(config.exclude)) - {config.label}
    raw_train = raw_train.drop(columns=[c for c in not_inputs if c in raw_train.columns])
    raw_test = raw_test.drop(columns=[c for c in not_inputs if c in raw_test.columns])
    train = recipe.apply(raw_train, "train").drop(columns=list(config.exclude), errors="ignore")
    test = recipe.apply(raw_test, "inference").drop(columns=list(config.exclude), errors="ignore")
    extra = recipe.apply(raw_test, "train").drop(columns=list(config.exclude), errors="ignore")
    if train[config.label].nunique() < 2:
        raise ValueError("After the cleaning recipe, the training rows hold a single target value; "
                         "check the recipe's row filters.")
    files = RunFiles(run_dir)
    atomic.write_json(files.recipe, recipe.to_dict())
    atomic.write_parquet(files.test_rows, raw_test)
    atomic.write_parquet(files.train_sample,
                         raw_train.sample(min(TRAIN_SAMPLE_ROWS, len(raw_train)), random_state=config.seed))
    events.emit("stage", stage="split", n_train=len(train), n_test=len(test), recipe_steps=len(recipe),
                dropped_missing_label=len(df) - len(labelled), dropped_by_recipe=len(raw_train) - len(train))
    return Prepared(train, test, extra, raw_train, reads)


def _fit(config: TrainConfig, plan: Plan, train: pd.DataFrame, run_dir: Path, events: jobs.EventLog,
         stop_file: Path, num_gpus: int, num_cpus: int | None = None, parallel_folds: bool = True):
    from autogluon.tabular import TabularPredictor

    from automl.training.callbacks import ProgressCallback

    excluded = list(HUB_MODELS)
    if config.model_families:
        excluded += [m for m in MODEL_FAMILIES if m not in config.model_families]
    predictor = TabularPredictor(label=config.label, problem_type=config.problem_type,
                                 eval_metric=config.eval_metric, path=str(RunFiles(run_dir).predictor), verbosity=2,
                                 sample_weight=config.sample_weight)
    extra = {}
    if config.tuning_trials:
        # without Ray, AutoGluon tunes with its own local searcher, one trial after another
        extra["hyperparameter_tune_kwargs"] = {"num_trials": config.tuning_trials, "scheduler": "local",
                                               "searcher": "auto"}
    kwargs = plan.fit_kwargs()
    chosen = hyperparameters_for(config.preset, config.model_families, num_gpus)
    if chosen is not None:
        kwargs["hyperparameters"] = chosen
    if num_cpus:  # a cluster's CPUs, not this machine's
        extra["num_cpus"] = num_cpus
    if not parallel_folds:  # few cores: one fold after another, each with every core (benchmarks/ray_scale.py)
        extra["ag_args_ensemble"] = {"fold_fitting_strategy": "sequential_local"}
    predictor.fit(train, num_gpus=num_gpus, excluded_model_types=excluded,
                  callbacks=[ProgressCallback(events.path, str(stop_file))], **kwargs, **extra)
    return predictor


def _score(predictor, test: pd.DataFrame, config: TrainConfig) -> tuple[RunMetrics, pd.DataFrame, pd.DataFrame]:
    label = config.label
    scored = score(predictor, test.drop(columns=[label]), test[label], config.problem_type)
    out = scored.predictions
    out.insert(0, "row", test.index.to_numpy())  # the row of the labelled table, kept by every re-scoring
    classification = config.problem_type in ("binary", "multiclass")
    metric = predictor.eval_metric
    metrics = RunMetrics(
        problem_type=config.problem_type, eval_metric=metric.name,
        lower_is_better=not metric.greater_is_better_internal,
        test_score=scored.test_score(metric.name), scores=scored.scores, values=scored.values,
        best_model=predictor.model_best,
        class_labels=tuple(_plain(c) for c in predictor.class_labels) if classification else None,
        positive_class=_plain(predictor.positive_class) if config.problem_type == "binary" else None)
    return metrics, leaderboard_frame(predictor, test), out


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"python": platform.python_version(),
            **{p: version(p) for p in ("autogluon.tabular", "pandas", "scikit-learn")}}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
