"""Read an uploaded or local file into a DataFrame, with a report of what was done to it.

Bad input raises `DataLoadError` with a one-line reason; nothing is stored by this module.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from automl.errors import DataLoadError

__all__ = ["IngestReport", "read_table", "MAX_UPLOAD_BYTES", "clean_column_names", "sniff_delimiter"]

MAX_UPLOAD_BYTES = int(os.environ.get("AUTOML_STUDIO_MAX_UPLOAD_MB", "500")) * 1024 * 1024
NA_VALUES = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None", "?"]
_DELIMITERS = ",;\t|"
_ENCODINGS = ("utf-8-sig", "utf-16", "cp1252")
_PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class IngestReport:
    source: str
    format: str
    rows: int
    columns: int
    delimiter: str | None = None
    encoding: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_table(source: str | os.PathLike[str] | BinaryIO | bytes, name: str | None = None,
               max_bytes: int = MAX_UPLOAD_BYTES) -> tuple[pd.DataFrame, IngestReport]:
    """Read CSV / TSV / TXT (delimiter sniffed) or Parquet into a DataFrame.

    >>> df, report = read_table(b"a,b\\n1,x\\n2,y\\n", name="t.csv")
    >>> df.shape, report.delimiter
    ((2, 2), ',')
    """
    data, name = _read_bytes(source, name, max_bytes)
    if not data.strip():
        raise DataLoadError(f"{name} is empty: there is nothing to read.")
    if data[:4] == _PARQUET_MAGIC or name.lower().endswith(".parquet"):
        df, report = _read_parquet(data, name)
    else:
        df, report = _read_delimited(data, name)
    if df.shape[1] == 0:
        raise DataLoadError(f"{name} has no columns.")
    if len(df) == 0:
        raise DataLoadError(f"{name} has a header but no data rows.")
    df, renamed = clean_column_names(df)
    notes = list(report.notes)
    if renamed:
        notes.append(f"Renamed {len(renamed)} column(s) with blank, duplicate or padded names.")
    return df, IngestReport(**{**report.to_dict(), "rows": len(df), "columns": df.shape[1],
                               "renamed": renamed, "notes": notes})


def clean_column_names(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Strip spaces, name blank columns, de-duplicate names; return the frame and {old: new}."""
    seen: dict[str, int] = {}
    new_names, renamed = [], {}
    for i, col in enumerate(df.columns):
        old = str(col)
        new = old.strip()
        if not new or re.fullmatch(r"Unnamed: \d+", new):
            new = f"column_{i + 1}"
        base, k = new, seen.get(new, 0)
        while new in seen:
            k += 1
            new = f"{base}_{k}"
        seen[base] = k
        seen[new] = 0
        if new != old:
            renamed[old] = new
        new_names.append(new)
    out = df.copy(deep=False)
    out.columns = new_names
    return out, renamed


def _read_bytes(source: Any, name: str | None, max_bytes: int) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), name or "upload"
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
        name = name or getattr(source, "name", "upload")
    else:
        path = Path(source)
        if not path.is_file():
            raise DataLoadError(f"No file at {path}.")
        if path.stat().st_size > max_bytes:
            raise DataLoadError(f"{path.name} is {path.stat().st_size / 2**20:.0f} MB, over the "
                                f"{max_bytes / 2**20:.0f} MB limit; sample it or raise AUTOML_STUDIO_MAX_UPLOAD_MB.")
        data, name = path.read_bytes(), name or path.name
    if len(data) > max_bytes:
        raise DataLoadError(f"{name} is over the {max_bytes / 2**20:.0f} MB upload limit; "
                            "sample it or raise AUTOML_STUDIO_MAX_UPLOAD_MB.")
    return data, str(name)


def _read_parquet(data: bytes, name: str) -> tuple[pd.DataFrame, IngestReport]:
    try:
        df = pd.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types
        raise DataLoadError(f"{name} is not a readable Parquet file ({exc}).") from exc
    return df, IngestReport(source=name, format="parquet", rows=len(df), columns=df.shape[1])


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        order = ("utf-16",)
    else:
        if b"\x00" in data[:4096]:
            raise DataLoadError(f"{name} looks like a binary file, not a text table; upload CSV, TSV or Parquet.")
        order = ("utf-8-sig", "cp1252", "latin-1")
    for encoding in order:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataLoadError(f"{name}: could not decode the text (tried {', '.join(order)}).")


def sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_delimited(data: bytes, name: str) -> tuple[pd.DataFrame, IngestReport]:
    text, encoding = _decode(data, name)
    if sum(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096]) < 0.95 * min(len(text), 4096):
        raise DataLoadError(f"{name} looks like a binary file, not a text table; upload CSV, TSV or Parquet.")
    delimiter = sniff_delimiter(text[:65536])
    try:
        df = pd.read_csv(io.StringIO(text), sep=delimiter, na_values=NA_VALUES, keep_default_na=True,
                         skipinitialspace=True, low_memory=False)
    except pd.errors.EmptyDataError as exc:
        raise DataLoadError(f"{name} has no header or data.") from exc
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        where = f" at line {match.group(1)}" if match else ""
        raise DataLoadError(f"{name} is ragged{where}: a row has more fields than the header. "
                            f"Check the delimiter ({delimiter!r}) and quoting.") from exc
    notes = [] if encoding.startswith("utf-8") else [f"Decoded as {encoding}."]
    return df, IngestReport(source=name, format="csv", rows=len(df), columns=df.shape[1],
                            delimiter=delimiter, encoding=encoding, notes=notes)
