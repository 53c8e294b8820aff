import io

import pandas as pd
import pytest

from automl.data.ingest import clean_column_names, read_table
from automl.errors import DataLoadError


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(sep):
    text = sep.join(["a", "b", "c"]) + "\n" + "\n".join(sep.join([str(i), f"x{i}", f"{i}.5"]) for i in range(5))
    df, report = read_table(text.encode(), name="t.csv")
    assert list(df.columns) == ["a", "b", "c"]
    assert report.delimiter == sep
    assert df.shape == (5, 3)


def test_utf8_bom_and_cp1252_decode_without_mojibake():
    df, _ = read_table("name,city\nZoë,Köln\n".encode("utf-8-sig"), name="bom.csv")
    assert list(df.columns) == ["name", "city"] and df.iloc[0, 0] == "Zoë"
    df, report = read_table("name,city\nZoë,Köln\n".encode("cp1252"), name="latin.csv")
    assert df.iloc[0, 1] == "Köln"
    assert report.encoding == "cp1252"


def test_quoted_fields_with_delimiters_and_newlines():
    df, _ = read_table(b'id,text\n1,"a, b"\n2,"line1\nline2"\n', name="q.csv")
    assert df["text"].tolist() == ["a, b", "line1\nline2"]


def test_missing_markers_are_read_as_missing():
    df, _ = read_table(b"a,b\n1,NA\n2,?\n3,null\n4,x\n", name="na.csv")
    assert df["b"].isna().sum() == 3


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"a,b,c\n", "no data rows"),
    (b"\x00\x01\x02\x03binary\x00garbage" * 20, "binary"),
    (b"a,b\n1,2\n3,4,5,6\n", "line 3"),
])
def test_bad_files_get_one_line_reasons(data, fragment):
    with pytest.raises(DataLoadError) as err:
        read_table(data, name="bad.csv")
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_size_limit_is_enforced():
    with pytest.raises(DataLoadError, match="limit"):
        read_table(b"a,b\n" + b"1,2\n" * 1000, name="big.csv", max_bytes=100)


def test_header_problems_are_fixed_and_reported():
    df, report = read_table(b" a ,a,,b\n1,2,3,4\n", name="h.csv")
    assert list(df.columns) == ["a", "a_1", "column_3", "b"]
    assert report.renamed == {"a ": "a", "a": "a_1", "Unnamed: 2": "column_3"}
    assert any("Renamed" in n for n in report.notes)


def test_clean_column_names_never_collides():
    df = pd.DataFrame([[1, 2, 3]], columns=["x", "x_1", "x"])
    out, _ = clean_column_names(df)
    assert len(set(out.columns)) == 3


def test_parquet_round_trip(tmp_path):
    src = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    path = tmp_path / "t.parquet"
    src.to_parquet(path)
    df, report = read_table(path)
    assert report.format == "parquet"
    pd.testing.assert_frame_equal(df, src)


def test_file_object_is_accepted():
    df, _ = read_table(io.BytesIO(b"a,b\n1,2\n"), name="f.csv")
    assert df.shape == (1, 2)


def test_missing_path_is_a_load_error(tmp_path):
    with pytest.raises(DataLoadError, match="No file"):
        read_table(tmp_path / "nope.csv")
