"""A run's model as a compact folder that scores without the training stack (issue 33).

    model.onnx        the LightGBM trees, double precision (`trees.py`)
    preprocess.json   what happens to a row before the trees, and to their scores after (`spec.py`)
    predict.py        the scorer: numpy and onnxruntime only (`scorer.py`, copied)
    schema.json       the input contract: each column, how it is read, an example row
    parity.json       the rows checked against the app's own answers, and the largest difference
    README.md         how to use it, with a ten-line example
    SIGNATURE.json    SHA-256 of every file, signed with the workspace's key

The export is refused, with the reason, when the model has a part that cannot be stated exactly (not a
LightGBM model, text n-grams, a recipe step that parses dates) or when its answers differ from the app's
on the run's own rows (labels not identical, a probability or value off by more than 1e-5).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.errors import ConfigError
from automl.model.bundle import Bundle
from automl.model.signing import sign_dir
from automl.store import atomic

__all__ = ["ExportRefused", "Exported", "export_compact", "TOLERANCE", "FILES"]

TOLERANCE = 1e-5  # the largest difference allowed in a probability or value (relative above 1)
FILES = ["model.onnx", "preprocess.json", "predict.py", "schema.json", "parity.json", "README.md"]
_PARITY_ROWS = 2_000


class ExportRefused(ConfigError):
    """The model cannot be exported as a compact model; the message says why and what to do."""


@dataclass(frozen=True)
class Exported:
    folder: Path
    model: str
    rows_checked: int
    max_difference: float
    size_bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "model": self.model, "rows_checked": self.rows_checked,
                "max_difference": self.max_difference, "size_bytes": self.size_bytes}


def _refuse_reason(bundle: Bundle, predictor: Any, model: str, why: str) -> str:
    """The refusal in words, naming a model of the run that can be exported where there is one."""
    from automl.portable.spec import preprocess_spec

    text = f"{model} cannot be exported as a compact model: {why}."
    alternatives, lightgbm_why = [], None
    for name in predictor.model_names():
        if name == model or model.endswith("_FULL") != name.endswith("_FULL"):
            continue
        try:
            preprocess_spec(bundle, predictor, name)
        except ConfigError as exc:
            if "covers LightGBM" not in str(exc):
                lightgbm_why = lightgbm_why or f"{name}: {exc}"
            continue
        alternatives.append(name)
    if not alternatives:
        return text + (f" No other model of this run can be ({lightgbm_why})." if lightgbm_why else
                       " No model of this run can be: train with LightGBM among the model families.")
    best = _best_by_validation(bundle, alternatives)
    if best.endswith("_FULL"):  # retrained on every row, as the model in use was; not a choice on Evaluate
        return text + f" This run's {best} can (retrained on every row too): export it with --model {best}."
    return (text + f" This run's {best} can: make it the model in use (Evaluate, or `automl-studio use "
            f"{bundle.run_id} {best}`) to predict with it everywhere, then export, or export it with --model {best}.")


def _best_by_validation(bundle: Bundle, names: list[str]) -> str:
    board_path = bundle.files.leaderboard
    if not Path(board_path).exists():
        return names[0]
    board = pd.read_parquet(board_path)
    if "metric_val" not in board.columns:
        return names[0]
    base = {n: n.removesuffix("_FULL") for n in names}
    vals = board.set_index("model")["metric_val"].to_dict()
    scored = [(vals.get(base[n]), n) for n in names if pd.notna(vals.get(base[n]))]
    if not scored:
        return names[0]
    lower = bundle.metrics.lower_is_better
    return sorted(scored, key=lambda t: t[0] if lower else -t[0])[0][1]


def _schema_json(bundle: Bundle) -> dict[str, Any]:
    from automl.model.schema import typical_row

    row = typical_row(bundle.schema)
    example = {k: (None if v is None or isinstance(v, float) and np.isnan(v) else
                   v.isoformat() if hasattr(v, "isoformat") else v.item() if hasattr(v, "item") else v)
               for k, v in row.items()}
    return {"label": bundle.label, "problem_type": bundle.problem_type,
            "class_labels": bundle.class_labels,
            "columns": [{"name": f.name, "read_as": f.read.read_as, "style": f.read.style,
                         "day_first": f.read.day_first, "kind": str(f.kind),
                         "categories": list(f.categories)[:50] if f.categories else None}
                        for f in bundle.schema.features],
            "example": example}


def _parity_rows(bundle: Bundle) -> pd.DataFrame:
    """Rows to compare on: the test split and a sample of the training rows, as read, without the label;
    then a row with every value missing and one with text no category has."""
    parts = [pd.read_parquet(bundle.files.test_rows)]
    sample = getattr(bundle.files, "train_sample", None)
    if sample is not None and Path(sample).exists():
        parts.append(pd.read_parquet(sample))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[[c for c in bundle.schema.names if c in rows.columns]].head(_PARITY_ROWS)
    reads = bundle.schema.reads()

    def empty(c: str) -> Any:
        s = rows[c]
        return (np.nan if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) else
                pd.NaT if pd.api.types.is_datetime64_any_dtype(s) else None)

    unseen = {c: ("never seen before" if reads[c].read_as == "text" else empty(c)) for c in rows.columns}
    edge = pd.DataFrame([{c: empty(c) for c in rows.columns}, unseen], columns=rows.columns)
    rows = rows.astype({c: float for c in rows.columns if pd.api.types.is_integer_dtype(rows[c])})
    rows = rows.astype({c: object for c in rows.columns if pd.api.types.is_bool_dtype(rows[c])})
    edge = edge.astype({c: rows[c].dtype for c in rows.columns})
    return pd.concat([rows, edge], ignore_index=True)


def _compare(app: pd.DataFrame, ours: dict[str, list[Any]], task: str) -> tuple[float, str | None]:
    """(largest difference, the first disagreement in words or None)."""
    worst = 0.0
    for col in app.columns:
        mine = ours[col]
        if col == "prediction" and task != "regression":
            a = [str(v) for v in app[col]]
            b = [str(v) for v in mine]
            bad = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            if bad:
                return worst, f"row {bad[0] + 1} is {b[bad[0]]!r} here and {a[bad[0]]!r} in the app"
            continue
        x = app[col].to_numpy(dtype=float)
        y = np.asarray(mine, dtype=float)
        diff = np.abs(x - y) / np.maximum(1.0, np.abs(x))
        if np.isnan(diff).any():
            return worst, f"{col} is missing on row {int(np.flatnonzero(np.isnan(diff))[0]) + 1}"
        worst = max(worst, float(diff.max(initial=0.0)))
    if worst > TOLERANCE:
        return worst, f"a value differs by {worst:.2g} (allowed: {TOLERANCE:g})"
    return worst, None


def check_parity(bundle: Bundle, predictor: Any, folder: Path, model: str) -> tuple[int, float]:
    """Score the parity rows written as a CSV file through the app's reader and model and through the export;
    raise `ExportRefused` on the first difference. Returns (rows, largest difference)."""
    from automl.model.inference import score_input
    from automl.model.model_input import read_file
    from automl.portable.scorer import Scorer, _read_csv

    rows = _parity_rows(bundle)
    with tempfile.TemporaryDirectory(prefix="automl-parity-") as tmp:
        path = Path(tmp) / "rows.csv"
        rows.to_csv(path, index=False)
        X, _, _ = read_file(bundle.schema, path)
        app = score_input(predictor, bundle, X, model=model)
        header, cells = _read_csv(str(path))
        scorer = Scorer(folder)
        ours = scorer.predict_columns({h: [r[i] for r in cells] for i, h in enumerate(header)})
    worst, problem = _compare(app.reset_index(drop=True), ours, bundle.problem_type)
    if problem:
        raise ExportRefused(f"The compact copy of {model} does not give the app's answers ({problem}), so it is "
                            "not exported.")
    return len(rows), worst


def _readme(bundle: Bundle, model: str, spec: dict[str, Any], rows: int, worst: float) -> str:
    schema = bundle.schema
    example = ", ".join(f"'{f.name}': ..." for f in schema.features[:3])
    out = spec["output"]
    answers = ("the predicted value" if out["task"] == "regression" else
               "the predicted class and one proba_<class> column per class")
    return f"""# A compact model of run {bundle.run_id}

{model}, predicting `{bundle.label}` ({bundle.problem_type}), exported by AutoML Studio. It needs Python 3.9+,
`numpy` and `onnxruntime`, nothing else: no AutoGluon, no pandas, no AutoML Studio.

    python -m pip install numpy onnxruntime
    python predict.py rows.csv --out scored.csv

`rows.csv` has the columns in `schema.json` (others are ignored; a missing value may be empty). `scored.csv`
holds the input columns, then {answers}: the answers AutoML Studio's `predict` gives. Before writing this
folder, {rows:,} rows were scored both ways: labels identical, the largest difference in a probability or
value {worst:.1e}.

From Python (run it in this folder, or put the folder on `sys.path`):

```python
from predict import Scorer

scorer = Scorer(".")                       # loads model.onnx and preprocess.json once
rows = [{{{example}}}]                      # values as in a CSV file (text) or JSON
for answer in scorer.predict_rows(rows):
    print(answer["prediction"])
columns = {{"{schema.features[0].name}": ["..."]}}  # or a whole column at a time:
# scorer.predict_columns(columns)  -> {{"prediction": [...], ...}}
```

`SIGNATURE.json` lists the SHA-256 of every file (and an HMAC with the workspace's key): check the
hashes before trusting a copy.
"""


def export_compact(bundle: Bundle, predictor: Any, out: str | Path, model: str | None = None,
                   key: bytes | None = None) -> Exported:
    """Export `model` (default: the model in use) of the run into the folder `out` (created; must be empty
    or absent). Raises `ExportRefused` with the reason when it cannot be exported exactly."""
    from automl.portable.scorer import __file__ as scorer_file
    from automl.portable.spec import preprocess_spec
    from automl.portable.trees import boosters_to_onnx

    model = model or bundle.deployed_model
    if model not in predictor.model_names():
        raise ExportRefused(f"{model} is not a model of run {bundle.run_id}.")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportRefused(f"{out} already exists and is not an empty folder; choose another --out.")
    try:
        spec, dumps = preprocess_spec(bundle, predictor, model)
        onnx_bytes = boosters_to_onnx(dumps, len(spec["features"]))
    except ExportRefused:
        raise
    except ConfigError as exc:
        raise ExportRefused(_refuse_reason(bundle, predictor, model, str(exc))) from exc
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent if out.parent.exists() else None))
    try:
        atomic.write_bytes(work / "model.onnx", onnx_bytes)
        atomic.write_json(work / "preprocess.json", spec)
        shutil.copyfile(scorer_file, work / "predict.py")
        atomic.write_json(work / "schema.json", _schema_json(bundle))
        rows, worst = check_parity(bundle, predictor, work, model)
        atomic.write_json(work / "parity.json", {"rows": rows, "max_difference": worst, "tolerance": TOLERANCE,
                                                 "labels_identical": True, "model": model})
        atomic.write_text(work / "README.md", _readme(bundle, model, spec, rows, worst))
        if key is not None:
            sign_dir(work, FILES, key)
        work.chmod(0o755)
        if out.exists():
            out.rmdir()
        work.replace(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    size = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    return Exported(out, model, rows, worst, size)


def dumps_json(exported: Exported) -> str:
    return json.dumps(exported.to_dict())
