"""Forecast quality at the same wall-clock budget (issue 32): the app's forecasting core against statsforecast's
AutoETS and the seasonal naive forecast, on public series, scored the same way for every tool.

Every tool forecasts the same test windows (the last `--windows` x horizon steps of every series, each forecast
from the history before it) and is scored by this script, not by the tool: MASE (mean absolute error over the
series' own in-sample seasonal naive error, per series, then averaged), the weighted quantile loss over the
nine deciles (WQL; for the seasonal naive forecast, its point forecast at every decile) and the share of actual
values inside the 10%-90% band. The app (`automl.training.forecast.fit_forecast` as the forecast job calls it:
70% of `--budget` to fit, the rest being the job's for the test windows and the forecast, and the validation
windows the job chooses for that budget; the balanced model set, hub offline) and AutoGluon's
`TimeSeriesPredictor` called directly with the same model set and its defaults (`--budget` seconds to fit), with
each of `--seeds`; AutoETS and the naive forecast need no budget. Wall time is what each took. `seatbelts+law` is
the seatbelts series with the seat-belt law as a covariate known in advance (the app and AutoGluon use it; AutoETS
and the naive forecast cannot).

    .venv/bin/python benchmarks/forecast_quality.py --budget 120 --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, report

SHARED = ROOT.parent / "shared" / "datasets"
# name: (file, time column, value column, series column, horizon, season length, known in advance)
TABLES = {
    "arrivals": ("arrivals_quarterly.csv", "quarter", "arrivals", "origin", 8, 4, ()),
    "air_passengers": ("air_passengers.csv", "month", "passengers", None, 12, 12, ()),
    "seatbelts": ("seatbelts_monthly.csv", "month", "drivers", None, 12, 12, ()),
    "seatbelts+law": ("seatbelts_monthly.csv", "month", "drivers", None, 12, 12, ("law",)),
}
QUANTILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=int, default=120)
    parser.add_argument("--windows", type=int, default=2)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seeds", default="0", help="comma-separated seeds for the app and AutoGluon direct")
    parser.add_argument("--val-windows", default="job",
                        help="the app's validation windows: as the forecast job chooses for the budget (job), a "
                             "number, or auto")
    parser.add_argument("--tools", default="app,direct,autoets,naive")
    args = parser.parse_args()
    rows = []
    seeds = [int(x) for x in args.seeds.split(",")]
    tools = {"app": ("app (balanced set)", app, seeds), "direct": ("AutoGluon direct (same set)", direct, seeds),
             "autoets": ("statsforecast AutoETS", autoets, [0]), "naive": ("seasonal naive", naive, [0])}
    for name in args.tables.split(","):
        file, time_col, value, series, horizon, season, known = TABLES[name]
        path = ROOT / "sample_data" / file
        df = pd.read_csv(path if path.exists() else SHARED / file, parse_dates=[time_col])
        df["item_id"] = df[series].astype(str) if series else "series"
        long = df.rename(columns={time_col: "ds", value: "y"})[["item_id", "ds", "y", *known]]
        long = long.sort_values(["item_id", "ds"])
        for key in args.tools.split(","):
            tool, forecast, tool_seeds = tools[key]
            per_seed = []
            for seed in tool_seeds:
                args.seed = seed
                start = time.perf_counter()
                scored = [score(long, forecast(long, df, name, horizon, season, w, args), horizon, season, w,
                                args.windows) for w in range(args.windows)]
                per_seed.append([*np.mean(scored, axis=0), time.perf_counter() - start])
                print(name, tool, seed, [round(float(x), 4) for x in per_seed[-1]], flush=True)
            runs = np.array(per_seed)
            rows.append({"table": name, "tool": tool, "horizon": horizon, "seeds": len(tool_seeds),
                         "MASE": round(float(runs[:, 0].mean()), 4),
                         "MASE range": f"{runs[:, 0].min():.3f}-{runs[:, 0].max():.3f}",
                         "WQL": round(float(runs[:, 1].mean()), 4),
                         "coverage_80": round(float(runs[:, 2].mean()), 3),
                         "seconds": round(float(runs[:, 3].mean()), 1)})
            print(rows[-1], flush=True)
    report(f"forecast_quality_{args.budget}s", rows)


def _history(long: pd.DataFrame, horizon: int, w: int, windows: int) -> pd.DataFrame:
    """The rows before test window `w` (0 = the earliest) of every series."""
    cut = (windows - w) * horizon
    return long.groupby("item_id", group_keys=False).apply(lambda s: s.iloc[:-cut])


def _window_rows(long: pd.DataFrame, horizon: int, w: int, windows: int) -> pd.DataFrame:
    """The rows of test window `w` of every series (their known covariates are given to the forecast)."""
    cut = (windows - w) * horizon
    return long.groupby("item_id", group_keys=False).apply(lambda s: s.iloc[-cut:][:horizon])


def _first_fit(long: pd.DataFrame, horizon: int, windows: int) -> pd.DataFrame:
    return _history(long, horizon, 0, windows)


def _as_answer(out) -> pd.DataFrame:
    return out.reset_index().rename(columns={"timestamp": "ds", "mean": "point"}).assign(
        item_id=lambda f: f["item_id"].astype(str))


def app(long, df, name, horizon, season, w, args):
    """The app's core, fitted once on the history before the first window (as its own test does), then asked
    for each window from the history before it (with the window's known covariates)."""
    from automl.model.forecast_run import SeriesSpec, future_frame, series_frame

    known = TABLES[name][6]
    spec = SeriesSpec("ds", "y", horizon, "item_id", known=known)
    cache = app.__dict__.setdefault("fits", {})
    if (name, args.seed) not in cache:
        from automl.training.forecast import fit_forecast

        from automl.training.forecast import FIT_SHARE, validation_windows

        windows = (validation_windows(args.budget) if args.val_windows == "job" else
                   args.val_windows if args.val_windows == "auto" else int(args.val_windows))
        cache[name, args.seed] = fit_forecast(long, spec=spec, path=Path(tempfile.mkdtemp()) / name,
                                              time_limit=args.budget * FIT_SHARE, windows=args.windows,
                                              seed=args.seed, val_windows=windows)
    fit = cache[name, args.seed]
    history = _history(long, horizon, w, args.windows)
    future = future_frame(_window_rows(long, horizon, w, args.windows), spec) if known else None
    return _as_answer(fit.predictor.predict(series_frame(history, spec), known_covariates=future))


def direct(long, df, name, horizon, season, w, args):
    """AutoGluon's TimeSeriesPredictor called directly with the app's balanced model set, fitted once on the
    history before the first window with the same budget."""
    from autogluon.timeseries import TimeSeriesDataFrame, TimeSeriesPredictor

    from automl.training.forecast_models import hub_offline, model_set

    known = list(TABLES[name][6])

    def frame(rows):
        return TimeSeriesDataFrame.from_data_frame(rows, id_column="item_id", timestamp_column="ds")

    cache = direct.__dict__.setdefault("fits", {})
    if (name, args.seed) not in cache:
        with hub_offline():
            cache[name, args.seed] = TimeSeriesPredictor(
                prediction_length=horizon, target="y", eval_metric="MASE", quantile_levels=QUANTILES,
                known_covariates_names=known, path=str(Path(tempfile.mkdtemp()) / name), verbosity=0,
            ).fit(frame(_first_fit(long, horizon, args.windows)), hyperparameters=model_set("medium"),
                  time_limit=args.budget, random_seed=args.seed)
    predictor = cache[name, args.seed]
    future = frame(_window_rows(long, horizon, w, args.windows)[["item_id", "ds", *known]]) if known else None
    return _as_answer(predictor.predict(frame(_history(long, horizon, w, args.windows)), known_covariates=future))


def autoets(long, df, name, horizon, season, w, args):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    history = _history(long, horizon, w, args.windows)[["item_id", "ds", "y"]].rename(columns={"item_id": "unique_id"})
    sf = StatsForecast(models=[AutoETS(season_length=season)], freq=pd.infer_freq(history["ds"].drop_duplicates()
                                                                                   .sort_values()[:10]) or "MS")
    levels = [80, 60, 40, 20]
    out = sf.forecast(df=history, h=horizon, level=levels).rename(columns={"unique_id": "item_id"})
    out["point"] = out["AutoETS"]
    for level in levels:  # the deciles from the central intervals
        lo, hi = (100 - level) / 200, 1 - (100 - level) / 200
        out[str(round(lo, 1))] = out[f"AutoETS-lo-{level}"]
        out[str(round(hi, 1))] = out[f"AutoETS-hi-{level}"]
    out["0.5"] = out["point"]
    return out


def naive(long, df, name, horizon, season, w, args):
    history = _history(long, horizon, w, args.windows)
    parts = []
    for item, s in history.groupby("item_id"):
        last = s["y"].to_numpy()[-season:]
        step = s["ds"].diff().mode().iloc[0]
        dates = pd.date_range(s["ds"].iloc[-1], periods=horizon + 1, freq=pd.infer_freq(s["ds"].iloc[-10:]) or step)[1:]
        point = np.resize(last, horizon)
        parts.append(pd.DataFrame({"item_id": item, "ds": dates, "point": point,
                                   **{str(q): point for q in QUANTILES}}))
    return pd.concat(parts)


def score(long, forecast, horizon, season, w, windows) -> tuple[float, float, float]:
    """MASE, WQL and 80% coverage of one window's forecast."""
    cut = (windows - w) * horizon
    mases, losses, weights, inside, counted = [], 0.0, 0.0, 0, 0
    for item, s in long.groupby("item_id"):
        history, actual = s.iloc[:-cut], s.iloc[-cut:][: horizon]
        f = forecast[forecast["item_id"].astype(str) == str(item)].sort_values("ds").head(horizon)
        y, point = actual["y"].to_numpy(dtype=float), f["point"].to_numpy(dtype=float)
        past = history["y"].to_numpy(dtype=float)
        scale = np.mean(np.abs(past[season:] - past[:-season]))  # the in-sample seasonal naive error
        mases.append(np.mean(np.abs(y - point)) / scale)
        for q in QUANTILES:
            pred = f[str(q)].to_numpy(dtype=float)
            losses += 2 * np.sum(np.abs((y - pred) * ((y <= pred) - q)))
        weights += np.sum(np.abs(y)) * len(QUANTILES)
        inside += int(np.sum((y >= f["0.1"].to_numpy(dtype=float)) & (y <= f["0.9"].to_numpy(dtype=float))))
        counted += len(y)
    return float(np.mean(mases)), losses / weights, inside / counted


if __name__ == "__main__":
    main()
