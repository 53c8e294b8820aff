"""Every cleaning step's fit / apply on tiny frames, JSON round trips, and training-only behaviour."""

import json

import numpy as np
import pandas as pd
import pytest

from automl.data.cleaning import Recipe, preview, step_from_dict
from automl.data.steps import (
    STEP_TYPES,
    CastType,
    CleanText,
    ClipOutliers,
    DropColumns,
    DropDuplicates,
    DropMissingTarget,
    ExpandDate,
    FillMissing,
    FilterRows,
    GroupRare,
    RenameColumn,
)
from automl.errors import RecipeError, SchemaMismatchError


@pytest.fixture
def df():
    return pd.DataFrame({
        "age": [10.0, np.nan, 30.0, 1000.0, 20.0, 20.0],
        "city": [" Paris", "lyon ", "Paris", "Nice", None, None],
        "when": ["2021-01-04 10:00", "2022-06-15 13:30", None, "2020-12-31 23:00", "2021-03-01 00:00",
                 "2021-03-01 00:00"],
        "code": ["1", "2", "x", "4", "5", "5"],
        "y": ["a", "b", None, "a", "b", "b"],
    })


def test_fill_missing_learns_on_training_rows_only(df):
    step = FillMissing("age", "median").fit(df.iloc[:3], "y")  # median of 10 and 30
    assert step.fill_value_ == 20.0
    out = step.apply(df, "inference", "y")
    assert out["age"].tolist()[:2] == [10.0, 20.0]
    assert FillMissing("city", "most_frequent").fit(df, "y").fill_value_ == " Paris"
    assert FillMissing("city", "constant", "unknown").fit(df, "y").apply(df, "train", "y")["city"].isna().sum() == 0
    with pytest.raises(RecipeError, match="numeric"):
        FillMissing("city", "mean").fit(df, "y")


def test_clip_outliers_by_quantile_and_iqr(df):
    q = ClipOutliers("age", "quantile", 0.0, 0.8).fit(df, "y")
    assert q.apply(df, "train", "y")["age"].max() == pytest.approx(q.high_) and q.high_ < 1000
    iqr = ClipOutliers("age", "iqr", k=1.5).fit(df, "y")
    assert iqr.apply(df, "train", "y")["age"].max() < 1000


def test_group_rare_keeps_frequent_categories_learned_in_training():
    train = pd.DataFrame({"city": ["Paris"] * 6 + ["Lyon"] * 3 + ["Nice"], "y": [0, 1] * 5})
    step = GroupRare("city", min_share=0.2).fit(train, "y")
    assert step.keep_ == ("Paris", "Lyon")
    out = step.apply(pd.DataFrame({"city": ["Paris", "Nice", "Unseen", None]}), "inference", "y")
    assert out["city"].tolist() == ["Paris", "Other", "Other", None]


def test_cast_expand_rename_and_clean_text(df):
    assert CastType("code", "number").apply(df, "train", "y")["code"].isna().sum() == 1
    assert CastType("age", "category").apply(df, "train", "y")["age"].iloc[0] == "10.0"
    flags = CastType("f", "boolean").apply(pd.DataFrame({"f": ["yes", "NO", None, "1"]}), "train", None)
    assert flags["f"].tolist() == [True, False, None, True]
    out = ExpandDate("when", ("year", "month", "dayofweek", "hour")).apply(df, "train", "y")
    assert "when" not in out and out.loc[0, ["when_year", "when_month", "when_dayofweek", "when_hour"]].tolist() == [
        2021, 1, 0, 10]
    assert RenameColumn("city", "town").apply(df, "train", "y").columns.tolist()[1] == "town"
    with pytest.raises(RecipeError, match="taken"):
        RenameColumn("city", "age").apply(df, "train", "y")
    cleaned = CleanText("city", trim=True, lower=True).apply(df, "train", "y")["city"]
    assert cleaned.tolist()[:2] == ["paris", "lyon"] and cleaned.isna().sum() == 2


def test_row_steps_apply_to_training_rows_only(df):
    for step, rows in ((DropDuplicates(), 5), (DropMissingTarget().fit(df, "y"), 5),
                       (FilterRows("age", "<", 100), 4), (FilterRows("city", "is not missing"), 4)):
        assert len(step.apply(df, "train", "y")) == rows, step
        assert len(step.apply(df, "inference", "y")) == len(df), f"{step} dropped rows to predict"


def test_steps_on_the_target_do_nothing_at_prediction(df):
    recipe = Recipe((FillMissing("y", "most_frequent"), FillMissing("age", "median"))).fit(df, "y")
    out = recipe.apply(df.drop(columns=["y"]), "inference")
    assert "y" not in out and out["age"].isna().sum() == 0


def test_a_missing_column_at_prediction_is_named(df):
    recipe = Recipe((ExpandDate("when"),)).fit(df, "y")
    with pytest.raises(SchemaMismatchError, match="when"):
        recipe.apply(df.drop(columns=["when"]), "inference")
    assert DropColumns(("nope",)).apply(df, "inference", "y").shape == df.shape


def test_recipe_json_round_trip_keeps_what_was_learned(df):
    recipe = Recipe((FillMissing("age", "mean"), GroupRare("city", 0.2), ClipOutliers("age"), DropColumns(("code",)),
                     ExpandDate("when", ("year",)), FilterRows("age", ">=", 0), CleanText("city"),
                     CastType("age", "number"), RenameColumn("age", "years"), DropDuplicates(), DropMissingTarget()))
    assert {s.kind for s in recipe.steps} == set(STEP_TYPES), "every step kind is covered"
    fitted = recipe.fit(df, "y")
    again = Recipe.from_dict(json.loads(fitted.to_json()))
    assert again == fitted
    pd.testing.assert_frame_equal(again.apply(df, "inference"), fitted.apply(df, "inference"))
    assert Recipe.from_dict(json.loads(recipe.to_json())) == recipe


def test_replay_equals_training_transform_on_the_same_rows(df):
    recipe = Recipe((FillMissing("age", "median"), GroupRare("city", 0.3), ExpandDate("when", ("year",))))
    fitted, trained_on = recipe.fit_apply(df, "y")
    pd.testing.assert_frame_equal(fitted.apply(df, "inference"), trained_on)


def test_bad_recipe_files_say_what_is_wrong(tmp_path):
    with pytest.raises(RecipeError, match="Unknown cleaning step"):
        step_from_dict({"kind": "teleport"})
    with pytest.raises(RecipeError, match="no field"):
        step_from_dict({"kind": "fill_missing", "column": "a", "colour": "red"})
    bad = tmp_path / "r.json"
    bad.write_text("{not json")
    with pytest.raises(RecipeError, match="Cannot read"):
        Recipe.load(bad)


def test_editing_helpers(df):
    r = Recipe().with_step(FillMissing("age").fit(df, "y")).with_step(DropDuplicates()).with_step(CleanText("city"))
    assert r.steps[0].fill_value_ is None, "a step added to a recipe starts unfitted"
    assert [s.kind for s in r.moved(2, -2).steps] == ["clean_text", "fill_missing", "drop_duplicates"]
    assert [s.kind for s in r.without(1).steps] == ["fill_missing", "clean_text"]


def test_preview_counts_rows_and_columns_and_shows_changed_rows(df):
    p = preview(Recipe((DropDuplicates(), FillMissing("age", "median"), ExpandDate("when", ("year",)))), df, "y")
    assert (p.rows_before, p.rows_after) == (6, 5)
    assert p.added == ["when_year"] and p.removed == ["when"] and p.changed == ["age"]
    assert p.sample["age (after)"].tolist() == [25.0]  # the median of the rows left after dropping duplicates
