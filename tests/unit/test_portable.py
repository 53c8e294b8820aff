"""The exported scorer's parts without AutoGluon: it reads a column's text exactly as the app's reader replays
it, its trees give LightGBM's raw scores in double precision, and it imports nothing beyond numpy and
onnxruntime."""

import ast
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data.ingest import NA_VALUES
from automl.model.model_input import replay_column
from automl.model.schema import ColumnRead
from automl.portable.scorer import read_column

pytestmark = pytest.mark.unit

CASES = {
    ("number", "us", False): ["1,234.5", "$1,200", "12%", "(3.5)", "€ 7", "abc", "NA", "", " 42 ", "-0.5", "?"],
    ("number", "eu", False): ["1.234,5", "12,5 €", "3,5%", "(2,0)", "1.000", "x", "-"],
    ("number", "native", False): ["12", "1.5", "abc", "1,234", "nan", ""],
    ("boolean", "us", False): ["true", "False", "T", "f", "yes", "", "NA", "TRUE "],
    ("date", "us", False): ["2020-01-05", "01/05/2020", "13/04/2020", "2020-01-05 13:45", "2020/1/5", "5.1.20", "x",
                            "", "2020-02-30", "2020-01-05T01:02:03.5"],
    ("date", "us", True): ["2020-01-05", "01/05/2020", "04/13/2020", "05.01.2020", "5/1/99"],
    ("text", "us", False): ["a", " b ", "NA", "", "?", "None"],
}


def _plain(v, kind):
    if kind == "date":
        return None if pd.isna(v) else int(pd.Timestamp(v).value)
    return None if v is None or isinstance(v, float) and math.isnan(v) else v


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: "-".join(map(str, c)))
def test_the_scorer_reads_text_as_the_apps_reader_replays_it(case):
    kind, style, day_first = case
    read = ColumnRead("c", kind, style, day_first=day_first)
    values = CASES[case]
    app, _ = replay_column(pd.Series(values, dtype=object), read)
    ours = read_column(values, read.to_dict(), frozenset(NA_VALUES))
    assert [_plain(v, kind) for v in ours.tolist()] == [_plain(v, kind) for v in app.tolist()]


def test_json_values_are_read_as_the_endpoint_reads_them():
    read = ColumnRead("c", "text").to_dict()
    assert read_column([3.0, True, None, "x"], read, frozenset()).tolist() == ["3", "True", None, "x"]
    number = ColumnRead("n", "number", "native").to_dict()
    assert read_column([3, 2.5, None, True], number, frozenset()).tolist()[:2] == [3.0, 2.5]


def test_lightgbm_trees_in_onnx_give_its_raw_scores_to_the_last_bits():
    """Missing values on splits that learned them and on splits that did not, categorical splits (a missing or
    unseen code goes right), a multiclass model's interleaved trees."""
    lightgbm = pytest.importorskip("lightgbm")
    import onnxruntime as ort

    from automl.portable.trees import boosters_to_onnx

    rng = np.random.default_rng(0)
    n = 600
    X = np.column_stack([rng.normal(size=n), rng.integers(0, 5, n).astype(float), rng.uniform(0, 1e6, n)])
    X[rng.random(n) < 0.2, 0] = np.nan
    y = (np.nan_to_num(X[:, 0]) + (X[:, 1] == 2) + X[:, 2] / 1e6 + rng.normal(0, 0.3, n) > 1).astype(int)
    y3 = (X[:, 1] % 3).astype(int)
    probe = np.vstack([X[:200], [[np.nan, np.nan, np.nan], [0.0, 7.0, 5e5], [1.0, -1.0, 0.0]]])
    for target, params in ((y, {"objective": "binary"}), (y3, {"objective": "multiclass", "num_class": 3}),
                           (X[:, 2] / 1e3 + y, {"objective": "regression"})):
        data = lightgbm.Dataset(X[200:], target[200:], categorical_feature=[1], free_raw_data=False)
        booster = lightgbm.train({**params, "verbose": -1, "num_leaves": 15, "min_data_in_leaf": 5}, data, 30)
        session = ort.InferenceSession(boosters_to_onnx([booster.dump_model()], 3), providers=["CPUExecutionProvider"])
        ours = session.run(None, {"X": probe})[0]
        theirs = booster.predict(probe, raw_score=True).reshape(len(probe), -1)
        assert np.abs(ours - theirs).max() <= 1e-9 * max(1.0, np.abs(theirs).max()), params["objective"]


def test_the_scorer_imports_only_the_standard_library_numpy_and_onnxruntime():
    import sys

    source = Path(__file__).resolve().parents[2] / "automl" / "portable" / "scorer.py"
    names = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    assert names - set(sys.stdlib_module_names) == {"numpy", "onnxruntime"}
