"""Training configuration and the request to train: validation here, fitting in the job process.

This module does not import AutoGluon, so pages and the CLI can use it without the wait.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from automl.data.markdown import code
from automl.data.problem import (
    DEFAULT_METRIC,
    METRICS,
    PROBLEM_TYPES,
    infer_problem_type,
    resolve_preset,
    validate_target,
)
from automl.errors import ConfigError, GPUUnavailableError, TargetError
from automl.cluster import check_reachable, configured_address
from automl.model.run_files import RunFiles
from automl.store import atomic, jobs
from automl.store.workspace import RunInfo, Workspace
from automl.training.plan import auto_test_size

__all__ = ["TrainConfig", "GpuMode", "MODEL_FAMILIES", "HUB_MODELS", "GPU_FAMILIES", "resolve_config",
           "start_training", "detect_gpus", "gpu_names"]

GpuMode = Literal["auto", "on", "off"]

# AutoGluon model keys a user may choose from, in plain words. None of them downloads weights.
MODEL_FAMILIES: dict[str, str] = {
    "GBM": "LightGBM (boosted trees)", "CAT": "CatBoost (boosted trees)", "XGB": "XGBoost (boosted trees)",
    "RF": "Random forest", "XT": "Extra trees", "NN_TORCH": "Neural network (PyTorch)",
    "FASTAI": "Neural network (fastai)", "KNN": "Nearest neighbours", "LR": "Linear model",
}
# Model families that can train on a GPU; LightGBM and the CPU build of XGBoost stay on the CPU.
GPU_FAMILIES: tuple[str, ...] = ("NN_TORCH", "FASTAI", "CAT", "TABM")
# Models that fetch weights from a hub at run time, or need extra multimodal stacks: never used.
HUB_MODELS: tuple[str, ...] = (
    "TABPFNV2", "TABPFNMIX", "TABPFN-2.6", "TABPFN-3", "REALTABPFN-V2", "REALTABPFN-V2.5", "MITRA", "TABICL",
    "TABDPT", "TABDPT-TURBO", "NORI", "AG_TEXT_NN", "AG_IMAGE_NN", "AG_AUTOMM", "FT_TRANSFORMER",
)


@dataclass(frozen=True)
class TrainConfig:
    """What to train. `problem_type` / `eval_metric` left as None are inferred by `resolve_config`."""

    dataset_id: str
    label: str
    problem_type: str | None = None
    eval_metric: str | None = None
    preset: str = "auto"
    time_limit: int = 120
    test_size: float | None = None         # the held-out share; None: automatic (`plan.auto_test_size`)
    exclude: tuple[str, ...] = ()
    gpu: GpuMode = "auto"
    seed: int = 0
    model_families: tuple[str, ...] = ()
    sample_weight: str | None = None       # a numeric column weighting each training row (not an input)
    tuning_trials: int = 0                 # hyperparameter tuning: trials per model family (0 = off)
    recipe: dict[str, Any] | None = None   # cleaning recipe (automl.data.cleaning format), fitted on the train split
    source_dataset_id: str | None = None   # the raw rows: the dataset itself, or the one a version was cleaned from
    refit_all_rows: bool = True            # after the test split measured it, retrain the model on every row
    ray_address: str | None = None         # a Ray cluster to fit on (None: this machine; see automl.cluster)
    problem_reason: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["exclude"] = list(self.exclude)
        d["model_families"] = list(self.model_families)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known["exclude"] = tuple(known.get("exclude") or ())
        known["model_families"] = tuple(known.get("model_families") or ())
        return cls(**known)

    @property
    def recipe_steps(self) -> int:
        return len((self.recipe or {}).get("steps", []))


def gpu_names() -> list[str]:
    """Names of the GPUs torch sees (empty without a GPU)."""
    if detect_gpus() == 0:
        return []
    import torch

    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


def detect_gpus() -> int:
    """GPUs visible to torch, as AutoGluon counts them (0 when torch or CUDA is absent)."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) == "":
        return 0
    try:
        import torch
    except ImportError:  # pragma: no cover - torch comes with AutoGluon
        return 0
    return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0


def resolve_config(ws: Workspace, config: TrainConfig) -> TrainConfig:
    """Check the config against its dataset and fill in what was left to infer; raise with a fix otherwise."""
    df = ws.load_dataset(config.dataset_id)
    y = validate_target(df, config.label)
    if config.label in config.exclude:
        raise ConfigError(f"The target {code(config.label)} cannot also be excluded.")
    unknown = [c for c in config.exclude if c not in df.columns]
    if unknown:
        raise ConfigError(f"Cannot exclude unknown column(s): {', '.join(unknown)}.")
    if df.shape[1] - 1 - len(config.exclude) < 1:
        raise ConfigError("Every column but the target is excluded; keep at least one to learn from.")
    if config.test_size is not None and not 0.05 <= config.test_size <= 0.5:
        raise ConfigError(f"Test size {config.test_size} is out of range; use a fraction from 0.05 to 0.5.")
    if config.time_limit < 10:
        raise ConfigError("The time budget must be at least 10 seconds.")
    _check_weight(df, config)
    if not 0 <= config.tuning_trials <= 200:
        raise ConfigError("Tuning trials must be between 0 (off) and 200.")
    bad_families = [m for m in config.model_families if m not in MODEL_FAMILIES]
    if bad_families:
        raise ConfigError(f"Unknown model families {bad_families}; choose from {', '.join(MODEL_FAMILIES)}.")
    inferred = infer_problem_type(y)
    problem_type = config.problem_type or inferred.problem_type
    if problem_type not in PROBLEM_TYPES:
        raise ConfigError(f"Problem type {problem_type!r} is not one of {', '.join(PROBLEM_TYPES)}.")
    reason = (inferred.reason if problem_type == inferred.problem_type
              else f"Chosen by you (inferred: {inferred.problem_type}).")
    if problem_type == "binary" and y.nunique() != 2:
        raise TargetError(f"A binary problem needs exactly 2 target values; {code(config.label)} has {y.nunique()}.")
    if problem_type == "regression" and not _is_numeric(y):
        raise TargetError(f"Regression needs a numeric target; {code(config.label)} holds text.")
    metric = config.eval_metric or DEFAULT_METRIC[problem_type]
    if metric not in METRICS[problem_type]:
        raise ConfigError(f"Metric {metric!r} does not fit {problem_type}; choose one of "
                          f"{', '.join(METRICS[problem_type])}.")
    if config.gpu == "on" and detect_gpus() == 0:
        raise GPUUnavailableError("GPU training was requested (--gpu on) but no GPU is visible to torch; "
                                  "use --gpu auto or off.")
    recipe, source = _recipe_and_source(ws, config)
    ray_address = configured_address(config.ray_address)
    if ray_address:  # an unreachable cluster fails now, in one line, not in the job after a minute of retries
        check_reachable(ray_address)
    test_size = config.test_size
    if test_size is None:  # sized by the rows with a label (and a yes/no target's rarer answer)
        test_size = auto_test_size(len(y), int(y.value_counts().min()) if problem_type == "binary" else None)
    return replace(config, problem_type=problem_type, eval_metric=metric, preset=resolve_preset(config.preset),
                   problem_reason=reason, recipe=recipe, source_dataset_id=source, ray_address=ray_address,
                   test_size=test_size)


def _check_weight(df: Any, config: TrainConfig) -> None:
    import pandas as pd

    w = config.sample_weight
    if w is None:
        return
    if w not in df.columns or w == config.label or w in config.exclude:
        raise ConfigError(f"Sample weight {code(w)} must be a column of the table other than the target and "
                          "not left out.")
    values = df[w]
    if not pd.api.types.is_numeric_dtype(values) or (values.dropna() < 0).any() or values.isna().any():
        raise ConfigError(f"Sample weight {code(w)} must hold a non-negative number in every row.")


def _recipe_and_source(ws: Workspace, config: TrainConfig) -> tuple[dict[str, Any] | None, str]:
    """A cleaned dataset version trains from its parent's raw rows with its recipe (then the config's own)."""
    from automl.data.cleaning import Recipe

    if config.source_dataset_id:  # already resolved (a re-run): the recipe holds every step
        return config.recipe, config.source_dataset_id
    info = ws.get_dataset(config.dataset_id)
    own = Recipe.from_dict(config.recipe)
    parent = info.meta.get("parent")
    source = parent or config.dataset_id
    recipe = Recipe(Recipe.from_dict(info.meta.get("recipe")).steps + own.steps) if parent else own
    if not len(recipe):
        return None, source
    # a dry run on a few rows, so a step that cannot work fails now, with its reason, not in the job
    recipe.fit_apply(ws.load_dataset(source).head(2000), config.label)
    return recipe.to_dict(), source


def start_training(ws: Workspace, config: TrainConfig) -> RunInfo:
    """Validate, record the run and start its training job in a process of its own."""
    resolved = resolve_config(ws, config)
    run_id = jobs.new_job_id("run")
    ws.add_run(run_id, resolved.dataset_id, resolved.to_dict(), job_kind="train")  # run and job at once
    atomic.write_json(RunFiles(ws.run_dir(run_id)).config, resolved.to_dict())
    jobs.start(ws, "train", job_id=run_id)
    return ws.get_run(run_id)


def _is_numeric(y: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
