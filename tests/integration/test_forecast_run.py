"""A forecast as a run (issue 32): trained in a job, signed, evaluated on its backtest, forecast past the end of a
file (with covariates known in advance given for the future), through the CLI; table-only verbs refuse it."""

import json

import pandas as pd
import pytest

from automl.errors import SchemaMismatchError, TaskKindError
from tests.helpers import SAMPLES, run_cli


def test_the_cli_trains_a_forecast_and_reports_its_backtest(forecasts):
    result = forecasts.train_json
    assert result["task"] == "forecast" and result["horizon"] == 4 and result["series"] == 4
    assert result["mase"] > 0 and result["baseline_mase"] > 0 and 0 <= result["coverage_80"] <= 1
    assert [w["window"] for w in result["windows"]] == [1, 2]
    assert {r["series"] for r in result["series_errors"]} == {"Japan", "NZ", "UK", "US"}
    assert "SeasonalNaive" in {r["model"] for r in result["leaderboard"]}
    assert result["sentence"].startswith("Over the last 8 quarters (2 windows of 4 quarters)")

    proc = run_cli("evaluate", forecasts.arrivals_run, workspace=forecasts.root)
    assert proc.returncode == 0, proc.stderr
    assert "repeating the last season" in proc.stdout and "inside the 80% band" in proc.stdout
    assert "Japan" in proc.stdout  # the per-series table


def test_the_cli_forecasts_every_series_past_the_end_of_a_file(forecasts, tmp_path):
    history = pd.read_csv(SAMPLES / "arrivals_quarterly.csv")
    history = history[history["quarter"] < "2011-01-01"]  # a shorter history: the forecast starts after it
    history.to_csv(tmp_path / "history.csv", index=False)
    proc = run_cli("predict", forecasts.arrivals_run, str(tmp_path / "history.csv"), "--out", str(tmp_path / "f.csv"),
                   workspace=forecasts.root)
    assert proc.returncode == 0, proc.stderr
    out = pd.read_csv(tmp_path / "f.csv")
    assert list(out.columns[:3]) == ["origin", "quarter", "forecast"] and "p10" in out and "p90" in out
    assert len(out) == 16 and set(out["quarter"]) == {"2011-01-01", "2011-04-01", "2011-07-01", "2011-10-01"}
    assert (out["p10"] <= out["forecast"]).all() and (out["forecast"] <= out["p90"]).all()


def test_known_covariates_must_be_given_for_the_coming_steps(forecasts):
    from automl.model.forecast_run import load_forecast_run
    from automl.prediction.forecast import forecast_rows
    from automl.store.workspace import Workspace

    run = load_forecast_run(Workspace(forecasts.root), forecasts.seatbelts_run)
    df = pd.read_csv(SAMPLES / "seatbelts_monthly.csv")[["month", "drivers", "law", "PetrolPrice", "kms"]]
    with pytest.raises(SchemaMismatchError, match="known in advance: add 12 months of rows after the last value"):
        forecast_rows(run, df)
    future = pd.DataFrame({"month": pd.date_range("1985-01-01", periods=12, freq="MS").strftime("%Y-%m-%d"),
                           "law": 1, "PetrolPrice": 0.11, "kms": 20000})
    base = forecast_rows(run, pd.concat([df, future]))
    assert len(base) == 12 and base["month"].iloc[0] == "1985-01-01"
    # what-if: the coming year's covariates, as given, reach the model (a spy around the real predictor)
    from automl.model.forecast_run import load_forecaster

    real, seen = load_forecaster(run), {}

    class Spy:
        def predict(self, data, known_covariates=None, model=None):
            seen["known"] = known_covariates
            return real.predict(data, known_covariates=known_covariates, model=model)

    forecast_rows(run, pd.concat([df, future.assign(law=0, kms=30000)]), predictor=Spy())
    given = seen["known"].reset_index()
    assert (given["law"] == 0).all() and (given["kms"] == 30000).all() and len(given) == 12
    assert given["timestamp"].min() == pd.Timestamp("1985-01-01")


def test_a_forecast_run_is_signed_and_refused_by_table_verbs(forecasts):
    from automl.model.bundle import load_bundle, ready_runs
    from automl.model.forecast_run import load_forecast_run, load_forecaster
    from automl.store.workspace import Workspace

    ws = Workspace(forecasts.root)
    with pytest.raises(TaskKindError, match="is a forecast of `arrivals`; this works on models of tables only"):
        load_bundle(ws, forecasts.arrivals_run)
    assert forecasts.arrivals_run not in ready_runs(ws)
    assert forecasts.arrivals_run in ready_runs(ws, forecasts=True)
    proc = run_cli("explain", forecasts.arrivals_run, str(SAMPLES / "arrivals_quarterly.csv"), "--out", "x.html",
                   workspace=forecasts.root)
    assert proc.returncode == 2 and "is a forecast" in proc.stderr

    run = load_forecast_run(ws, forecasts.arrivals_run)
    assert load_forecaster(run).model_names()
    metrics = run.files.metrics
    saved = metrics.read_bytes()
    try:
        metrics.write_bytes(saved.replace(b'"horizon": 4', b'"horizon": 5'))
        with pytest.raises(Exception, match="signature|changed|tamper"):
            load_forecaster(load_forecast_run(ws, forecasts.arrivals_run))
    finally:
        metrics.write_bytes(saved)
    assert json.loads(saved)["horizon"] == 4


def test_the_template_of_the_coming_rows_once_filled_is_forecast(forecasts):
    """Predict's template (each series' next times, known columns to fill), filled and appended, forecasts."""
    from automl.model.forecast_run import load_forecast_run
    from automl.prediction.forecast import forecast_rows, future_template
    from automl.store.workspace import Workspace

    run = load_forecast_run(Workspace(forecasts.root), forecasts.seatbelts_run)
    df = pd.read_csv(SAMPLES / "seatbelts_monthly.csv")[["month", "drivers", "law", "PetrolPrice", "kms"]]
    template = future_template(run, df)
    assert list(template.columns) == ["month", "drivers", "law", "PetrolPrice", "kms"]
    assert list(template["month"]) == list(pd.date_range("1985-01-01", periods=12, freq="MS").strftime("%Y-%m-%d"))
    assert template[["drivers", "law", "PetrolPrice", "kms"]].isna().all().all()
    filled = template.assign(law=1, PetrolPrice=0.11, kms=20000)
    out = forecast_rows(run, pd.concat([df, filled], ignore_index=True))
    assert list(out["month"]) == list(template["month"])

    arrivals = load_forecast_run(Workspace(forecasts.root), forecasts.arrivals_run)
    rows = future_template(arrivals, pd.read_csv(SAMPLES / "arrivals_quarterly.csv"))
    assert len(rows) == 16 and set(rows["origin"]) == {"Japan", "NZ", "UK", "US"}
    assert set(rows["quarter"]) == {"2012-10-01", "2013-01-01", "2013-04-01", "2013-07-01"}


def test_stop_keeps_the_models_fitted_so_far(tmp_path):
    """Once stop is asked, the model being fitted finishes and no other starts; the best of those is kept."""
    from automl.training.forecast import fit_forecast
    from automl.training.forecast_models import MODEL_SETS

    df = pd.read_csv(SAMPLES / "arrivals_quarterly.csv")
    heard: list[str] = []
    fit = fit_forecast(df, time_column="quarter", value_column="arrivals", series_column="origin", horizon=4,
                       path=tmp_path / "p", models="fast", time_limit=60, on_model=heard.append,
                       should_stop=lambda: len(heard) >= 3)  # asked once the second model has trained
    trained = set(fit.predictor.model_names())  # AutoGluon orders the models itself: the first two it started
    first, rest = heard[:2], set(MODEL_SETS["fast"]) - set(heard[:2])
    assert set(heard) == set(MODEL_SETS["fast"]) and set(first) <= trained and not trained & rest
    assert fit.model in trained and fit.mase > 0  # scored as any run
