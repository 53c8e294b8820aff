"""Watching a deployed forecast (issue 32): every forecast made through a deployment is kept (series, time,
forecast, its 10%-90% band; never the history it was made from), and when the actual values of those times
arrive (`add_forecast_actuals`: a file with the series, the time and the value, read as training read it) each
forecast is scored: its mean absolute error against the backtest's, and how often the band held. A forecast
that errs far more than its backtest raises an alert; retraining on the new history (`retrain_forecast`) makes
a challenger with the champion's configuration, to compare and promote on Deploy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from automl.data.markdown import code
from automl.data.numbers import readable_number
from automl.errors import ConfigError
from automl.model.forecast_run import ForecastRun, load_forecast_run, split_future
from automl.store import atomic
from automl.store.workspace import RunInfo, Workspace

__all__ = ["record_forecast", "add_forecast_actuals", "forecast_watch", "ForecastWatch", "retrain_forecast",
           "DEGRADED", "ActualsReport"]

DEGRADED = 1.5   # a forecast whose error passes this many times its backtest's raises an alert
MAX_KEPT = 1000  # forecasts kept per deployment; the oldest go first (an endpoint keeps one per request)
_LOW_COVERAGE = 0.5  # an 80% band holding fewer than half the actual values is too narrow to act on
_FOLDER = "forecasts"


def _folder(ws: Workspace, deployment: str) -> Path:
    return ws.deployment_dir(deployment) / _FOLDER


def record_forecast(ws: Workspace, deployment: str, run: ForecastRun, frame: pd.DataFrame, source: str,
                    key: str | None = None) -> Path:
    """Keep a forecast made through `deployment` (the file `forecast_rows` returns), to score when its actual
    values arrive. With `key` (the page: a digest of the rows it forecast from), the same forecast is kept once
    however often the page redraws it."""
    made = time.time()
    path = _folder(ws, deployment) / f"{key or f'{made:.6f}-{source}'}.parquet"
    if key and path.exists():
        return path
    spec = run.spec
    series = frame[spec.series_column].astype(str) if spec.series_column else pd.Series("", index=frame.index)
    kept = pd.DataFrame({"series": series.to_numpy(), "time": pd.to_datetime(frame[spec.time_column]).to_numpy(),
                         "forecast": frame["forecast"].to_numpy(), "p10": frame["p10"].to_numpy(),
                         "p90": frame["p90"].to_numpy(), "actual": np.nan})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_parquet(path, kept)
    atomic.write_json(path.with_suffix(".json"), {"run_id": run.run_id, "made_at": made, "source": source,
                                                  "backtest_mae": run.metrics.get("mae")})
    kept = sorted(path.parent.glob("*.parquet"), key=lambda p: p.stat().st_mtime)
    for old in kept[:max(0, len(kept) - MAX_KEPT)]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)
    return path


@dataclass(frozen=True)
class ActualsReport:
    rows: int          # actual values read
    matched: int       # forecast steps they scored
    forecasts: int     # forecasts they reached

    def lines(self) -> list[str]:
        if not self.matched:
            return [f"{self.rows:,} actual value(s) read; none falls on a time a forecast of this deployment "
                    "covered yet (forecasts are scored when the times they forecast have come)."]
        return [f"{self.rows:,} actual value(s) read; {self.matched:,} forecast step(s) of {self.forecasts:,} "
                "forecast(s) scored."]


def add_forecast_actuals(ws: Workspace, deployment: str, df: pd.DataFrame) -> ActualsReport:
    """The actual values of `df` (the series, the time and the value, as in training) set beside every kept
    forecast of those series and times."""
    record = ws.get_deployment(deployment)
    if record is None:
        raise ConfigError(f"No deployment {deployment!r}.")
    spec = load_forecast_run(ws, record.run_id).spec
    history, _ = split_future(df, spec)
    actual = pd.DataFrame({"series": history[spec.series_column].astype(str) if spec.series_column else "",
                           "time": history[spec.time_column], "value": history[spec.value_column]})
    actual = actual.dropna(subset=["value"])
    actual = actual.drop_duplicates(["series", "time"], keep="last").set_index(["series", "time"])["value"]
    matched = reached = 0
    for path in sorted(_folder(ws, deployment).glob("*.parquet")):
        kept = pd.read_parquet(path)
        found = actual.reindex(pd.MultiIndex.from_frame(kept[["series", "time"]])).to_numpy()
        hit = ~np.isnan(found)
        if hit.any():
            kept.loc[hit, "actual"] = found[hit]
            atomic.write_parquet(path, kept)
            matched += int(hit.sum())
            reached += 1
    return ActualsReport(len(actual), matched, reached)


@dataclass(frozen=True)
class ForecastWatch:
    table: pd.DataFrame   # one row per forecast kept: when, run, steps, steps with actuals, errors, band
    alerts: list[str]
    backtest_mae: float | None


def forecast_watch(ws: Workspace, deployment: str, value: str = "") -> ForecastWatch:
    """Each kept forecast of `deployment`, scored where its actual values are in, and what to act on."""
    rows = []
    kept = [(atomic.read_json(p.with_suffix(".json")) or {}, p) for p in _folder(ws, deployment).glob("*.parquet")]
    for meta, path in sorted(kept, key=lambda pair: pair[0].get("made_at", 0)):
        frame = pd.read_parquet(path)
        known = frame[frame["actual"].notna()]
        error = float((known["actual"] - known["forecast"]).abs().mean()) if len(known) else np.nan
        inside = float(((known["actual"] >= known["p10"]) & (known["actual"] <= known["p90"])).mean()) \
            if len(known) else np.nan
        base = meta.get("backtest_mae")
        rows.append({"made": pd.Timestamp(meta.get("made_at", 0), unit="s").strftime("%Y-%m-%d %H:%M"),
                     "source": meta.get("source"), "run": meta.get("run_id"),
                     "forecast from": frame["time"].min().strftime("%Y-%m-%d"), "steps": len(frame),
                     "steps with actuals": len(known), "mean error": error, "backtest error": base,
                     "times the backtest error": error / base if base and error == error else np.nan,
                     "inside the 80% band": inside})
    table = pd.DataFrame(rows)
    alerts = []
    for row in rows:
        ratio = row["times the backtest error"]
        if ratio == ratio and ratio > DEGRADED:
            alerts.append(f"The forecast made {row['made']} (from {row['forecast from']}) erred "
                          f"{readable_number(row['mean error'])} {code(value)} a step on average, {ratio:.1f} "
                          "times its backtest's: the series may have changed. Retrain with the new history.")
        elif row["inside the 80% band"] == row["inside the 80% band"] and row["inside the 80% band"] < _LOW_COVERAGE:
            alerts.append(f"The 80% band of the forecast made {row['made']} held only "
                          f"{row['inside the 80% band']:.0%} of the actual values: its ranges are too narrow now.")
    base = next((r["backtest error"] for r in reversed(rows) if r["backtest error"]), None)
    return ForecastWatch(table, alerts, base)


def retrain_forecast(ws: Workspace, deployment: str, df: pd.DataFrame, time_limit: int | None = None) -> RunInfo:
    """A challenger: the champion's forecast configuration trained on its table with the rows of `df` added
    (a newer value of the same series and time replaces the old one), as a new dataset version."""
    from automl.training.forecast_config import ForecastConfig, start_forecast

    record = ws.get_deployment(deployment)
    champion = ws.get_run(record.run_id)
    config = ForecastConfig.from_dict(champion.config)
    spec = load_forecast_run(ws, champion.id).spec
    old = ws.load_dataset(config.dataset_id)
    lacking = [c for c in spec.columns if c not in df.columns]
    if lacking:
        raise ConfigError(f"The new rows lack {', '.join(code(c) for c in lacking)}, which the forecast reads.")
    new = df[spec.columns].copy()
    new[spec.time_column] = pd.to_datetime(new[spec.time_column], format="mixed")
    both = pd.concat([old, new], ignore_index=True)
    keys = [c for c in (spec.series_column, spec.time_column) if c]
    both = both.drop_duplicates(keys, keep="last").sort_values(keys, kind="stable").reset_index(drop=True)
    info = ws.add_dataset(both, f"{ws.get_dataset(config.dataset_id).name} + new history",
                          meta={"extends": config.dataset_id, "task": "forecast"})
    return start_forecast(ws, replace(config, dataset_id=info.id, frequency=None,
                                      time_limit=int(time_limit or config.time_limit)))
