"""Training a forecast from the Train page (issue 32): offered when the table has dates, set up in the
calendar's words, checked before it starts, one sentence for what cannot work, the choices kept across a
refresh, and the job followed live to its backtest."""

from tests.app.helpers import open_page, texts, with_sample
from tests.helpers import wait_for


def _forecast_page(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "arrivals")
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_table_with_dates_opens_train_on_the_forecast_form_in_calendar_words(tmp_path, monkeypatch):
    at = _forecast_page(tmp_path, monkeypatch)
    (task,) = [r for r in at.radio if r.label == "What to learn"]
    assert task.value == "forecast"  # the sample is a forecast: Train opens on its form
    key = f"forecast.{task.key.rsplit('.', 1)[1]}"
    assert at.selectbox(key=f"{key}.value").value == "arrivals"
    assert at.selectbox(key=f"{key}.series").value == "origin"
    assert at.number_input(key=f"{key}.horizon").label == "How far ahead (quarters)"
    assert at.number_input(key=f"{key}.horizon").value == 8
    page = texts(at)
    assert "Forecast the next 8 quarters of every series." in page
    assert "A time series of `arrivals`: 4 series by `origin`, quarterly, 1981-Q1 to 2012-Q3" in page
    assert "Test: the last 16 quarters of every series (2 window(s) of 8 quarters)" in page
    assert not at.error

    # a horizon longer than the history: one sentence, and nothing to start
    at.number_input(key=f"{key}.horizon").set_value(60).run()
    assert [e.value for e in at.error] and at.error[0].value.startswith("The horizon is too long for the history")
    assert at.button(key=f"{key}.start").disabled

    # the choices are the dataset's: a fresh session (a browser refresh) opens the form as it was left
    at.number_input(key=f"{key}.horizon").set_value(4).run()
    again = open_page("pages/train.py", tmp_path / "ws", monkeypatch)
    assert again.number_input(key=f"{key}.horizon").value == 4
    assert not again.error

    # the table view is one click away, and a table run is still trained the old way
    again.radio(key=task.key).set_value("table").run()
    assert "Column to predict (target)" in [s.label for s in again.selectbox]


def test_training_a_forecast_from_the_page_runs_the_job_to_its_backtest(tmp_path, monkeypatch):
    from automl.store.workspace import Workspace

    at = _forecast_page(tmp_path, monkeypatch)
    key = next(n.key for n in at.number_input if n.key.endswith(".horizon")).removesuffix(".horizon")
    at.number_input(key=f"{key}.horizon").set_value(4)
    at.radio(key=f"{key}.preset").set_value("fast")
    at.number_input(key=f"{key}.budget").set_value(20)
    at.run()
    at.button(key=f"{key}.start").click().run()
    assert not at.error and not at.exception
    ws = Workspace(tmp_path / "ws")
    (run,) = ws.list_runs()
    assert run.problem_type == "forecast" and run.label == "arrivals"
    assert wait_for(ws, run.id).status == "succeeded"
    at.run()
    page = texts(at)
    assert "Succeeded" in page and "model(s) fitted" in page
    boards = [d.value for d in at.dataframe if "validation MASE" in d.value.columns]
    assert boards and (boards[0]["validation MASE"] > 0).all()  # MASE as users read it, not AutoGluon's -MASE
