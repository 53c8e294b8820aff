"""Same rows, same answer: the model input built at training equals the one every prediction path builds.

Training reads a file through ingest (types found once) and records how it read each column; the batch
file reader, the form / request rows and the CLI's file reader replay exactly that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from automl.data.datasets import import_table
from automl.model.bundle import Bundle
from automl.model.model_input import read_file, read_plan, replay_frame, to_model_input
from automl.prediction.files import predict_csv
from automl.prediction.rows import predict_frame
from automl.model.schema import build_schema
from automl.model.scoring import RunMetrics
from tests.helpers import SAMPLES
from tests.messy import VARIANTS, messy_frame, write_variant

LABEL = "expensive"


class RecordingPredictor:
    """Predicts "low" with 0.5 and keeps every frame it was given, to compare model inputs."""

    class_labels = ["high", "low"]
    positive_class = "high"

    def __init__(self) -> None:
        self.seen: list[pd.DataFrame] = []

    def predict(self, X: pd.DataFrame, model: str | None = None) -> pd.Series:  # a regressor's one call
        self.seen.append(X.copy())
        return pd.Series("low", index=X.index)

    def predict_proba(self, X: pd.DataFrame, model: str | None = None) -> pd.DataFrame:  # a classifier's
        self.seen.append(X.copy())
        return pd.DataFrame({"high": 0.5, "low": 0.5}, index=X.index)

    def predict_from_proba(self, proba: pd.DataFrame) -> pd.Series:
        return pd.Series("low", index=proba.index)


def _trained_on(ws, path, label: str, problem_type: str = "binary"):
    """What training does with a file: ingest it, record how each column was read, build the model input."""
    info, _ = import_table(ws, path)
    df = ws.load_dataset(info.id)
    reads = read_plan(df, info.meta["ingest"]["conversions"])
    rows, _ = replay_frame(df, reads)
    classes = sorted(rows[label].dropna().unique().tolist()) if problem_type != "regression" else None
    schema = build_schema(rows, label, problem_type, classes, reads)
    expected, _, unreadable = to_model_input(schema, rows)
    return schema, expected, unreadable


def _bundle(tmp_path, schema) -> Bundle:
    return Bundle(run_id="run-parity", run_dir=tmp_path, predictor_path=tmp_path / "predictor", schema=schema,
                  metrics=RunMetrics("binary", "accuracy", None, best_model="Fake", positive_class="high"), config={})


def _assert_same_input(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(actual.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    for col in expected.columns:  # same kind of values per column: numbers, booleans, dates, text
        assert actual[col].dtype.kind == expected[col].dtype.kind or actual[col].dtype.kind in "bO" \
            and expected[col].dtype.kind in "bO", col


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_prediction_path_reads_a_messy_file_as_training_did(ws, tmp_path, variant):
    encoding, sep, eu, compressed = VARIANTS[variant]
    text = messy_frame(eu=eu)
    path = tmp_path / ("messy.csv.gz" if compressed else "messy.csv")
    write_variant(text, path, encoding, sep, compressed)
    schema, expected, unreadable = _trained_on(ws, path, LABEL)

    # what training made of it: typed values, not missing ones
    assert expected["price"].tolist()[:3] == [float(v.replace("$", "").replace(",", "").replace(".", "")
                                                    .replace(" €", "")) for v in text["price"][:3]]
    assert expected["discount"].between(0, 0.5).all()
    assert expected["in_stock"].dtype == bool and expected["in_stock"].sum() == (text["in_stock"] == "t").sum()
    assert pd.api.types.is_datetime64_any_dtype(expected["listed"])
    assert expected["listed"].iloc[0] == pd.Timestamp(pd.to_datetime(text["listed"][0], dayfirst=True))
    assert expected["weight"].isna().sum() == 1 and expected["weight"].iloc[0] == pytest.approx(
        float(text["weight"][0].replace(".", "").replace(",", ".") if eu else text["weight"][0].replace(",", "")))
    assert "None" in set(expected["colour"]) and expected["colour"].notna().all()  # a category named None
    assert set(expected["maker"]) == {"Zoë", "Müller", "Café Noir", "Søren"}
    assert expected["note"].isna().sum() == text["note"].isin(["NA", "", "?"]).sum()
    assert set(expected["gift"]) == {"yes", "no"}
    assert not unreadable.counts

    # batch: the file streamed in chunks, as the page and `predict` do
    predictor = RecordingPredictor()
    report = predict_csv(predictor, _bundle(tmp_path, schema), path, tmp_path / "out.csv", chunk_rows=128)
    _assert_same_input(pd.concat(predictor.seen), expected)
    assert report.rows == len(text) and not report.coerced_to_missing
    assert not any("could not be read" in line for line in report.lines())
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == len(text)

    # the CLI's readers (explain, evaluate --data): the whole file
    whole, _, bad = read_file(schema, path, keep=(LABEL,))
    _assert_same_input(whole.drop(columns=[LABEL]), expected)
    assert whole[LABEL].tolist() == text[LABEL].tolist() and not bad.counts

    # the form and a request body: the cells as typed (text), and as values already read
    typed_rows = [{k: v for k, v in row.items()} for row in text.drop(columns=[LABEL]).to_dict("records")]
    predictor = RecordingPredictor()
    predict_frame(predictor, _bundle(tmp_path, schema), pd.DataFrame(typed_rows))
    _assert_same_input(predictor.seen[0], expected)
    again, _, _ = to_model_input(schema, pd.DataFrame(expected.to_dict("records")))
    _assert_same_input(again, expected)


@pytest.mark.parametrize("sample,label", [("titanic", "survived"), ("penguins", "species"), ("diamonds", "price")])
def test_sample_datasets_read_the_same_for_training_and_prediction(ws, tmp_path, sample, label):
    path = SAMPLES / f"{sample}.csv"
    schema, expected, _ = _trained_on(ws, path, label, "regression" if label == "price" else "multiclass")
    predictor = RecordingPredictor()
    predict_csv(predictor, _bundle(tmp_path, schema), path, tmp_path / "out.csv", chunk_rows=97)
    _assert_same_input(pd.concat(predictor.seen), expected)
    whole, _, _ = read_file(schema, path)
    _assert_same_input(whole, expected)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=[label])
    _assert_same_input(to_model_input(schema, rows)[0], expected)


def test_a_value_that_cannot_be_read_is_reported_with_its_rows(ws, tmp_path):
    text = messy_frame(40)
    write_variant(text, tmp_path / "train.csv", "utf-8", ",", False)
    schema, _, _ = _trained_on(ws, tmp_path / "train.csv", LABEL)
    new = text.copy()
    new.loc[4, "price"] = "about 2k"
    new.loc[9, "in_stock"] = "maybe"
    write_variant(new, tmp_path / "new.csv", "utf-8", ",", False)
    report = predict_csv(RecordingPredictor(), _bundle(tmp_path, schema), tmp_path / "new.csv",
                         tmp_path / "out.csv", chunk_rows=3)
    assert report.coerced_to_missing == {"price": 1, "in_stock": 1}
    lines = " ".join(report.lines())
    assert "`price` could not be read as numbers (row 5)" in lines
    assert "`in_stock` could not be read as true / false (row 10)" in lines


@pytest.mark.parametrize("encoding,values", [
    ("cp1251", ["Москва", "Санкт-Петербург", "Казань", "Нижний Новгород"]),
    ("cp1250", ["Praha", "Brno", "Ostrava – žluťoučký kůň", "Łódź"]),
    ("shift_jis", ["東京", "大阪", "名古屋", "札幌"]),
])
def test_legacy_encodings_read_right_for_training_and_prediction(ws, tmp_path, encoding, values):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"city": rng.choice(values, 200), "rooms": rng.integers(1, 5, 200),
                          "sold": rng.choice(["yes", "no"], 200)})
    path = tmp_path / "cities.csv"
    path.write_bytes(frame.to_csv(index=False).encode(encoding))
    schema, expected, _ = _trained_on(ws, path, "sold")
    assert set(expected["city"]) == set(frame["city"])
    predictor = RecordingPredictor()
    predict_csv(predictor, _bundle(tmp_path, schema), path, tmp_path / "out.csv")
    _assert_same_input(pd.concat(predictor.seen), expected)


def test_old_schemas_without_recorded_reads_still_read_numbers_and_text(tmp_path):
    frame = pd.DataFrame({"age": [30.0, 40.0], "sex": ["male", "None"], "y": ["a", "b"]})
    schema = build_schema(frame, "y", "binary", ["a", "b"])  # as runs trained before this change
    X, _, bad = to_model_input(schema, pd.DataFrame({"age": ["31", "x"], "sex": ["None", "NA"]}))
    assert X["age"].tolist()[0] == 31.0 and pd.isna(X["age"].iloc[1]) and bad.counts == {"age": 1}
    assert X["sex"].tolist()[0] == "None" and pd.isna(X["sex"].iloc[1])


def test_new_dates_are_not_reported_as_unseen_categories(ws, tmp_path):
    text = messy_frame(200)
    write_variant(text, tmp_path / "train.csv", "utf-8", ",", False)
    schema, _, _ = _trained_on(ws, tmp_path / "train.csv", LABEL)
    later = messy_frame(50, seed=9)
    later["listed"] = "02/03/2024"
    write_variant(later, tmp_path / "later.csv", "utf-8", ",", False)
    report = predict_csv(RecordingPredictor(), _bundle(tmp_path, schema), tmp_path / "later.csv", tmp_path / "o.csv")
    assert not any("listed" in line for line in report.lines())


def test_a_requests_few_text_values_are_read_exactly_as_the_vectorised_reader_reads_them(monkeypatch):
    """The endpoint's fast path for a text column's few values (plain Python) against the pandas path a
    batch file takes: the same values, the same missing markers, the same refusals, on random columns."""
    import random

    import automl.model.model_input as mi
    from automl.model.schema import ColumnRead

    rng = random.Random(0)
    pool = ["a", " a", "b ", "", "  ", "NA", " n/a ", "null", "None", "-", "?", 1, 2.0, 2.5, True, False, None,
            np.nan, "1,234", "x y", "NaN", "#N/A", np.int64(3), np.float64(4.0)]
    read = ColumnRead("c", "text")
    for _ in range(300):
        column = pd.Series([rng.choice(pool) for _ in range(rng.randint(1, 30))], dtype=object)
        fast_values, fast_bad = mi.replay_column(column, read)
        monkeypatch.setattr(mi, "_FEW", -1)  # every column down the vectorised path
        slow_values, slow_bad = mi.replay_column(column, read)
        monkeypatch.undo()
        assert fast_values.equals(slow_values) and np.array_equal(fast_bad, slow_bad), list(column)
