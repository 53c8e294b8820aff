"""Cached access to the workspace: predictors via `cache_resource` keyed by path, frames via `cache_data`."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from automl.data import datasets
from automl.data.associations import association_matrix
from automl.data.profile import TableProfile
from automl.model import bundle as bundle_mod
from automl.store.workspace import Workspace
from ui.warmup import wait_for_warm_up

__all__ = ["workspace", "predictor", "dataset_frame", "dataset_profile", "dataset_associations", "gpus",
           "preflight_check", "local_explanation", "threshold_suggestion", "ray_cluster",
           "evaluation_summary", "run_stamp", "scored_file_summary", "explain_cost"]


@st.cache_resource(show_spinner=False)
def workspace(root: str) -> Workspace:
    """The workspace, opened once per server; what is kept past the retention period goes now and every hour
    (a page need not be opened for it)."""
    from automl.store.batches import keep_purging

    ws = Workspace(root)
    keep_purging(ws)
    return ws


@st.cache_resource(show_spinner="Checking the model's signature and loading it…", max_entries=4)
def _verified_predictor(root: str, run_id: str) -> Any:
    wait_for_warm_up()  # never import AutoGluon's modules beside the warm-up thread importing them
    return bundle_mod.load_predictor(bundle_mod.load_bundle(workspace(root), run_id))


def predictor(root: str, run_id: str) -> Any:
    """A run's predictor, loaded once per server after its signature verifies (keyed by workspace and run).
    Before each use its files are checked to be as they were verified; if any changed (a legitimate
    refit, or tampering), it is verified and loaded again, which refuses a tampered run."""
    loaded = _verified_predictor(root, run_id)
    if not bundle_mod.unchanged_since_loaded(bundle_mod.load_bundle(workspace(root), run_id), loaded):
        _verified_predictor.clear(root, run_id)
        loaded = _verified_predictor(root, run_id)
    return loaded


@st.cache_resource(show_spinner="Checking the forecast model's signature and loading it…", max_entries=4)
def _verified_forecaster(root: str, run_id: str, stamp: float) -> Any:
    from automl.model.forecast_run import load_forecast_run, load_forecaster

    return load_forecaster(load_forecast_run(workspace(root), run_id))


def forecaster(root: str, run_id: str) -> Any:
    """A forecast run's predictor, loaded once its signature verifies; loaded (and verified) again when its
    signature file changes."""
    from automl.model.signing import SIGNATURE_FILE

    signature = workspace(root).run_dir(run_id) / SIGNATURE_FILE
    return _verified_forecaster(root, run_id, signature.stat().st_mtime if signature.exists() else 0.0)


def read_upload(upload: Any) -> pd.DataFrame:
    """An uploaded file's rows, through the one reader training used (`automl.data.ingest.read_table`)."""
    from automl.data.ingest import read_table

    df, _ = read_table(upload.getvalue(), name=upload.name)
    return df


def run_stamp(bundle: Any) -> tuple[float, ...]:
    """When the files the Evaluate page reads last changed (a saved threshold, another model in use)."""
    files = bundle.files
    return tuple(f.stat().st_mtime if f.exists() else 0.0
                 for f in (files.metrics, files.threshold, files.deploy, files.test_predictions))


@st.cache_data(show_spinner="Scoring the test split…", max_entries=16)
def evaluation_summary(root: str, run_id: str, stamp: tuple[float, ...]) -> dict[str, Any]:
    """What Evaluate shows before any control is touched, computed once per run version and shared by every
    session: the test predictions, the metric table, the verdict, the simplest guess's scores and, for a
    binary model, the curves that do not depend on the threshold."""
    from automl.evaluation import curves, summary

    bundle = bundle_mod.load_bundle(workspace(root), run_id)
    preds = summary.test_predictions(bundle)
    out = {"preds": preds, "table": summary.metric_table(bundle, preds), "verdict": summary.verdict(bundle, preds),
           "baseline": summary.baseline_values(bundle, preds),
           "majority": summary.majority_class(preds) if bundle.problem_type != "regression" else None,
           "precision": summary.precision_sentence(bundle, preds)}
    if bundle.problem_type == "binary":
        y, p = curves.binary_arrays(preds, bundle.metrics.positive_class)
        out["curves"] = {"roc": curves.roc_frame(y, p), "pr": curves.pr_frame(y, p),
                         "calibration": curves.calibration_frame(y, p), "gain": curves.gain_frame(y, p),
                         "ks": curves.ks_statistic(y, p)}
    return out


@st.cache_data(show_spinner=False, max_entries=64)
def threshold_suggestion(root: str, run_id: str, deployed_model: str, objective: str, params_json: str,
                         stamp: float) -> dict | None:
    """The suggested threshold for an objective (cached: the Evaluate page reruns on every slider move;
    `stamp`, the validation file's modification time, renews it when the model in use changes)."""
    from automl.evaluation import thresholds
    from automl.model import threshold

    val = threshold.validation_predictions(bundle_mod.load_bundle(workspace(root), run_id))
    if val is None:
        return None
    return {"source": str(val["source"].iloc[0]), "rows": len(val),
            **thresholds.suggest_threshold(val, objective, **json.loads(params_json))}


@st.cache_resource(show_spinner="Looking for GPUs…")
def gpus() -> list[str]:
    """GPU names, detected once per server (importing torch takes a moment)."""
    from automl.training.config import gpu_names

    wait_for_warm_up()
    return gpu_names()


@st.cache_data(show_spinner=False, max_entries=4)
def dataset_frame(root: str, dataset_id: str) -> pd.DataFrame:
    return workspace(root).load_dataset(dataset_id)


@st.cache_data(show_spinner=False, max_entries=16)
def dataset_profile(root: str, dataset_id: str) -> TableProfile:
    return datasets.load_profile(workspace(root), dataset_id)


@st.cache_data(show_spinner=False, max_entries=16)
def dataset_series(root: str, dataset_id: str, value_column: str | None):
    """The table as time series (`automl.data.timeseries.recognise`), or None without a date column; the
    target is the value to forecast when it holds numbers."""
    from automl.data.timeseries import recognise

    df = dataset_frame(root, dataset_id)
    numeric = value_column in df.columns and pd.api.types.is_numeric_dtype(df[value_column]) \
        and not pd.api.types.is_bool_dtype(df[value_column])
    return recognise(df, value_column if numeric else None)


@st.cache_data(show_spinner=False, max_entries=16)
def series_shape(root: str, dataset_id: str, time_column: str, series_column: str | None, value_column: str | None):
    """The series of a table as the user set them up to forecast (`automl.data.timeseries.describe_series`)."""
    from automl.data.timeseries import describe_series

    return describe_series(dataset_frame(root, dataset_id), time_column, series_column, value_column)


@st.cache_data(show_spinner="Checking the series…", max_entries=32)
def forecast_check(root: str, config_json: str) -> list[str]:
    """The pre-flight check of a forecast (`automl.training.forecast_config.forecast_preflight`), in lines;
    raises its one-sentence refusal (not cached: the user fixes it and asks again)."""
    import json

    from automl.training.forecast_config import ForecastConfig, forecast_preflight

    return forecast_preflight(workspace(root), ForecastConfig.from_dict(json.loads(config_json)))


@st.cache_data(show_spinner="Measuring how columns go together…", max_entries=8)
def dataset_associations(root: str, dataset_id: str) -> pd.DataFrame:
    return association_matrix(dataset_frame(root, dataset_id))


@st.cache_data(show_spinner="Asking the Ray cluster for its nodes…", ttl=60, max_entries=8)
def ray_cluster(address: str):
    """The configured Ray cluster's nodes and resources (asked from a short-lived process; kept a minute)."""
    from automl.cluster import describe

    return describe(address)


@st.cache_data(show_spinner="Checking the configuration…", max_entries=32)
def preflight_check(root: str, config_json: str, gpu_list: tuple[str, ...]):
    """The pre-flight check of a configuration (cached: the page reruns on every click)."""
    import json

    from automl.cluster import configured_address
    from automl.training import preflight
    from automl.training.config import TrainConfig

    config = TrainConfig.from_dict(json.loads(config_json))
    address = configured_address(config.ray_address)
    return preflight.preflight(workspace(root), config, gpus=list(gpu_list),
                               cluster=ray_cluster(address) if address else None)


@st.cache_data(show_spinner="Timing the model to say how long explanations take…", max_entries=16)
def explain_cost(root: str, run_id: str, deployed_model: str):
    """How fast the run's model answers the explainer's calls (`explain.estimate.measure`), once per model."""
    from explain.estimate import measure

    return measure(predictor(root, run_id), bundle_mod.load_bundle(workspace(root), run_id))


@st.cache_data(show_spinner="Explaining…", max_entries=64)
def local_explanation(root: str, run_id: str, deployed_model: str, row_json: str):
    """SHAP values of one typed-in row (cached: the Predict page reruns on every click, on either tab)."""
    import json

    from explain.shap_values import explain_rows

    bundle = bundle_mod.load_bundle(workspace(root), run_id)
    return explain_rows(predictor(root, run_id), bundle, pd.DataFrame([json.loads(row_json)]))


@st.cache_data(show_spinner=False, max_entries=8)
def scored_file_summary(path: str, size: int, modified_ns: int, regression: bool) -> dict[str, Any]:
    """What a scored file's answers add up to, read once per version of the file (`size` and `modified_ns`
    key it): the Predict page reruns on every click, and a million-row file takes seconds to read."""
    from automl.prediction.rows import UNUSUAL_COLUMN

    frame = pd.read_csv(path, usecols=lambda c: c in ("prediction", UNUSUAL_COLUMN), keep_default_na=False,
                        na_values=[""])
    predicted = frame["prediction"]
    out: dict[str, Any] = {"rows": len(predicted),
                           "unusual": int(frame[UNUSUAL_COLUMN].notna().sum()) if UNUSUAL_COLUMN in frame else 0}
    if regression:
        return out | {"min": float(predicted.min()), "max": float(predicted.max()), "median": float(predicted.median())}
    return out | {"counts": {str(k): int(n) for k, n in predicted.astype(str).value_counts().items()}}
