"""SHAP values of the deployed model, in the raw input columns the user knows.

Each input column is one player (with every feature the recipe and AutoGluon derive from it:
`explain.model_space`); the background is the training sample summarised to a few weighted
representative rows (`explain.background`); the values are exact Shapley values for few columns and
antithetic permutation samples otherwise (`explain.shapley`). Either way each row's values add up
exactly: base value + sum(values) = model output, where the output is the positive-class probability
(binary), each class's probability (multiclass) or the value (regression).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl.model.bundle import Bundle, keep_in_memory, load_bundle, load_predictor
from automl.model.model_input import to_model_input
from automl.store import atomic, jobs
from automl.store.workspace import JobRecord, Workspace
from explain.background import influence, summarise
from explain.model_space import Space, build_space
from explain.shapley import evaluations_per_row, shapley_values

__all__ = ["ShapResult", "compute_shap", "run_shap_job", "load_shap", "importance_frame", "shap_dir", "explain_rows",
           "top_reasons_for",
           "row_contributions", "top_reasons", "shap_table", "plain_number", "plain_value",
           "DEFAULT_ROWS", "BACKGROUND_ROWS"]

log = logging.getLogger(__name__)
DEFAULT_ROWS = 200
BACKGROUND_ROWS = 40  # weighted representatives of the training sample...
_BACKGROUND_GROUPS = 4  # ...in 4 groups of 10, one per antithetic pair of permutations
_PERMUTATIONS = 8
_POOL_ROWS = 2000  # training rows the representatives are chosen from
_INFLUENCE_ROWS = 200  # rows used to weigh the columns for that choice
_ROWS_PER_CALL = 40_000


@dataclass(frozen=True)
class ShapResult:
    """`values`: long frame (row, output, feature, value); `base_values`: {output: base value};
    `background_rows`: how many weighted representative rows the values are measured against."""

    values: pd.DataFrame
    base_values: dict[str, float]
    rows: pd.DataFrame
    outputs: list[str]
    background_rows: int = 0
    space: str = "model"  # "model": mixed after AutoGluon's feature pipeline; "input": the slow path
    why_input: str = ""  # why the slow path was taken


@dataclass(frozen=True)
class Plan:
    """What the sampler works on: the space, the columns it attributes to (`active`, each a group of the
    space's columns), and the weighted representatives of the background, heaviest first."""

    space: Space
    rows: pd.DataFrame  # the explained rows, read as training read them
    active: list[int]
    groups: list[list[int]]
    picked: np.ndarray
    weights: np.ndarray


def plan(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame,
         background_rows: int = BACKGROUND_ROWS) -> Plan:
    """Read rows and background as training did, build the space, and summarise the background to
    `background_rows` representatives, columns scaled by how much the model moves with them."""
    rows = to_model_input(bundle.schema, rows)[0].reset_index(drop=True)
    background = to_model_input(bundle.schema, background)[0].reset_index(drop=True)
    background = background.sample(min(_POOL_ROWS, len(background)), random_state=0).reset_index(drop=True)
    space = build_space(predictor, bundle, rows, background)
    active = [j for j, g in enumerate(space.groups) if g]  # a column no feature depends on gets exactly 0
    groups = [space.groups[j] for j in active]
    scale = np.zeros(len(bundle.schema.names))
    scale[active] = np.sqrt(influence(space.f, space.background[:_INFLUENCE_ROWS], groups)) if groups else 0
    picked, weights = summarise(space.input_background, space.categorical, background_rows, scale=scale)
    by_weight = np.argsort(-weights, kind="stable")
    return Plan(space, rows, active, groups, picked[by_weight], weights[by_weight])


def compute_shap(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame,
                 on_progress: Callable[[int, int], None] | None = None,
                 should_stop: Callable[[], bool] = lambda: False, permutations: int | None = None,
                 background_rows: int = BACKGROUND_ROWS, background_groups: int = _BACKGROUND_GROUPS) -> ShapResult:
    """Exact-additivity Shapley values of `rows`, against `background` summarised to `background_rows`
    weighted representative rows, split in `background_groups` groups across the permutations."""
    p = plan(predictor, bundle, rows, background, background_rows)
    space, active, groups, picked, weights = p.space, p.active, p.groups, p.picked, p.weights
    names = bundle.schema.names
    n_groups = max(1, min(background_groups, len(picked)))
    n_perm = max(permutations or _PERMUTATIONS, 2 * n_groups)
    per_row = evaluations_per_row(len(groups), len(picked), n_perm, n_groups)
    batch = max(1, _ROWS_PER_CALL // per_row)
    parts, base = [], np.zeros(len(space.outputs))
    for start in range(0, len(space.rows), batch):
        if should_stop():
            break
        part = np.zeros((len(space.rows[start:start + batch]), len(names), len(space.outputs)))
        values, base = shapley_values(space.f, space.rows[start:start + batch], space.background[picked], weights,
                                      groups, n_perm, background_groups=n_groups)
        part[:, active, :] = values
        parts.append(part)
        if on_progress:
            on_progress(min(start + batch, len(space.rows)), len(space.rows))
    values = np.concatenate(parts) if parts else np.zeros((0, len(names), len(space.outputs)))
    outputs = space.outputs
    long = pd.DataFrame({
        "row": np.repeat(np.arange(values.shape[0]), len(names) * len(outputs)),
        "feature": np.tile(np.repeat(names, len(outputs)), values.shape[0]),
        "output": np.tile(outputs, values.shape[0] * len(names)),
        "value": values.reshape(-1),
    })
    return ShapResult(values=long, base_values={o: float(b) for o, b in zip(outputs, base, strict=True)},
                      background_rows=len(picked), rows=p.rows.iloc[:values.shape[0]], outputs=outputs,
                      space=space.kind, why_input=space.why_input)


def explain_rows(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background_rows: int = 20,
                 permutations: int = 4) -> ShapResult:
    """Local explanations of a few rows to predict (the form, top reasons in a batch), with a small background."""
    background = pd.read_parquet(bundle.files.train_sample)
    return compute_shap(predictor, bundle, rows, background, permutations=permutations,
                        background_rows=background_rows, background_groups=2)


def top_reasons_for(predictor: Any, bundle: Bundle, k: int) -> Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]:
    """The `reasons` a batch prediction adds: each row's `k` strongest reasons for its predicted output."""
    def reasons(rows: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
        shap_result = explain_rows(predictor, bundle, rows)
        outputs = [str(p) for p in result["prediction"]] if bundle.problem_type == "multiclass" else None
        return top_reasons(shap_result, k, outputs)

    return reasons


def row_contributions(result: ShapResult, row: int, output: str | None = None) -> pd.Series:
    """One row's SHAP values by column, for one output (default: the first)."""
    output = output or result.outputs[0]
    values = result.values[(result.values["row"] == row) & (result.values["output"] == output)]
    return values.set_index("feature")["value"]


def top_reasons(result: ShapResult, k: int, outputs: list[str] | None = None) -> pd.DataFrame:
    """For each row, the `k` columns with the largest |SHAP| for its output, as `reason_i` text columns."""
    frame = result.values
    if outputs is not None:  # multiclass: each row's own predicted class
        wanted = pd.DataFrame({"row": range(len(outputs)), "output": outputs})
        frame = frame.merge(wanted, on=["row", "output"])
    else:
        frame = frame[frame["output"] == result.outputs[0]]
    frame = frame.assign(order=frame["value"].abs()).sort_values(["row", "order"], ascending=[True, False])
    out = pd.DataFrame(index=range(len(result.rows)))
    for i in range(k):
        picked = frame.groupby("row").nth(i).set_index("row")
        text = [f"{f}={_short(result.rows.at[r, f])} ({plain_number(v, signed=True)})" for r, f, v in
                zip(picked.index, picked["feature"], picked["value"], strict=True)]
        out[f"reason_{i + 1}"] = pd.Series(text, index=picked.index)
    return out


def _short(value: Any) -> str:
    text = plain_value(value)
    return text if len(text) <= 30 else text[:27] + "..."


def plain_number(value: float, signed: bool = False) -> str:
    """A number as a reader wants it: 3 significant digits, thousands separated, never in e-notation
    (`-17,400`, not `-1.74e+04`; `0.0713`)."""
    value = float(value)
    sign = "+" if signed else ""
    if abs(value) >= 100:
        return f"{round(value, -int(np.floor(np.log10(abs(value)))) + 2):{sign},.0f}"
    if value == 0 or abs(value) >= 1e-4:
        return f"{value:{sign}.3g}"
    return f"{value:{sign}.1e}"


def plain_value(value: Any) -> str:
    """An input value as written for a reader: a whole number without `.0`, other numbers to 4 significant
    digits, text as it is, a missing value as `missing`."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "missing"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)  # as the data writes it: no thousands separator (a year is 2019, not 2,019)
        if value == int(value):
            return f"{value:.0f}"
        return f"{value:.1f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def shap_table(result: ShapResult) -> pd.DataFrame:
    """One line per explained row (and class, for multiclass): each input column's SHAP value,
    `base_value` and `model_output` (= base value + the SHAP values: the probability, or the value)."""
    wide = result.values.pivot_table(index=["row", "output"], columns="feature", values="value", sort=False)
    wide = wide.reset_index()
    features = [f for f in result.values["feature"].unique()]
    wide["base_value"] = wide["output"].map(result.base_values)
    wide["model_output"] = wide["base_value"] + wide[features].sum(axis=1)
    columns = ["row", *features, "base_value", "model_output"]
    if len(result.outputs) > 1:
        wide = wide.rename(columns={"output": "class"})
        columns.insert(1, "class")
    return wide[columns].sort_values(["row"] + (["class"] if len(result.outputs) > 1 else [])).reset_index(drop=True)


def shap_csv(result: ShapResult) -> str:
    """`shap_table` as CSV text that is safe to open in a spreadsheet (column names and class names that
    would start a formula are escaped): the one download, from the page and the CLI alike."""
    from automl.data.spreadsheet import escape_formulas

    return escape_formulas(shap_table(result)).to_csv(index=False)


def importance_frame(result: ShapResult) -> pd.DataFrame:
    """Mean |SHAP| per feature (averaged over outputs), largest first."""
    imp = (result.values.assign(abs_value=result.values["value"].abs())
           .groupby("feature", sort=False)["abs_value"].mean().sort_values(ascending=False))
    return imp.rename("mean_abs_shap").reset_index()


def shap_dir(ws: Workspace, run_id: str) -> Path:
    return ws.run_dir(run_id) / "shap"


def load_shap(ws: Workspace, run_id: str) -> ShapResult | None:
    folder = shap_dir(ws, run_id)
    summary = atomic.read_json(folder / "summary.json")
    if not summary:
        return None
    return ShapResult(values=pd.read_parquet(folder / "values.parquet"), base_values=summary["base_values"],
                      rows=pd.read_parquet(folder / "rows.parquet"), outputs=summary["outputs"],
                      background_rows=int(summary.get("background_rows", 0)),
                      space=summary.get("space", "model"), why_input=summary.get("why_input", ""))


def run_shap_job(ws: Workspace, job: JobRecord, events: jobs.EventLog, should_stop: Callable[[], bool]) -> str:
    params = atomic.read_json(jobs.params_path(ws, job), {}) or {}
    n_rows = int(params.get("rows", DEFAULT_ROWS))
    bundle = load_bundle(ws, job.run_id)
    predictor = load_predictor(bundle)
    keep_in_memory(predictor, bundle)
    test = pd.read_parquet(bundle.files.test_rows)
    rows = test.sample(min(n_rows, len(test)), random_state=0)
    background = pd.read_parquet(bundle.files.train_sample)
    events.emit("progress", done=0, total=len(rows))
    result = compute_shap(predictor, bundle, rows, background,
                          on_progress=lambda d, t: events.emit("progress", done=d, total=t), should_stop=should_stop)
    folder = shap_dir(ws, bundle.run_id)
    atomic.write_parquet(folder / "values.parquet", result.values)
    atomic.write_parquet(folder / "rows.parquet", result.rows)
    atomic.write_json(folder / "summary.json", {"base_values": result.base_values, "outputs": result.outputs,
                                                "rows": int(result.rows.shape[0]), "job_id": job.id,
                                                "background_rows": result.background_rows,
                                                "space": result.space, "why_input": result.why_input})
    return "stopped" if should_stop() else "succeeded"
