"""A forecast run on the pages (issue 32): Evaluate shows its backtest, Explain which columns it uses, Predict
its forecast, Deploy names it, Monitor says it watches tables only; Runs lists it."""

import pandas as pd

from tests.app.helpers import open_page, texts
from tests.helpers import wait_for


def test_the_runs_page_lists_forecast_runs_with_their_test_error(forecasts, monkeypatch):
    at = open_page("pages/runs.py", forecasts.root, monkeypatch)
    table = next(df.value for df in at.dataframe if "run" in df.value.columns)
    row = table[table["run"] == forecasts.arrivals_run].iloc[0]
    assert row["type"] == "forecast" and row["metric"] == "MASE" and str(row["test value"]).startswith("0.")
    assert not at.exception and not at.error


def _on_run(at, page: str, run_id: str):
    at.selectbox(key=f"{page}.run").select(run_id).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_evaluate_shows_a_forecasts_backtest_in_words_numbers_and_a_chart_per_series(forecasts, monkeypatch):
    at = _on_run(open_page("pages/evaluate.py", forecasts.root, monkeypatch), "evaluate", forecasts.arrivals_run)
    summary = forecasts.train_json
    assert any(i.value.startswith("Over the last 8 quarters (2 windows of 4 quarters)") and "repeating the last "
               "season (MASE" in i.value for i in at.info), [i.value for i in at.info]
    labels = {m.label: m.value for m in at.metric}
    assert labels["MASE ★"] == f"{summary['mase']:.3f}" and labels["Inside the 80% band"].endswith("%")
    assert "Mean error (arrivals)" in labels
    page = texts(at)
    # the column's name enters Markdown as code
    assert "On average the forecast is off by" in page and "`arrivals` per step" in page
    windows = next(d.value for d in at.dataframe if "inside the 80% band" in d.value.columns)
    assert len(windows) == 2
    by_series = next(d.value for d in at.dataframe if "error / season's" in d.value.columns)
    assert set(by_series["series"]) == {"Japan", "NZ", "UK", "US"}
    assert at.selectbox(key=f"evaluate.series.{forecasts.arrivals_run}").value == by_series["series"].iloc[-1]
    board = next(d.value for d in at.dataframe if "validation MASE" in d.value.columns)
    assert "SeasonalNaive" in set(board["model"])
    assert len(at.get("plotly_chart")) == 1 and not at.error
    at.selectbox(key=f"evaluate.series.{forecasts.arrivals_run}").select("Japan").run()
    assert not at.exception and len(at.get("plotly_chart")) == 1


def test_predict_shows_every_series_forecast_with_its_band_and_a_download(forecasts, monkeypatch):
    at = _on_run(open_page("pages/predict.py", forecasts.root, monkeypatch), "predict", forecasts.arrivals_run)
    table = next(d.value for d in at.dataframe if "forecast" in d.value.columns)
    assert list(table.columns) == ["origin", "quarter", "forecast", *[f"p{i}0" for i in range(1, 10)]]
    assert len(table) == 16 and set(table["origin"]) == {"Japan", "NZ", "UK", "US"}
    assert set(table["quarter"].str[:7]) == {"2012-10", "2013-01", "2013-04", "2013-07"}  # after 2012-Q3
    assert (table["p10"] <= table["forecast"]).all() and (table["forecast"] <= table["p90"]).all()
    assert len(at.get("plotly_chart")) == 1 and len(at.get("download_button")) == 1 and not at.error


def test_predict_offers_the_coming_values_of_columns_known_in_advance_to_change(forecasts, monkeypatch):
    at = _on_run(open_page("pages/predict.py", forecasts.root, monkeypatch), "predict", forecasts.seatbelts_run)
    assert any("known in advance: their values for the next 12 months of every series are below, starting from "
               "each series' last values" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.error
    table = next(d.value for d in at.dataframe if "forecast" in d.value.columns)  # the last values, carried on
    assert list(table["month"]) == list(pd.date_range("1985-01-01", periods=12, freq="MS").strftime("%Y-%m-%d"))
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the empty rows as a template", "Download the forecast (CSV)"]
    assert "What if?" in [s.value for s in at.subheader]


def test_predict_forecasts_an_uploaded_history_with_the_coming_known_values(forecasts, monkeypatch):
    from tests.helpers import SAMPLES

    at = _on_run(open_page("pages/predict.py", forecasts.root, monkeypatch), "predict", forecasts.seatbelts_run)
    at.radio(key=f"predict.forecast.source.{forecasts.seatbelts_run}").set_value("file").run()
    df = pd.read_csv(SAMPLES / "seatbelts_monthly.csv")[["month", "drivers", "law", "PetrolPrice", "kms"]]
    df = df[df["month"] < "1984-01-01"]  # history to the end of 1983, then its coming year's covariates
    coming = pd.DataFrame({"month": pd.date_range("1984-01-01", periods=12, freq="MS").strftime("%Y-%m-%d"),
                           "law": 1, "PetrolPrice": 0.11, "kms": 20000})
    upload = pd.concat([df, coming]).to_csv(index=False).encode()
    at.file_uploader(key="predict.forecast.file").upload("seatbelts_1983.csv", upload, "text/csv")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    table = next(d.value for d in at.dataframe if "forecast" in d.value.columns)
    assert list(table["month"]) == list(coming["month"])
    assert "What if?" in [s.value for s in at.subheader]
    assert "Change a value of `law`, `PetrolPrice`, `kms` above to see the forecast move." in texts(at)


def test_predict_says_in_one_sentence_why_an_uploaded_file_cannot_be_forecast(forecasts, monkeypatch):
    at = _on_run(open_page("pages/predict.py", forecasts.root, monkeypatch), "predict", forecasts.arrivals_run)
    at.radio(key=f"predict.forecast.source.{forecasts.arrivals_run}").set_value("file").run()
    at.file_uploader(key="predict.forecast.file").upload("wrong.csv", b"origin,when,arrivals\nJapan,x,1\n", "text/csv")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["The rows lack the column(s) `quarter` the forecast was trained with."]


def test_deploy_names_a_forecast_and_monitor_scores_its_forecasts_when_actuals_come(forecasts, monkeypatch,
                                                                                      tmp_path):
    from tests.helpers import SAMPLES, copy_workspace

    root = copy_workspace(forecasts.root, tmp_path / "ws")
    at = _on_run(open_page("pages/deploy.py", root, monkeypatch), "deploy", forecasts.arrivals_run)
    at.text_input(key="deploy.name").set_value("arrivals")
    at.button(key="deploy.create").click().run()
    assert [s.value for s in at.success] == [f"arrivals serves run {forecasts.arrivals_run}."]
    assert not at.exception and not at.error
    monitor = open_page("pages/monitor.py", root, monkeypatch)
    assert any(i.value.startswith("No forecast made through arrivals yet.") for i in monitor.info)

    # a forecast through the deployment on Predict is kept (once, however often the page redraws)
    predict = open_page("pages/predict.py", root, monkeypatch)
    assert predict.selectbox(key="predict.via").value == "arrivals"
    assert "Kept under deployment **arrivals**" in texts(predict)
    predict.run()
    monitor = open_page("pages/monitor.py", root, monkeypatch)
    table = next(d.value for d in monitor.dataframe if "steps with actuals" in d.value.columns)
    assert len(table) == 1 and table["steps"].iloc[0] == 16 and table["steps with actuals"].iloc[0] == 0

    # the actual values come: the forecast of 2012-Q4 to 2013-Q3 is scored where they cover it
    actual = pd.read_csv(SAMPLES / "arrivals_quarterly.csv")
    coming = actual[actual["quarter"] >= "2011-10-01"].copy()
    coming["quarter"] = pd.to_datetime(coming["quarter"]) + pd.DateOffset(years=1)  # a year on: 2012-10 to 2013-07
    monitor.file_uploader(key="monitor.forecast.actuals.arrivals").upload(
        "actuals.csv", coming.assign(quarter=coming["quarter"].dt.strftime("%Y-%m-%d")).to_csv(index=False).encode(),
        "text/csv")
    monitor.run()
    assert not monitor.exception and not monitor.error, [e.value for e in monitor.error]
    assert any("forecast step(s) of 1 forecast(s) scored" in s.value for s in monitor.success)
    table = next(d.value for d in monitor.dataframe if "steps with actuals" in d.value.columns)
    assert table["steps with actuals"].iloc[0] == 16 and table["mean error"].iloc[0] > 0
    assert len(monitor.get("plotly_chart")) == 1


def test_explain_says_a_forecast_without_other_columns_has_nothing_to_rank(forecasts, monkeypatch):
    at = _on_run(open_page("pages/explain.py", forecasts.root, monkeypatch), "explain", forecasts.arrivals_run)
    assert any("reads only each series' own past values of `arrivals`" in i.value for i in at.info)
    assert not at.error


def test_explain_ranks_the_columns_known_in_advance_per_model(forecasts, monkeypatch, tmp_path):
    from automl.store.workspace import Workspace
    from tests.helpers import copy_workspace

    root = copy_workspace(forecasts.root, tmp_path / "ws")
    at = _on_run(open_page("pages/explain.py", root, monkeypatch), "explain", forecasts.seatbelts_run)
    at.button(key="explain.forecast.start").click().run()
    ws = Workspace(root)
    (job,) = ws.list_jobs(kind="importance", run_id=forecasts.seatbelts_run)
    assert wait_for(ws, job.id).status == "succeeded", job.message
    at.run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "MASE increase when shuffled" in d.value.columns)
    assert set(table["column"]) == {"law", "PetrolPrice", "kms"}
    lines = [m.value for m in at.markdown if m.value.startswith("- `")]
    assert len(lines) == 3 and all("shuffled" in line for line in lines)
    models = at.selectbox(key=f"explain.forecast.model.{forecasts.seatbelts_run}").options
    assert len(models) >= 2 and models[0].endswith("(in use)")
