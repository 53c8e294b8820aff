import pandas as pd
import pytest

from automl.data import datasets
from automl.data.profile import profile_table
from automl.errors import DataLoadError, SchemaMismatchError
from tests.helpers import SAMPLES


def test_import_stores_the_table_its_report_and_its_profile(ws):
    info, report = datasets.import_table(ws, SAMPLES / "penguins.csv")
    assert info.rows == 344 and report.source == "penguins.csv"
    assert (ws.dataset_dir(info.id) / "profile.json").exists()
    profile = datasets.load_profile(ws, info.id)
    assert profile.column("sex").missing == 11
    assert profile.column("species").type == "categorical"


def test_a_bad_file_stores_nothing(ws):
    with pytest.raises(DataLoadError):
        datasets.import_table(ws, b"a,b\n", name="header.csv")
    assert ws.list_datasets() == []
    assert list((ws.root / "datasets").iterdir()) == []


def test_label_alerts_are_cached_per_label(ws):
    info, _ = datasets.import_table(ws, SAMPLES / "titanic.csv")
    first = datasets.load_alerts(ws, info.id, "survived")
    assert {a.kind for a in first} == {"id_like"}
    assert len(list(ws.dataset_dir(info.id).glob("alerts-*.json"))) == 1
    assert datasets.load_alerts(ws, info.id, "survived") == first
    assert datasets.load_alerts(ws, info.id, None) == first  # the id alert needs no label


def test_excluded_columns_are_remembered(ws):
    info, _ = datasets.import_table(ws, SAMPLES / "titanic.csv")
    datasets.set_excluded(ws, info.id, ["name"])
    assert datasets.excluded_columns(ws.get_dataset(info.id)) == ["name"]
    with pytest.raises(SchemaMismatchError, match="nope"):
        datasets.set_excluded(ws, info.id, ["nope"])


def test_profile_statistics():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, None], "c": ["a", "a", "b", None], "d": pd.to_datetime(
        ["2020-01-01", "2021-01-01", None, "2022-06-01"])})
    p = profile_table(pd.concat([df, df.head(1)], ignore_index=True))
    x, c, d = p.column("x"), p.column("c"), p.column("d")
    assert (x.stats["min"], x.stats["max"], x.stats["median"]) == (1.0, 3.0, 1.5)
    assert c.top[0] == ("a", 3) and c.distinct == 2 and c.missing == 1
    assert d.type == "datetime" and d.stats["min"].startswith("2020")
    assert p.duplicate_rows == 1


def test_the_first_step_added_can_be_undone(ws):
    from automl.data.cleaning import Recipe
    from automl.data.steps import DropColumns

    info, _ = datasets.import_table(ws, SAMPLES / "titanic.csv")
    assert not datasets.can_undo(ws, info.id)
    datasets.save_draft(ws, info.id, Recipe((DropColumns(("name",)),)))
    assert datasets.can_undo(ws, info.id), "Undo was disabled right after the first step"
    assert len(datasets.undo_draft(ws, info.id)) == 0
