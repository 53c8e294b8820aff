"""The deployed model as a function of numeric arrays, so the Shapley sampler can mix rows column by column.

Two spaces, same values:

- Input space (always works): the raw input columns, categories as integer codes; every mixed row is
  decoded, the cleaning recipe replayed and AutoGluon's feature pipeline run before the models — for
  every one of the many rows SHAP evaluates.
- Model space (fast): the explained rows and the background go through the recipe and AutoGluon's
  feature pipeline once; rows are mixed in the pipeline's output, each input column standing for the
  group of features derived from it, and the models are called with `transform_features=False`. On
  titanic the text features of `name` cost 95% of a prediction, so this is many times faster.

Model space needs the pipeline to be column-separable (each output feature depends on one input
column). That is checked on the data itself — the features each column drives are found by changing
that column alone, then mixed rows built in model space must equal mixed rows sent through the
pipeline — and input space is used when the check fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from automl.model.bundle import Bundle
from automl.model.inference import model_frame
from automl.model.schema import InputSchema
from explain import shapley

__all__ = ["InputCodec", "Space", "NotSeparable", "input_space", "model_space", "build_space"]

log = logging.getLogger(__name__)


class InputCodec:
    """Integer codes for non-numeric input columns, so they can be mixed; decodes back to the raw table."""

    def __init__(self, schema: InputSchema, frames: list[pd.DataFrame]) -> None:
        self.features = schema.features
        self.categories: dict[str, list[Any]] = {}
        for f in self.features:
            if not f.numeric:
                seen = pd.concat([fr[f.name] for fr in frames]).dropna().unique().tolist()
                self.categories[f.name] = seen

    @property
    def categorical(self) -> list[bool]:
        return [f.name in self.categories for f in self.features]

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        cols = []
        for f in self.features:
            name = f.name
            if name in self.categories:
                lookup = {v: i for i, v in enumerate(self.categories[name])}
                cols.append(df[name].map(lookup).astype(float).fillna(-1).to_numpy())
            else:
                cols.append(pd.to_numeric(df[name], errors="coerce").astype(float).to_numpy())
        return np.column_stack(cols)

    def decode(self, codes: np.ndarray, dtypes: pd.Series) -> pd.DataFrame:
        data = {}
        for j, f in enumerate(self.features):
            name = f.name
            col = codes[:, j]
            if name in self.categories:
                cats = np.array(self.categories[name] + [None], dtype=object)
                idx = np.where(col < 0, len(cats) - 1, col).astype(int)
                data[name] = pd.Series(cats[idx]).astype(dtypes[name], errors="ignore")
            else:
                data[name] = col
        return pd.DataFrame(data)


class _FrameCodec:
    """Numeric array <-> AutoGluon's transformed frame (category columns as codes of their fixed categories)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        cols = []
        for c in self.columns:
            s = frame[c]
            if isinstance(s.dtype, pd.CategoricalDtype):
                cols.append(s.cat.codes.to_numpy(dtype=float))
            else:
                cols.append(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float))
        return np.column_stack(cols) if cols else np.zeros((len(frame), 0))

    def decode(self, z: np.ndarray) -> pd.DataFrame:
        data = {}
        for j, c in enumerate(self.columns):
            dtype = self.dtypes[c]
            if isinstance(dtype, pd.CategoricalDtype):
                data[c] = pd.Categorical.from_codes(z[:, j].astype(int), dtype=dtype)
            elif pd.api.types.is_float_dtype(dtype):
                data[c] = z[:, j].astype(dtype)
            else:
                data[c] = z[:, j].astype(dtype) if not np.isnan(z[:, j]).any() else z[:, j]
        return pd.DataFrame(data, columns=self.columns)


@dataclass
class Space:
    """Arrays the sampler mixes: explained rows, background, the columns of each input column, the model."""

    rows: np.ndarray
    background: np.ndarray
    groups: list[list[int]]
    f: Callable[[np.ndarray], np.ndarray]
    outputs: list[str]
    kind: str  # "model" or "input"
    input_background: np.ndarray  # the background in input codes (for choosing representatives)
    categorical: list[bool]  # which input columns hold category codes
    why_input: str = ""  # when kind is "input": why the fast model space could not be used


def _predict(predictor: Any, bundle: Bundle,
             transformed: bool) -> tuple[Callable[[pd.DataFrame], np.ndarray], list[str]]:
    model, extra = bundle.deployed_model, ({"transform_features": False} if transformed else {})
    if bundle.problem_type == "regression":
        return (lambda X: predictor.predict(X, model=model, **extra).to_numpy(dtype=float)), [bundle.label]
    if bundle.problem_type == "binary":
        positive = predictor.positive_class
        return (lambda X: predictor.predict_proba(X, model=model, **extra)[positive].to_numpy(dtype=float)), \
            [str(positive)]
    classes = [str(c) for c in predictor.class_labels]
    return (lambda X: predictor.predict_proba(X, model=model, **extra).to_numpy(dtype=float)), classes


def input_space(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame) -> Space:
    codec = InputCodec(bundle.schema, [rows, background])
    predict, outputs = _predict(predictor, bundle, transformed=False)
    dtypes = rows.dtypes
    f = lambda z: predict(model_frame(bundle, codec.decode(z, dtypes)))  # noqa: E731
    z_rows, z_bg = codec.encode(rows), codec.encode(background)
    return Space(z_rows, z_bg, [[j] for j in range(z_rows.shape[1])], f, outputs, "input", z_bg, codec.categorical)


class NotSeparable(Exception):
    """The feature pipeline is not column-separable on these rows: model space would change the values."""


def model_space(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame) -> Space:
    """The fast space; raises `NotSeparable` when the feature pipeline is not column-separable here."""
    if not hasattr(predictor, "transform_features"):
        raise NotSeparable("the predictor has no separate feature pipeline")
    codec = InputCodec(bundle.schema, [rows, background])
    dtypes = rows.dtypes

    def transform(codes: np.ndarray) -> pd.DataFrame:
        return predictor.transform_features(model_frame(bundle, codec.decode(codes, dtypes)))

    z_rows, z_bg = codec.encode(rows), codec.encode(background)
    m = z_rows.shape[1]
    half = 32 if m <= 200 else 8  # probe rows: fewer for wide tables
    probe = np.vstack([z_rows[:half], z_bg[:half]])
    base_frame = transform(probe)
    tcodec = _FrameCodec(base_frame)
    t_probe = tcodec.encode(base_frame)
    other = _other_values(probe, np.vstack([z_rows, z_bg]))
    # each input column changed alone (many per pipeline call): the features that move belong to it
    step = max(1, shapley.MAX_CELLS // (len(probe) * max(m, t_probe.shape[1])))
    groups = []
    for start in range(0, m, step):
        cols = range(start, min(m, start + step))
        singles = np.repeat(probe[None], len(cols), axis=0)
        for k, j in enumerate(cols):
            singles[k, :, j] = other[:, j]
        t_singles = tcodec.encode(transform(singles.reshape(-1, m))).reshape(len(cols), len(probe), -1)
        groups += [np.flatnonzero(~_same(t, t_probe).all(axis=0)).tolist() for t in t_singles]
    owned = [c for g in groups for c in g]
    if len(owned) != len(set(owned)):
        raise NotSeparable("a feature of AutoGluon's pipeline depends on several input columns")
    # random mixes of two rows must come out the same either way
    rng = np.random.default_rng(0)
    masks = rng.random((8, m)) < 0.5
    mixed_in = np.where(masks[:, None, :], other[None], probe[None]).reshape(-1, m)
    through = tcodec.encode(transform(mixed_in))
    t_other = tcodec.encode(transform(other))
    built = np.repeat(t_probe[None], len(masks), axis=0)
    for k, mask in enumerate(masks):
        for j in np.flatnonzero(mask):
            built[k][:, groups[j]] = t_other[:, groups[j]]
    if not _same(built.reshape(-1, through.shape[1]), through).all():
        raise NotSeparable("rows mixed after AutoGluon's pipeline differ from mixed rows sent through it")
    predict, outputs = _predict(predictor, bundle, transformed=True)
    f = lambda z: predict(tcodec.decode(z))  # noqa: E731
    return Space(tcodec.encode(transform(z_rows)), tcodec.encode(transform(z_bg)), groups, f, outputs, "model",
                 z_bg, codec.categorical)


def build_space(predictor: Any, bundle: Bundle, rows: pd.DataFrame, background: pd.DataFrame) -> Space:
    """Model space when it gives the same values, else input space: same values, many times slower — logged
    as a warning and recorded on the space (`why_input`), never silent."""
    try:
        return model_space(predictor, bundle, rows, background)
    except NotSeparable as exc:
        why = str(exc)
    except Exception as exc:  # noqa: BLE001 - any surprise in the pipeline: the slow path still works
        why = f"the feature pipeline failed on mixed rows ({type(exc).__name__}: {exc})"
    log.warning("SHAP of run %s on the slow path (every mixed row through the feature pipeline): %s",
                bundle.run_id, why)
    space = input_space(predictor, bundle, rows, background)
    space.why_input = why
    return space


def _other_values(probe: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """For each probe cell, a value of the same column that differs from it (when the column has two)."""
    out = probe.copy()
    for j in range(probe.shape[1]):
        values = np.unique(pool[:, j])  # NaN sorts last and counts once per NaN: keep one
        values = np.concatenate([values[~np.isnan(values)], values[np.isnan(values)][:1]])
        if len(values) < 2:
            continue
        for i, v in enumerate(probe[:, j]):
            choices = values[~_same(values, np.full(len(values), v))]
            out[i, j] = choices[i % len(choices)]
    return out


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b))
