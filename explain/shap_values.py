"""SHAP values of the deployed model, in the raw input columns the user knows.

The model is explained as a function of the input table: categorical columns are encoded as integer
codes only so that SHAP can mask them, and decoded back before every prediction. The permutation
sampling (`explain.permutation`) makes each row's values add up exactly: base value + sum(values) = model output, where the
output is the positive-class probability (binary), each class's probability (multiclass) or the value
(regression).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl import atomic, jobs
from automl.bundle import Bundle, load_bundle, load_predictor
from automl.prediction import model_frame
from automl.schema import coerce_frame
from automl.workspace import JobRecord, Workspace
from explain.permutation import permutation_shap

__all__ = ["ShapResult", "compute_shap", "run_shap_job", "load_shap", "importance_frame", "shap_dir", "explain_rows",
           "row_contributions", "top_reasons", "shap_table",
           "DEFAULT_ROWS", "BACKGROUND_ROWS"]

log = logging.getLogger(__name__)
DEFAULT_ROWS = 200
BACKGROUND_ROWS = 40
_PERMUTATIONS = 4
_ROWS_PER_CALL = 40_000


@dataclass(frozen=True)
class ShapResult:
    """`values`: long frame (row, output, feature, value); `base_values`: {output: base value}."""

    values: pd.DataFrame
    base_values: dict[str, float]
    rows: pd.DataFrame
    outputs: list[str]


class _Codec:
    """Integer codes for non-numeric columns, so SHAP can mask them; decodes back to the raw table."""

    def __init__(self, schema: dict, frames: list[pd.DataFrame]) -> None:
        self.features = schema["features"]
        self.categories: dict[str, list[Any]] = {}
        for f in self.features:
            if f["kind"] != "numeric":
                seen = pd.concat([fr[f["name"]] for fr in frames]).dropna().unique().tolist()
                self.categories[f["name"]] = seen

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        cols = []
        for f in self.features:
            name = f["name"]
            if name in self.categories:
                lookup = {v: i for i, v in enumerate(self.categories[name])}
                cols.append(df[name].map(lookup).astype(float).fillna(-1).to_numpy())
            else:
                cols.append(pd.to_numeric(df[name], errors="coerce").astype(float).to_numpy())
        return np.column_stack(cols)

    def decode(self, codes: np.ndarray, dtypes: pd.Series) -> pd.DataFrame:
        data = {}
        for j, f in enumerate(self.features):
            name = f["name"]
            col = codes[:, j]
            if name in self.categories:
                cats = np.array(self.categories[name] + [None], dtype=object)
                idx = np.where(col < 0, len(cats) - 1, col).astype(int)
                data[name] = pd.Series(cats[idx]).astype(dtypes[name], errors="ignore")
            else:
                data[name] = col
        return pd.DataFrame(data)


def _model_function(predictor: Any, bundle: Bundle, codec: _Codec, dtypes: pd.Series) -> tuple[Callable, list[str]]:
    """The model as a function of the raw input columns: decode, replay the recipe, predict."""
    problem = bundle.problem_type
    recipe = bundle.recipe
    model = bundle.deployed_model

    def frame(z: np.ndarray) -> pd.DataFrame:
        return model_frame(bundle, codec.decode(z, dtypes), recipe)

    if problem == "regression":
        return (lambda z: predictor.predict(frame(z), model=model).to_numpy(dtype=float)), [bundle.label]
    classes = [str(c) for c in predictor.class_labels]
    if problem == "binary":
        positive = predictor.positive_class
        return (lambda z: predictor.predict_proba(frame(z), model=model)[positive].to_numpy(dtype=float)), \
            [str(positive)]
    return (lambda z: predictor.predict_proba(frame(z), model=model).to_numpy(dtype=float)), classes


def compute_shap(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame,
                 on_progress: Callable[[int, int], None] | None = None,
                 should_stop: Callable[[], bool] = lambda: False, permutations: int | None = None) -> ShapResult:
    """Exact-additivity permutation SHAP values of `rows`, against `background` rows."""
    rows = coerce_frame(bundle.schema, rows).reset_index(drop=True)
    background = coerce_frame(bundle.schema, background).reset_index(drop=True)
    codec = _Codec(bundle.schema, [rows, background])
    f, outputs = _model_function(predictor, bundle, codec, rows.dtypes)
    z_rows, z_bg = codec.encode(rows), codec.encode(background)
    n_features = z_rows.shape[1]
    # rows per batch so that one model call sees about _ROWS_PER_CALL rows
    batch = max(1, _ROWS_PER_CALL // ((n_features + 1) * len(z_bg)))
    parts, base = [], np.zeros(len(outputs))
    for start in range(0, len(z_rows), batch):
        if should_stop():
            break
        values, base = permutation_shap(f, z_rows[start:start + batch], z_bg, permutations or _PERMUTATIONS)
        parts.append(values)
        if on_progress:
            on_progress(min(start + batch, len(z_rows)), len(z_rows))
    values = np.concatenate(parts) if parts else np.zeros((0, n_features, len(outputs)))
    names = [f["name"] for f in bundle.schema["features"]]
    long = pd.DataFrame({
        "row": np.repeat(np.arange(values.shape[0]), n_features * len(outputs)),
        "feature": np.tile(np.repeat(names, len(outputs)), values.shape[0]),
        "output": np.tile(outputs, values.shape[0] * n_features),
        "value": values.reshape(-1),
    })
    return ShapResult(values=long, base_values={o: float(b) for o, b in zip(outputs, base)},
                      rows=rows.iloc[:values.shape[0]], outputs=outputs)


def explain_rows(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background_rows: int = 20,
                 permutations: int = 2) -> ShapResult:
    """Local explanations of a few rows to predict (the form, top reasons in a batch), with a small background."""
    background = pd.read_parquet(bundle.run_dir / "train_sample.parquet")
    background = background.sample(min(background_rows, len(background)), random_state=0)
    return compute_shap(predictor, bundle, rows, background, permutations=permutations)


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
        text = [f"{f}={_short(result.rows.at[r, f])} ({v:+.3g})" for r, f, v in
                zip(picked.index, picked["feature"], picked["value"])]
        out[f"reason_{i + 1}"] = pd.Series(text, index=picked.index)
    return out


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "..."


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
                      rows=pd.read_parquet(folder / "rows.parquet"), outputs=summary["outputs"])


def run_shap_job(ws: Workspace, job: JobRecord, events: jobs.EventLog, should_stop: Callable[[], bool]) -> str:
    params = atomic.read_json(jobs.params_path(ws, job), {}) or {}
    n_rows = int(params.get("rows", DEFAULT_ROWS))
    bundle = load_bundle(ws, job.run_id)
    predictor = load_predictor(bundle)
    test = pd.read_parquet(bundle.run_dir / "test.parquet")
    rows = test.sample(min(n_rows, len(test)), random_state=0)
    background = pd.read_parquet(bundle.run_dir / "train_sample.parquet")
    background = background.sample(min(BACKGROUND_ROWS, len(background)), random_state=0)
    events.emit("progress", done=0, total=len(rows))
    result = compute_shap(predictor, bundle, rows, background,
                          on_progress=lambda d, t: events.emit("progress", done=d, total=t), should_stop=should_stop)
    folder = shap_dir(ws, bundle.run_id)
    atomic.write_parquet(folder / "values.parquet", result.values)
    atomic.write_parquet(folder / "rows.parquet", result.rows)
    atomic.write_json(folder / "summary.json", {"base_values": result.base_values, "outputs": result.outputs,
                                                "rows": int(result.rows.shape[0]), "job_id": job.id,
                                                "background_rows": len(background)})
    return "stopped" if should_stop() else "succeeded"
