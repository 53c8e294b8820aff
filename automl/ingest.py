"""Read an uploaded or local file into a DataFrame, with a report of everything done to it.

Formats: CSV / TSV / TXT (delimiter sniffed), the same compressed (.gz, .bz2, or a .zip holding one table),
Excel .xlsx, Parquet, JSON lines (and a JSON array of records). Encodings: UTF-8 (with or without BOM),
UTF-16, CP-1252 / Latin-1. Bad input raises `DataLoadError` with a one-line reason; nothing is stored here.
"""

from __future__ import annotations

import csv
import os
import re
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Callable

import pandas as pd

from automl.errors import DataLoadError
from automl.formats import Source, detect_encoding, open_source
from automl.values import convert_columns

__all__ = ["IngestReport", "read_table", "MAX_UPLOAD_BYTES", "NA_VALUES", "clean_column_names", "sniff_delimiter",
           "replace_missing_markers"]

MAX_UPLOAD_BYTES = int(os.environ.get("AUTOML_STUDIO_MAX_UPLOAD_MB", "500")) * 1024 * 1024
# Cells that only say "no value". Words like "none" or "0" are left alone: they can be real answers.
NA_VALUES = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "Null", "?", "-", "--", "#N/A"]
_DELIMITERS = ",;\t|"
_CHUNK_ROWS = 250_000

Progress = Callable[[float], None]


@dataclass(frozen=True)
class IngestReport:
    source: str
    format: str
    rows: int
    columns: int
    delimiter: str | None = None
    encoding: str | None = None
    container: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)
    conversions: list[dict[str, Any]] = field(default_factory=list)
    missing_markers: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_table(source: str | os.PathLike[str] | BinaryIO | bytes, name: str | None = None,
               max_bytes: int = MAX_UPLOAD_BYTES, on_progress: Progress | None = None
               ) -> tuple[pd.DataFrame, IngestReport]:
    """Read a table file into a DataFrame and report what was done.

    >>> df, report = read_table(b"a;b\\n1;x\\n2;y\\n", name="t.csv")
    >>> df.shape, report.delimiter
    ((2, 2), ';')
    """
    src = open_source(source, name, max_bytes)
    readers = {"csv": _read_delimited, "excel": _read_excel, "parquet": _read_parquet,
               "jsonl": _read_json, "json": _read_json}
    try:
        df, details = readers[src.format](src, on_progress)
    except DataLoadError:
        raise
    except (OSError, EOFError, ValueError, UnicodeError) as exc:
        raise DataLoadError(f"{src.name} could not be read as {src.format}: {_one_line(exc)}") from exc
    if df.shape[1] == 0:
        raise DataLoadError(f"{src.name} has no columns.")
    if len(df) == 0:
        raise DataLoadError(f"{src.name} has a header but no data rows.")
    df, renamed = clean_column_names(df)
    df, markers = replace_missing_markers(df)
    df, conversions = convert_columns(df)
    notes = list(details.pop("notes", []))
    fmt = details.pop("format", src.format)
    if src.container:
        notes.insert(0, f"Unpacked from a {src.container} archive.")
    if renamed:
        notes.append("Renamed column(s): " + ", ".join(f"{old!r} → {new!r}" for old, new in renamed.items()) + ".")
    for col, n in markers.items():
        notes.append(f"`{col}`: {n} cell(s) holding a missing-value marker (NA, ?, -, null, …) read as missing.")
    notes += [c.message() for c in conversions]
    if on_progress:
        on_progress(1.0)
    return df, IngestReport(source=src.name, format=fmt, rows=len(df), columns=df.shape[1],
                            container=src.container, renamed=renamed,
                            conversions=[c.to_dict() for c in conversions], missing_markers=markers,
                            notes=notes, **details)


def clean_column_names(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Strip spaces, name blank columns, de-duplicate names; return the frame and {old: new}."""
    seen: set[str] = set()
    new_names, renamed = [], {}
    for i, col in enumerate(df.columns):
        old = str(col)
        new = re.sub(r"\.\d+$", "", old) if _is_pandas_duplicate(old, df.columns) else old
        new = new.strip()
        if not new or re.fullmatch(r"Unnamed: \d+(_level_\d+)?", new):
            new = f"column_{i + 1}"
        base, k = new, 1
        while new in seen:
            new = f"{base}_{k}"
            k += 1
        seen.add(new)
        if new != old:
            renamed[old] = new
        new_names.append(new)
    if not renamed:
        return df, {}
    out = df.copy(deep=False)
    out.columns = new_names
    return out, renamed


def replace_missing_markers(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Cells that only say "missing" (NA, N/A, ?, -, null, …) become missing; count them per column."""
    markers = set(NA_VALUES)
    counts: dict[str, int] = {}
    out = df
    for col in df.columns:
        s = df[col]
        if s.dtype != object:
            continue
        codes, uniques = pd.factorize(s)
        hit = pd.Series(uniques, dtype=object).map(lambda v: isinstance(v, str) and v.strip() in markers).to_numpy()
        if not hit.any():
            continue
        mask = (codes >= 0) & hit[codes.clip(min=0)]
        if out is df:
            out = df.copy()
        out[col] = s.mask(mask)
        counts[str(col)] = int(mask.sum())
    return out, counts


def _is_pandas_duplicate(name: str, columns: pd.Index) -> bool:
    """pandas renames a repeated header `a` to `a.1`; undo that so our own de-duplication names it."""
    match = re.fullmatch(r"(.*)\.(\d+)", name)
    return bool(match) and match.group(1) in set(map(str, columns))


def sniff_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_delimited(src: Source, on_progress: Progress | None) -> tuple[pd.DataFrame, dict]:
    head = src.head()
    if not head.strip():
        raise DataLoadError(f"{src.name} is empty: there is nothing to read.")
    encoding = detect_encoding(head, src.name)
    text = head.decode(encoding, errors="ignore")
    if _looks_binary(text):
        raise DataLoadError(f"{src.name} looks like a binary file, not a text table; upload CSV, TSV, Excel, "
                            "Parquet or JSON lines.")
    delimiter = sniff_delimiter(text[:65536])
    chunks = []
    try:
        with src.open(on_progress) as fh:
            reader = pd.read_csv(fh, sep=delimiter, encoding=encoding, encoding_errors="replace",
                                 na_values=[""], keep_default_na=False, skipinitialspace=True,
                                 chunksize=_CHUNK_ROWS, low_memory=False)
            for chunk in reader:
                chunks.append(chunk)
    except pd.errors.EmptyDataError as exc:
        raise DataLoadError(f"{src.name} has no header or data.") from exc
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        where = (f" at line {match.group(2)}: {match.group(3)} fields where the header has {match.group(1)}"
                 if match else "")
        raise DataLoadError(f"{src.name} is ragged{where}. Check the delimiter ({_show(delimiter)}) and "
                            "quoting.") from exc
    df = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else (chunks[0] if chunks else pd.DataFrame())
    notes = [] if encoding.startswith("utf-8") else [f"Decoded as {encoding}."]
    notes += [f"`{c}`: text read as boolean (true / false)." for c in df.columns if df[c].dtype == bool]
    if delimiter != ",":
        notes.append(f"Columns separated by {_show(delimiter)}.")
    return df, {"delimiter": delimiter, "encoding": encoding, "notes": notes}


def _read_excel(src: Source, on_progress: Progress | None) -> tuple[pd.DataFrame, dict]:
    data = src.open_seekable()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = pd.ExcelFile(data, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise DataLoadError(f"{src.name} is not a readable Excel workbook ({_one_line(exc)}).") from exc
        sheets = book.sheet_names
        df = book.parse(sheets[0], na_values=[""], keep_default_na=False)
    notes = [f"Read the first of {len(sheets)} sheets ({sheets[0]!r})."] if len(sheets) > 1 else []
    return df, {"notes": notes}


def _read_parquet(src: Source, on_progress: Progress | None) -> tuple[pd.DataFrame, dict]:
    with src.open_seekable() as fh:
        try:
            return pd.read_parquet(fh), {}
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            raise DataLoadError(f"{src.name} is not a readable Parquet file ({_one_line(exc)}).") from exc


def _read_json(src: Source, on_progress: Progress | None) -> tuple[pd.DataFrame, dict]:
    head = src.head(4096).lstrip()
    lines = not head.startswith(b"[")
    with src.open(on_progress) as fh:
        try:
            if lines:
                chunks = list(pd.read_json(fh, lines=True, chunksize=_CHUNK_ROWS, dtype=False))
                df = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
            else:
                df = pd.read_json(fh, orient="records", dtype=False)
        except ValueError as exc:
            raise DataLoadError(f"{src.name} is not valid JSON {'lines' if lines else 'records'} "
                                f"({_one_line(exc)}).") from exc
    return df, {"format": "jsonl" if lines else "json"}


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable < 0.95 * len(sample)


def _show(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
