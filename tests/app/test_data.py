"""The Data page: samples, uploads, alerts, the target, deleting (Streamlit's AppTest)."""

from tests.app.helpers import open_page, texts, with_sample


def test_picking_a_sample_stores_it_and_shows_its_columns(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    assert not at.exception
    assert (tmp_path / "ws" / "datasets").iterdir().__next__().joinpath("data.parquet").exists()
    assert len(at.dataframe) == 2  # preview and column profile
    profile = at.dataframe[1].value
    assert profile.set_index("column").loc["sex", "missing"] == 11


def test_a_dataset_is_deleted_from_the_data_page_after_confirming(tmp_path, monkeypatch):
    from automl.store.workspace import Workspace

    at = with_sample(tmp_path, monkeypatch, "penguins")
    assert not at.exception
    (dataset,) = Workspace(tmp_path / "ws").list_datasets()
    assert at.button(key="data.delete").disabled
    at.checkbox(key=f"data.confirm_delete.{dataset.id}").check()
    at.run()
    at.button(key="data.delete").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert Workspace(tmp_path / "ws").list_datasets() == []
    assert "No dataset yet" in texts(at)


def test_a_bad_upload_shows_one_line_and_the_app_keeps_working(tmp_path, monkeypatch):
    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    at.file_uploader(key="data.upload").upload("garbage.csv", bytes(range(256)) * 20, "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error and "binary" in at.error[0].value
    assert not list((tmp_path / "ws" / "datasets").iterdir()), "nothing is stored"
    at.file_uploader(key="data.upload").upload("ok.csv", b"a;b;c\n1;x;$1,000\n2;y;$2,500\n3;x;$300\n", "text/csv")
    at.run()
    assert not at.exception
    assert any("Stored ok\\.csv: 3 rows" in s.value for s in at.success)  # escaped: shown as written
    assert "`c`: text read as number (thousands separators, currency symbols)." in texts(at)


def test_alerts_offer_to_exclude_a_column_and_train_starts_from_it(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    assert "looks like an identifier" in texts(at)
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    assert not at.exception
    assert "Left out of training." in texts(at)
    at.switch_page("pages/train.py")
    at.run()
    excluded = next(m for m in at.multiselect if m.label == "Columns to leave out")
    assert excluded.value == ["name"]


def test_identifier_and_leak_alerts_are_left_out_by_default_unless_included(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.switch_page("pages/train.py")
    at.run()
    assert next(m for m in at.multiselect if m.label == "Columns to leave out").value == ["name"]
    at.switch_page("pages/data.py")
    at.run()
    next(b for b in at.button if b.label == "Exclude").click()
    at.run()
    next(b for b in at.button if b.label == "Include").click()  # the user wants it in after all
    at.run()
    at.switch_page("pages/train.py")
    at.run()
    assert next(m for m in at.multiselect if m.label == "Columns to leave out").value == []


def test_the_target_chosen_on_data_is_the_one_clean_and_train_start_from(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    from automl.store.workspace import Workspace

    (dataset,) = Workspace(tmp_path / "ws").list_datasets()
    at.selectbox(key=f"data.target.{dataset.id}").select("island")
    at.run()
    at.switch_page("pages/clean.py")
    at.run()
    assert at.selectbox(key=f"clean.label.{dataset.id}").value == "island"
    at.switch_page("pages/train.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key=f"train.label.{dataset.id}").value == "island"
    at.selectbox(key=f"train.label.{dataset.id}").select("species")  # changed on Train: Data follows
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert at.selectbox(key=f"data.target.{dataset.id}").value == "species"


def test_the_association_heatmap_says_which_columns_it_leaves_out(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "titanic")
    at.toggle(key="data.assoc").set_value(True).run()
    assert not at.exception
    shown = texts(at)
    assert "4 of 5 columns shown. Left out: `name`" in shown, shown  # the passengers' names: an identifier


def test_a_table_with_dates_is_described_as_time_series_with_what_would_break_a_forecast(tmp_path, monkeypatch):
    """Issue 32: the Data page recognises series, their frequency and span, and says what needs fixing."""
    from tests.helpers import SAMPLES

    at = open_page("pages/data.py", tmp_path / "ws", monkeypatch)
    data = (SAMPLES / "arrivals_quarterly.csv").read_text().splitlines()
    gapped = "\n".join(data[:5] + data[8:] + data[1:3]) + "\n"  # Japan misses 3 quarters; 2 rows repeated
    at.file_uploader(key="data.upload").upload("arrivals.csv", gapped.encode(), "text/csv")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    assert "A time series: 4 series by `origin`, quarterly, 1981-Q1 to 2012-Q3 (by `quarter`)." in shown
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("2 (series, time) pairs appear more than once") and "**Fix:**" in w for w in warnings)
    assert any(w.startswith("1 series misses 3 quarters") for w in warnings)
    assert "To forecast it, choose **Forecast a value over time** on the Train page." in shown

    # Train offers the forecast, and its check refuses the repeated pairs in one sentence, with nothing to start
    at.switch_page("pages/train.py")
    at.run()
    task = next(r for r in at.radio if r.label == "What to learn")
    assert task.value == "table"  # an upload starts as a table: the forecast is one click away
    task.set_value("forecast").run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("2 (series, time) pairs appear more than once"), errors
    start = next(b for b in at.button if b.key.endswith(".start"))
    assert start.disabled


def test_a_table_without_dates_has_no_time_series_section(tmp_path, monkeypatch):
    at = with_sample(tmp_path, monkeypatch, "penguins")
    assert not at.exception and "Time series" not in [h.value for h in at.subheader]
