"""The endpoint's request rows become the same frame, column by column, as one `model_dump` per row gave:
the reader then sees exactly what a batch file's cells would give it."""

import numpy as np
import pandas as pd

from automl.model.schema import build_schema
from automl.serving.rows import request_frame, request_model


def test_request_rows_make_the_frame_a_row_by_row_dump_makes():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"price": rng.normal(100, 10, 60), "member": rng.choice([True, False], 60),
                          "city": rng.choice(["Oslo", "Lima"], 60),
                          "when": ["2024-01-0%d" % (i % 9 + 1) for i in range(60)],
                          "y": rng.choice(["a", "b"], 60)})
    Body = request_model(build_schema(train, "y", "binary", ["a", "b"]))
    cases = [
        [{"price": 1.5, "member": True, "city": "Oslo", "when": "2024-01-02"}],
        [{"price": None, "member": None, "city": None, "when": None}] * 3,  # every column missing
        [{"price": "$1,947", "member": "yes", "city": "Lima", "when": "2024-01-03", "extra": 1},  # text numbers
         {"price": 3, "member": False, "city": "Oslo", "when": None}],
    ]
    for rows in cases:
        body = Body.model_validate({"rows": rows})
        expected = pd.DataFrame([row.model_dump(by_alias=True) for row in body.rows])
        got = request_frame(body.rows)
        pd.testing.assert_frame_equal(got, expected)
        assert list(got.columns) == ["price", "member", "city", "when"]
