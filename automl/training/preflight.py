"""The pre-flight check shown before training: size, memory, models, GPU, where it runs (this machine or a
Ray cluster), and whether the budget fits."""

from __future__ import annotations

import math

from dataclasses import dataclass, field

from automl.data.cleaning import Recipe
from automl.data.problem import PRESETS
from automl.cluster import ClusterInfo, describe
from automl.store.workspace import Workspace
from automl.training.config import GPU_FAMILIES, MODEL_FAMILIES, TrainConfig, resolve_config
from automl.training.plan import PARALLEL_FOLDS_MIN_CORES, Plan, machine_load, make_plan

__all__ = ["Preflight", "preflight", "PRESET_FAMILIES", "MIN_BUDGET_S"]

# The model families each preset's portfolio trains (AutoGluon 1.6; a unit test checks this against AutoGluon).
PRESET_FAMILIES: dict[str, tuple[str, ...]] = {
    ag: ("GBM", "CAT", "XGB", "RF", "XT", "NN_TORCH", "FASTAI") for ag in
    ("auto", "medium_quality", "good_quality", "high_quality", "best_quality")}
# The least budget with which a preset finishes its portfolio on a small table.
MIN_BUDGET_S = {"auto": 30, "medium_quality": 30, "good_quality": 300, "high_quality": 600, "best_quality": 3600}
_MEMORY_FACTOR = {"auto": 8, "medium_quality": 6, "good_quality": 10, "high_quality": 12, "best_quality": 12}


@dataclass(frozen=True)
class Preflight:
    rows: int
    columns: int
    table_mb: float
    memory_estimate_mb: float
    available_mb: float
    families: list[str]
    gpus: list[str]
    gpu_families: list[str]
    plan: Plan
    warnings: list[str] = field(default_factory=list)
    cluster: ClusterInfo | None = None
    cores: int = 1
    test_rows: int = 0
    labelled: int = 0
    auto_test: bool = True  # the test split was sized automatically

    def lines(self) -> list[str]:
        share = f"{100 * self.test_rows / max(1, self.labelled):.0f}%"
        how = ("sized automatically: 20% up to 10,000 rows, then 2,000 rows, which measure the model as well on "
               "any table; the rest go to fitting" if self.auto_test else "as you chose")
        out = [f"{self.rows:,} rows × {self.columns} input columns ({self.table_mb:,.0f} MB in memory).",
               f"Test split: {self.test_rows:,} of the {self.labelled:,} rows with a target ({share}), kept aside to "
               f"measure the model ({how}).",
               "Plan: " + self.plan.reason,
               f"Estimated peak memory {self.memory_estimate_mb:,.0f} MB of {self.available_mb:,.0f} MB available.",
               "Models: " + ", ".join(MODEL_FAMILIES.get(f, f) for f in self.families) + "."]
        if self.gpus:
            on = ", ".join(MODEL_FAMILIES.get(f, f) for f in self.gpu_families) or "none of the chosen models"
            out.append(f"GPU: {', '.join(self.gpus)} — used by {on}; the others train on the CPU.")
        else:
            out.append("GPU: none used; every model trains on the CPU.")
        if self.cluster is not None:
            out.append(f"Runs on the {self.cluster.line()}: bagged folds and parallel fits spread over its nodes.")
        else:
            out.append(f"Runs on this machine ({self.cores} cores); " + (
                "bagged folds are fitted in parallel (Ray)." if self.cores >= PARALLEL_FOLDS_MIN_CORES else
                "bagged folds are fitted one after another, each with every core (faster than parallel folds "
                f"below {PARALLEL_FOLDS_MIN_CORES} cores)."))
        return out


def preflight(ws: Workspace, config: TrainConfig, gpus: list[str] | None = None,
              cluster: ClusterInfo | None = None) -> Preflight:
    """Check a config before training. `gpus` (names) and `cluster` (the configured Ray cluster, as
    `automl.cluster.describe` found it) may be passed in to skip asking again."""
    import psutil

    from automl.training.config import gpu_names

    resolved = resolve_config(ws, config)
    df = ws.load_dataset(resolved.source_dataset_id or resolved.dataset_id)
    recipe = Recipe.from_dict(resolved.recipe)
    shaped = recipe.fit_apply(df.head(200), resolved.label)[1] if len(recipe) else df.head(0)
    inputs = shaped.drop(columns=[c for c in (*resolved.exclude, resolved.label) if c in shaped.columns])
    table_mb = df.memory_usage(deep=True).sum() / 2**20
    estimate = table_mb * _MEMORY_FACTOR.get(resolved.preset, 8) + 500  # models and libraries on top
    available = psutil.virtual_memory().available / 2**20
    families = list(resolved.model_families or PRESET_FAMILIES.get(resolved.preset, tuple(MODEL_FAMILIES)))
    gpus = (gpu_names() if gpus is None else gpus) if resolved.gpu != "off" else []
    gpu_families = [f for f in families if f in GPU_FAMILIES] if gpus else []
    if resolved.ray_address and cluster is None:
        cluster = describe(resolved.ray_address)
    cores = cluster.cpus if cluster is not None else psutil.cpu_count() or 1
    labelled = int(df[resolved.label].notna().sum()) if resolved.label in df.columns else len(df)
    train_rows = labelled - math.ceil(labelled * resolved.test_size)  # as the split will cut (rows with a label)
    plan = make_plan(resolved.preset, resolved.time_limit, train_rows, inputs.shape[1],
                     problem_type=resolved.problem_type, cores=cores, memory_mb=available, table_mb=table_mb,
                     refit_all_rows=resolved.refit_all_rows, tuning=bool(resolved.tuning_trials),
                     test_rows=labelled - train_rows, load=machine_load())
    warnings = []
    if estimate > 0.8 * available:
        warnings.append(f"Training may need about {estimate:,.0f} MB, close to or over the {available:,.0f} MB "
                        "available: sample the rows, leave out wide text columns or choose the Fast preset.")
    minimum = MIN_BUDGET_S.get(resolved.preset, 60) * (1 + len(df) // 100_000)
    if resolved.time_limit < minimum:
        label = next((p["label"] for p in PRESETS.values() if p["ag"] == resolved.preset), resolved.preset)
        warnings.append(f"A budget of {resolved.time_limit} s is short for the {label} preset on {len(df):,} rows "
                        f"(at least {minimum} s recommended): fewer models will finish.")
    if resolved.tuning_trials and resolved.time_limit < 60 * len(families):
        warnings.append("Tuning splits the budget between trials; give it at least a minute per model family.")
    return Preflight(rows=len(df), columns=inputs.shape[1], table_mb=round(table_mb, 1),
                     memory_estimate_mb=round(estimate), available_mb=round(available), families=families,
                     gpus=gpus, gpu_families=gpu_families, plan=plan, warnings=warnings, cluster=cluster, cores=cores,
                     test_rows=labelled - train_rows, labelled=labelled, auto_test=config.test_size is None)
