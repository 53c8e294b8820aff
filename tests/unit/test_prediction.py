import pandas as pd
import pytest

from automl.errors import SchemaMismatchError
from automl.data.spreadsheet import escape_formulas
from automl.prediction.files import predict_csv
from automl.prediction.rows import predict_frame
from automl.model.schema import typical_row
from tests.unit.fakes import FakeBinaryPredictor, FakeRegressor, fake_bundle, people


def test_frame_prediction_has_prediction_and_probabilities(tmp_path):
    bundle = fake_bundle(tmp_path)
    out, report = predict_frame(FakeBinaryPredictor(), bundle, people(10))
    assert list(out.columns) == ["prediction", "proba_no", "proba_yes"]
    assert ((out["proba_no"] + out["proba_yes"]).round(9) == 1).all()
    assert report.rows == 10


def test_missing_columns_are_named(tmp_path):
    bundle = fake_bundle(tmp_path)
    with pytest.raises(SchemaMismatchError, match="age"):
        predict_frame(FakeBinaryPredictor(), bundle, people(5).drop(columns=["age"]))


def test_extra_columns_reorder_and_bad_numbers_are_reported(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(4)[["sex", "age"]].assign(notes="x")
    rows["age"] = rows["age"].astype(object)
    rows.iloc[0, rows.columns.get_loc("age")] = "forty"
    out, report = predict_frame(FakeBinaryPredictor(), bundle, rows)
    assert len(out) == 4
    assert report.ignored_columns == ["notes"]
    assert report.coerced_to_missing == {"age": 1}
    assert any("forty" not in line and "age" in line for line in report.lines())


def test_regression_has_no_probabilities(tmp_path):
    bundle = fake_bundle(tmp_path, "regression")
    out, _ = predict_frame(FakeRegressor(), bundle, people(3))
    assert list(out.columns) == ["prediction"]


def test_csv_is_streamed_in_chunks_and_matches_frame_prediction(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(25)
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    rows.to_csv(src, index=False)
    seen = []
    report = predict_csv(FakeBinaryPredictor(), bundle, src, dst, chunk_rows=10, on_progress=seen.append)
    assert seen == [10, 20, 25]
    out = pd.read_csv(dst)
    assert len(out) == 25 == report.rows
    assert list(out.columns) == ["age", "sex", "survived", "prediction", "proba_no", "proba_yes",
                                 "unusual_inputs"]
    expected, _ = predict_frame(FakeBinaryPredictor(), bundle, rows)
    assert out["prediction"].tolist() == expected["prediction"].tolist()


def test_output_csv_cannot_carry_formulas(tmp_path):
    bundle = fake_bundle(tmp_path)
    rows = people(3).assign(comment=["=HYPERLINK(\"http://x\")", "-5", "@SUM(A1)"])
    src, dst = tmp_path / "in.csv", tmp_path / "out.csv"
    rows.to_csv(src, index=False)
    predict_csv(FakeBinaryPredictor(), bundle, src, dst)
    comments = pd.read_csv(dst)["comment"].tolist()
    assert comments[0].startswith("'=") and comments[2].startswith("'@")
    assert str(comments[1]) in ("-5", "-5.0")  # a negative number stays a number


def test_escape_formulas_leaves_plain_values():
    df = pd.DataFrame({"a": ["ok", "+cmd", None], "b": [1, -2, 3]})
    out = escape_formulas(df)
    assert out["a"].tolist()[:2] == ["ok", "'+cmd"] and out["b"].tolist() == [1, -2, 3]


def test_typical_row_uses_median_and_mode(tmp_path):
    bundle = fake_bundle(tmp_path)
    row = typical_row(bundle.schema)
    assert set(row) == {"age", "sex"}
    assert abs(row["age"] - people(2000)["age"].median()) <= 0.5
    assert row["sex"] in ("male", "female")


def test_one_row_of_a_csv_is_read_as_the_batch_reads_it(tmp_path):
    from automl.errors import DataLoadError
    from automl.prediction.rows import read_csv_row

    bundle = fake_bundle(tmp_path)
    path = tmp_path / "rows.csv"
    path.write_text("age ;sex;note\n30;male;x\nn/a;female;y\n", encoding="utf-8")
    second = read_csv_row(path, 2, bundle)
    assert list(second.index) == ["age", "sex"] and pd.isna(second["age"]) and second["sex"] == "female"
    assert read_csv_row(path, 1, bundle)["age"] == 30
    with pytest.raises(DataLoadError, match="no data row 3"):
        read_csv_row(path, 3, bundle)


def test_a_write_error_in_the_background_writer_reaches_the_caller_and_leaves_no_file(tmp_path, monkeypatch):
    from automl.prediction import writer

    bundle = fake_bundle(tmp_path)
    people(30).to_csv(tmp_path / "in.csv", index=False)
    calls = []

    def failing(frame, fh, header):
        calls.append(len(frame))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        fh.write(b"x\n")

    monkeypatch.setattr(writer, "write_csv", failing)
    with pytest.raises(OSError, match="No space left"):
        predict_csv(FakeBinaryPredictor(), bundle, tmp_path / "in.csv", tmp_path / "out.csv", chunk_rows=10)
    assert not (tmp_path / "out.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("out.csv") or ".tmp" in p.name]


def test_unseen_values_names_the_row_s_columns_training_never_saw(tmp_path):
    from automl.prediction.rows import unseen_values
    from tests.unit.fakes import fake_bundle

    bundle = fake_bundle(tmp_path)
    features = {f.name: f for f in bundle.schema.features}
    number = next(f for f in features.values() if f.numeric)
    category = next(f for f in features.values() if f.categories)
    typical = {f.name: (f.median if f.numeric else f.categories[0]) for f in features.values()}
    assert unseen_values(bundle, typical) == {}
    odd = {**typical, number.name: number.max * 10 + 1, category.name: "never-seen"}
    assert set(unseen_values(bundle, odd)) == {number.name, category.name}


def test_missing_is_the_typical_value_of_a_mostly_missing_column():
    """Issue 29, 15: the typical row offered `Misc_Feature = Shed` where 96% of houses have none."""
    import numpy as np

    from automl.model.schema import build_schema

    n = 500
    houses = pd.DataFrame({"misc": ["Shed"] * 20 + [None] * (n - 20), "veneer": [120.0] * 100 + [np.nan] * (n - 100),
                           "area": np.linspace(500, 3000, n), "price": np.linspace(1e5, 4e5, n)})
    row = typical_row(build_schema(houses, "price", "regression", None))
    assert row["misc"] is None and row["veneer"] is None and row["area"] == pytest.approx(1750)
