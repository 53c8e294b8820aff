"""Keep a deployment fresh: a challenger trained with the champion's configuration and recipe, by default on
the champion's rows and the new labelled ones together (a new dataset version), and the two compared on the
same rows before anyone promotes it. (Trained on the new rows alone, a challenger learned from 1,200 rows
where the champion had 3,500, and nothing said so.)

The challenger is a training job like any other (live progress, stop, cancel), and the comparison is honest
about which rows each model saw:

- **new rows held out**: the new rows in the challenger's own test split. Neither model was fitted on them (the
  challenger's score comes from its measured model, before any retraining on every row).
- **the original test split**: the champion's, compared only when the challenger learned from the new rows
  alone; trained on every row, the challenger has learned those rows, and the comparison says so instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from automl.data.datasets import import_table
from automl.data.ingest import open_table
from automl.data.markdown import code
from automl.errors import ConfigError, DeploymentError
from automl.model.bundle import Bundle, load_bundle, load_predictor
from automl.model.inference import model_frame
from automl.model.scoring import score
from automl.monitoring.estimate import higher_is_better
from automl.store.catalogue import RunInfo
from automl.store.workspace import Workspace
from automl.training.config import TrainConfig, start_training

__all__ = ["start_challenger", "compare", "challengers"]


def start_challenger(ws: Workspace, name: str, source: Any, file_name: str | None = None,
                     time_limit: int | None = None, new_rows_only: bool = False) -> RunInfo:
    """Import the new rows, add them to the champion's (unless `new_rows_only`) as a dataset version, and
    start training the challenger (a job); returns its run."""
    deployment = ws.get_deployment(name)
    if deployment is None:
        raise DeploymentError(f"No deployment {name!r} in {ws.root}: see `automl-studio deployments`.")
    champion = ws.get_run(deployment.run_id)
    config = TrainConfig.from_dict(champion.config)
    original = config.source_dataset_id or config.dataset_id
    header = next(iter(open_table(source, file_name, chunk_rows=5).chunks), None)  # checked before keeping it
    _check_new_rows(ws, config, champion.id, set(header.columns) if header is not None else set())
    info, _ = import_table(ws, source, name=file_name, meta={"version_of": original, "new_rows_for": name})
    rows = {"champion": 0, "new": info.rows}
    if not new_rows_only:
        old = ws.load_dataset(original)
        new = ws.load_dataset(info.id)
        together = pd.concat([old, new.reindex(columns=old.columns)], ignore_index=True)
        info = ws.add_dataset(together, f"{ws.get_dataset(original).name} + {file_name or 'new rows'}",
                              {"version_of": original, "new_rows_for": name,
                               "rows_from": {"champion": len(old), "new": len(new)}})
        rows = {"champion": len(old), "new": len(new)}
    columns = set(ws.load_dataset(info.id).columns)
    new_config = replace(config, dataset_id=info.id, source_dataset_id=info.id,
                         exclude=tuple(c for c in config.exclude if c in columns),
                         time_limit=int(time_limit or config.time_limit))
    run = start_training(ws, new_config)
    # rows of the challenger's table from `new_from` on are the new ones (what the comparison holds out)
    ws.add_challenger(name, run.id, {"champion": champion.id, "dataset": info.id, "rows": info.rows,
                                     "learned_from": rows, "new_from": rows["champion"]})
    return run


def _check_new_rows(ws: Workspace, config: TrainConfig, champion: str, columns: set[str]) -> None:
    if config.label not in columns:
        raise ConfigError(f"The new rows have no {code(config.label)} column: a challenger learns from rows whose "
                          "outcome is known.")
    lacking = [c for c in load_bundle(ws, champion).schema.names if c not in columns]
    if lacking:
        raise ConfigError(f"The new rows lack the champion's input column(s) {', '.join(map(repr, lacking[:5]))}: "
                          "a challenger takes the same inputs, so clients need not change.")
    if config.sample_weight and config.sample_weight not in columns:
        raise ConfigError(f"The champion weighted its rows by {code(config.sample_weight)}, which the new rows lack.")


def challengers(ws: Workspace, name: str) -> list[dict[str, Any]]:
    """The deployment's challengers, newest first: run, when, the champion it was trained against, and the
    comparison once made."""
    return [{"run": run_id, "at": at, **detail} for run_id, at, detail in ws.list_challengers(name)]


def compare(ws: Workspace, name: str, challenger: str) -> dict[str, Any]:
    """Score champion and challenger on the same rows (see the module's note); kept with the challenger."""
    detail = next((c for c in challengers(ws, name) if c["run"] == challenger), None)
    if detail is None:
        raise DeploymentError(f"{challenger} is not a challenger of {name}.")
    champ, chall = load_bundle(ws, detail["champion"]), load_bundle(ws, challenger)
    metric = champ.metrics.eval_metric
    recent = pd.read_parquet(chall.files.test_rows)
    new_from = int(detail.get("new_from") or 0)
    if new_from:  # the challenger's test rows that came from the new file: the champion never saw them either
        rows = pd.read_parquet(chall.files.test_predictions, columns=["row"])["row"].to_numpy()
        recent = recent[rows >= new_from] if len(rows) == len(recent) else recent.iloc[0:0]
    original = pd.read_parquet(champ.files.test_rows)
    comparison = {
        "metric": metric, "higher_is_better": higher_is_better(metric), "learned_from": detail.get("learned_from"),
        "new_rows_held_out": {"rows": len(recent), "champion": _score(champ, recent, champ.deployed_model),
                              "challenger": _score(chall, recent, chall.measured_model)},
        "original_test_split": {"rows": len(original), "champion": champ.metrics.value,
                                # trained on the champion's rows, the challenger learned these: no score
                                "challenger": None if new_from else _score(chall, original, chall.deployed_model)},
    }
    new = comparison["new_rows_held_out"]
    better = (new["challenger"] > new["champion"]) == higher_is_better(metric)
    comparison["better_on_new_rows"] = "challenger" if better and new["challenger"] != new["champion"] else "champion"
    ws.add_challenger(name, challenger, {**{k: v for k, v in detail.items() if k not in ("run", "at")},
                                         "comparison": comparison})
    return {"champion": detail["champion"], "challenger": challenger, "comparison": comparison}


def _score(bundle: Bundle, rows: pd.DataFrame, model: str) -> float | None:
    """The run's metric (as users read it) for `model` on labelled rows read for the model."""
    label = bundle.label
    rows = rows[rows[label].notna()] if label in rows else rows
    if label not in rows or not len(rows):
        return None
    predictor = load_predictor(bundle)
    X = model_frame(bundle, rows[[c for c in bundle.schema.names if c in rows.columns]])
    scored = score(predictor, X, rows[label], bundle.problem_type, model)
    metric = bundle.metrics.eval_metric
    value = scored.values.get(metric)
    return None if value is None else float(value)
