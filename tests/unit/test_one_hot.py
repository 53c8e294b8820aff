"""One choice spread over 0/1 columns (a car's make): found in training rows, one typical choice, one bar."""

import numpy as np
import pandas as pd

from automl.data.one_hot import find_groups
from automl.model.schema import InputSchema, build_schema, typical_row
from explain.narrative import global_sentences, row_sentence
from explain.plots import combine_groups
from explain.shap_values import ShapResult, plain_number, plain_value, top_reasons
from tests.helpers import used_cars


def test_one_hot_groups_are_found_and_independent_zero_one_columns_are_not():
    schema = build_schema(used_cars(), "Price", "regression", None)
    assert [g.columns for g in schema.groups] == [("Buick", "Cadillac", "Chevy", "Pontiac", "Saab", "Saturn"),
                                                   ("convertible", "coupe", "sedan")]
    make = schema.groups[0]
    assert make.title == "Buick / Cadillac / Chevy / …" and make.most_frequent == "Chevy"
    assert abs(sum(make.shares) - 1) < 1e-9
    assert InputSchema.from_dict(schema.to_dict()).groups == schema.groups  # kept in schema.json


def test_a_typical_row_has_one_make_not_none():
    row = typical_row(build_schema(used_cars(), "Price", "regression", None))
    assert [m for m in ("Buick", "Cadillac", "Chevy", "Pontiac", "Saab", "Saturn") if row[m] == 1] == ["Chevy"]
    assert row["sedan"] == 1 and row["coupe"] == row["convertible"] == 0
    assert row["Doors"] in (2, 4) and isinstance(row["Doors"], int)


def test_a_shared_prefix_names_the_choice_and_a_row_with_two_ones_is_no_group():
    df = pd.DataFrame({"colour_red": [1, 0, 0, 1], "colour_blue": [0, 1, 0, 0], "colour_green": [0, 0, 1, 0],
                       "a": [1, 1, 0, 0], "b": [0, 1, 1, 1]})
    groups = find_groups(df, list(df.columns))
    assert len(groups) == 1 and groups[0].title == "colour" and groups[0].option("colour_red") == "red"
    df.loc[0, "colour_blue"] = 1  # two colours in one row: not one choice
    assert find_groups(df, list(df.columns)) == []


def test_a_groups_pushes_are_added_into_one_bar_named_by_the_choice():
    schema = build_schema(used_cars(), "Price", "regression", None)
    values = pd.Series(typical_row(schema) | {"Chevy": 0, "Saab": 1})
    contributions = pd.Series(dict.fromkeys(schema.names, 0.0) | {"Saab": 9000.0, "Chevy": -500.0, "Mileage": 10.0})
    combined, shown = combine_groups(contributions, values, schema.groups)
    title = "Buick / Cadillac / Chevy / …"
    assert combined[title] == 8500.0 and shown[title] == "Saab" and "Saab" not in combined.index
    assert abs(combined.sum() - contributions.sum()) < 1e-9  # nothing lost: SHAP values add up


def test_numbers_in_words_are_never_in_e_notation_and_a_zero_one_value_is_not_quoted():
    assert plain_number(-17432.7, signed=True) == "-17,400" and plain_number(0.07134) == "0.0713"
    assert plain_value(36.0) == "36" and plain_value(2019) == "2019" and plain_value(np.nan) == "missing"
    rows = pd.DataFrame({"Saab": [1, 0, 0, 1], "Mileage": [1.0, 2.0, 3.0, 4.0]})
    values = pd.DataFrame({"row": [0, 1, 2, 3] * 2, "output": "Price", "feature": ["Saab"] * 4 + ["Mileage"] * 4,
                           "value": [9000.0, -1000.0, -1000.0, 9000.0, 1.0, 2.0, 3.0, 4.0]})
    result = ShapResult(values=values, base_values={"Price": 20000.0}, outputs=["Price"], rows=rows)
    text = " ".join(global_sentences(result, "Price", "Price"))
    assert "`Saab` = 1 pushes Price up the most, 0 pulls it down the most" in text and "'1'" not in text
    assert row_sentence(pd.Series({"Saab": -17432.7, "Mileage": 120.0}), "Price") == \
        "`Mileage` pushes Price up the most (+120); `Saab` pulls it down the most (-17,400)."
    reasons = top_reasons(result, 1)
    assert reasons["reason_1"].tolist() == ["Saab=1 (+9,000)", "Saab=0 (-1,000)", "Saab=0 (-1,000)", "Saab=1 (+9,000)"]


def test_a_value_training_never_had_is_not_told_as_a_reason():
    """Issue 29, 14: "Neighborhood pushes Sale_Price up the most (+2,070)" for a neighbourhood training never
    had. The sentence says what the value is and that its push is not a reason."""
    sentence = row_sentence(pd.Series({"Neighborhood": 2070.0, "Area": -300.0}), "Price",
                            unseen={"Neighborhood": "Atlantis"})
    assert sentence.startswith("`Neighborhood` pushes Price up the most (+2,070)")
    assert "`Neighborhood` = `Atlantis` is a value training never had" in sentence and "not a reason" in sentence
    assert "`Area`" in sentence and "`Area` = " not in sentence
