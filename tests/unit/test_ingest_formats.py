"""The ingest corpus, generated here (no committed binaries): each file with its expected table or error."""

import bz2
import gzip
import io
import json
import zipfile

import pandas as pd
import pytest

from automl.data.ingest import read_table
from automl.errors import DataLoadError

TABLE = pd.DataFrame({"city": ["Köln", "Zürich", "Málaga"], "pop": [1084831, 421878, 578460],
                      "area": [405.0, 87.9, 395.0]})


def csv_bytes(sep=",", encoding="utf-8") -> bytes:
    return TABLE.to_csv(index=False, sep=sep).encode(encoding)


def xlsx_bytes(sheets: int = 1) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        TABLE.to_excel(writer, sheet_name="data", index=False)
        for i in range(1, sheets):
            TABLE.head(1).to_excel(writer, sheet_name=f"other{i}", index=False)
    return buf.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def parquet_bytes() -> bytes:
    buf = io.BytesIO()
    TABLE.to_parquet(buf, index=False)
    return buf.getvalue()


GOOD = {
    "comma.csv": csv_bytes(","),
    "semicolon.csv": csv_bytes(";"),
    "tabs.tsv": csv_bytes("\t"),
    "pipes.txt": csv_bytes("|"),
    "bom.csv": csv_bytes(encoding="utf-8-sig"),
    "latin1.csv": csv_bytes(encoding="cp1252"),
    "utf16.csv": csv_bytes(encoding="utf-16"),
    "utf16le-nobom.csv": csv_bytes(encoding="utf-16-le"),
    "table.csv.gz": gzip.compress(csv_bytes()),
    "table.csv.bz2": bz2.compress(csv_bytes()),
    "table.zip": zipped({"folder/table.csv": csv_bytes(), "__MACOSX/._table.csv": b"junk"}),
    "table.xlsx": xlsx_bytes(),
    "table.parquet": parquet_bytes(),
    "parquet.zip": zipped({"t.parquet": parquet_bytes()}),
    "table.jsonl": "\n".join(json.dumps(r, ensure_ascii=False) for r in TABLE.to_dict("records")).encode(),
    "records.json": json.dumps(TABLE.to_dict("records")).encode(),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_supported_format_reads_the_same_table(name):
    df, report = read_table(GOOD[name], name=name)
    assert list(df.columns) == ["city", "pop", "area"]
    assert df["city"].tolist() == ["Köln", "Zürich", "Málaga"], "mojibake or wrong parse"
    assert df["pop"].tolist() == TABLE["pop"].tolist()
    assert df["area"].tolist() == TABLE["area"].tolist()
    assert report.rows == 3


def test_excel_with_several_sheets_reads_the_first_and_says_so():
    df, report = read_table(xlsx_bytes(sheets=3), name="book.xlsx")
    assert len(df) == 3
    assert any("first of 3 sheets" in n for n in report.notes)


def test_archive_and_encoding_are_reported():
    _, report = read_table(gzip.compress(csv_bytes(encoding="cp1252")), name="t.csv.gz")
    assert report.container == "gzip" and report.encoding == "cp1252"
    assert any("gzip" in n for n in report.notes)


BAD = {
    "empty.csv": (b"", "empty"),
    "blank.csv": (b"\n\n  \n", "empty"),
    "header-only.csv": (b"a,b,c\n", "no data rows"),
    "garbage.bin": (bytes(range(256)) * 40, "binary"),
    "ragged.csv": (b"a,b\n1,2\n3,4\n5,6,7,8\n", "line 4"),
    "two-tables.zip": (zipped({"a.csv": csv_bytes(), "b.csv": csv_bytes()}), "exactly one table"),
    "no-table.zip": (zipped({"readme.md": b"hello"}), "exactly one table"),
    "truncated.csv.gz": (gzip.compress(csv_bytes())[:15], "damaged"),
    "broken.zip": (b"PK\x03\x04" + b"\x00" * 50, "damaged"),
    "broken.xlsx": (zipped({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"nope"}), "Excel"),
    "broken.jsonl": (b'{"a": 1}\n{"a": \n', "JSON"),
    "fake.parquet": (b"PAR1 not really parquet", "Parquet"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_give_a_one_line_reason(name):
    data, fragment = BAD[name]
    with pytest.raises(DataLoadError) as err:
        read_table(data, name=name)
    message = str(err.value)
    assert fragment in message, message
    assert "\n" not in message and "Traceback" not in message


def test_size_limit_applies_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 10_000)
    with pytest.raises(DataLoadError, match="over the"):
        read_table(path, max_bytes=1024)


def test_a_decompression_bomb_is_refused():
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 2_000_000)  # 8 MB unpacked from a few KB
    with pytest.raises(DataLoadError, match="too large"):
        read_table(bomb, name="bomb.csv.gz", max_bytes=len(bomb) * 4)


def test_progress_is_reported_while_reading(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": range(600_000), "b": ["x"] * 600_000}).to_csv(path, index=False)
    seen = []
    df, _ = read_table(path, on_progress=seen.append)
    assert len(df) == 600_000
    assert len(seen) >= 5 and seen == sorted(seen) and seen[-1] == 1.0


def test_uploads_are_read_without_copying_to_text(tmp_path):
    # an in-memory upload (what Streamlit hands over) is read through a view, not decoded into one big string
    upload = io.BytesIO(csv_bytes())
    df, _ = read_table(upload, name="up.csv")
    assert len(df) == 3
