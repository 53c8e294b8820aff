"""The CLI's forecasts (issue 32): `train --task forecast`, and `evaluate` and `predict` of a forecast run.

`train`, `evaluate` and `predict` turn here when the task or the run is a forecast; the table paths do not
change. Results go to stdout (one JSON object with --json), progress and reasons to stderr.
"""

from __future__ import annotations

import argparse
import json

from automl.cli.models import _err

__all__ = ["train_forecast", "evaluate_forecast", "predict_forecast", "FORECAST_PRESETS"]

EXIT_OK, EXIT_ERROR = 0, 1
FORECAST_PRESETS = {"auto": "medium", "fast": "fast", "medium": "medium", "good": "medium", "best": "best",
                    "high": "best"}


def train_forecast(args: argparse.Namespace, ws, dataset) -> int:
    from automl.cli.commands import follow_training
    from automl.errors import ConfigError
    from automl.training.forecast_config import ForecastConfig, forecast_preflight, start_forecast

    if not args.time or not args.horizon:
        raise ConfigError("A forecast needs --time COL (the column of dates) and --horizon N (steps ahead).")
    if args.preset not in FORECAST_PRESETS:
        raise ConfigError(f"No forecasting preset {args.preset!r}; choose fast, medium or best.")
    config = ForecastConfig(dataset_id=dataset.id, label=args.label, time_column=args.time,
                            series_column=args.series, horizon=args.horizon, known=tuple(args.known or ()),
                            static=tuple(args.static or ()), preset=FORECAST_PRESETS[args.preset],
                            time_limit=args.time_limit, windows=args.windows, seed=args.seed)
    for line in forecast_preflight(ws, config):
        _err(line.replace("`", ""))
    run = start_forecast(ws, config)
    _err(f"run {run.id}: forecast of {args.label!r}, {config.horizon} steps ahead, model set {run.preset}, "
         f"budget {run.time_limit:.0f} s" + (" (queued)" if run.status == "queued" else ""))
    if not follow_training(ws, run.id):
        return EXIT_ERROR
    return _print_summary(ws, run.id, args.json)


def evaluate_forecast(args: argparse.Namespace, ws) -> int:
    return _print_summary(ws, args.run_id, args.json, tables=True)


def _print_summary(ws, run_id: str, as_json: bool, tables: bool = False) -> int:
    from automl.evaluation import forecast as fe
    from automl.model.forecast_run import load_forecast_run

    run = load_forecast_run(ws, run_id)
    result = fe.summary(run)
    if as_json:
        print(json.dumps(result, default=str))
        return EXIT_OK
    print(f"run {run_id}: test MASE {result['mase']:.3f} (repeating the last season {result['baseline_mase']:.3f}), "
          f"80% band held {result['coverage_80']:.0%} (best model {result['best_model']})")
    print(result["sentence"])
    print(fe.error_words(run).replace("`", ""))
    if tables:
        print()
        print(fe.windows(run).to_string(index=False))
        print()
        print(fe.series_table(run).to_string(index=False))
    return EXIT_OK


def predict_forecast(args: argparse.Namespace, ws, run_id: str, deployment: str | None = None) -> int:
    from automl.data.ingest import read_table
    from automl.model.forecast_run import load_forecast_run
    from automl.prediction.forecast import forecast_rows, save_forecast

    run = load_forecast_run(ws, run_id, args.key_file)
    df, _ = read_table(args.data)
    out = forecast_rows(run, df)
    save_forecast(out, args.out)
    if deployment:  # kept, to score when the actual values come (`actuals NAME FILE`, Monitor)
        from automl.monitoring.forecast_watch import record_forecast

        record_forecast(ws, deployment, run, out, "cli")
    series = out[run.spec.series_column].nunique() if run.spec.series_column else 1
    _err(f"forecast {series:,} series, {run.spec.horizon} steps ahead each: {len(out):,} rows")
    _err(f"wrote {args.out}")
    return EXIT_OK
