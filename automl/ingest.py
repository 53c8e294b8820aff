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
from typing import Any, BinaryIO, Callable, Iterator

import pandas as pd

from automl.errors import DataLoadError
from automl.formats import Source, detect_encoding, open_source
from automl.values import convert_columns

__all__ = ["IngestReport", "read_table", "open_table", "RawTable", "MAX_UPLOAD_BYTES", "NA_VALUES", "clean_column_names", "sniff_delimiter",
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
    table = open_table(source, name, max_bytes=max_bytes, on_progress=on_progress)
    chunks = list(table.chunks)
    df = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else (chunks[0] if chunks else pd.DataFrame())
    if df.shape[1] == 0:
        raise DataLoadError(f"{table.name} has no columns.")
    if len(df) == 0:
        raise DataLoadError(f"{table.name} has a header but no data rows.")
    renamed = table.renamed
    details = dict(table.details)
    notes = list(details.pop("notes", []))
    if details.get("format", table.source.format) == "csv":
        notes += [f"`{c}`: text read as boolean (true / false)." for c in df.columns if df[c].dtype == bool]
    df, markers = replace_missing_markers(df)
    df, conversions = convert_columns(df)
    fmt = details.pop("format", table.source.format)
    if table.source.container:
        notes.insert(0, f"Unpacked from a {table.source.container} archive.")
    if renamed:
        notes.append("Renamed column(s): " + ", ".join(f"{old!r} → {new!r}" for old, new in renamed.items()) + ".")
    for col, n in markers.items():
        notes.append(f"`{col}`: {n} cell(s) holding a missing-value marker (NA, ?, -, null, …) read as missing.")
    notes += [c.message() for c in conversions]
    if on_progress:
        on_progress(1.0)
    return df, IngestReport(source=table.name, format=fmt, rows=len(df), columns=df.shape[1],
                            container=table.source.container, renamed=renamed,
                            conversions=[c.to_dict() for c in conversions], missing_markers=markers,
                            notes=notes, **details)


@dataclass
class RawTable:
    """A table file opened for reading: its source, what sniffing found, and its rows chunk by chunk.

    Chunks carry the cleaned column names and the cells as the format holds them: no missing markers
    replaced and no typed values converted yet (training infers those once; prediction replays them).
    """

    source: Source
    details: dict[str, Any]
    renamed: dict[str, str]
    chunks: Iterator[pd.DataFrame]

    @property
    def name(self) -> str:
        return self.source.name


def open_table(source: str | os.PathLike[str] | BinaryIO | bytes, name: str | None = None, *,
               max_bytes: int = MAX_UPLOAD_BYTES, on_progress: Progress | None = None,
               chunk_rows: int = _CHUNK_ROWS, as_text: Callable[[str], bool] | None = None) -> RawTable:
    """Open a table file of any supported format and encoding; its rows come lazily, `chunk_rows` at a time
    (CSV and JSON lines; Excel and Parquet in one piece). Columns for which `as_text(cleaned_name)` is true
    are read as the text written in a delimited file, never parsed as numbers."""
    src = open_source(source, name, max_bytes)
    readers = {"csv": _delimited_chunks, "excel": _excel_chunks, "parquet": _parquet_chunks,
               "jsonl": _json_chunks, "json": _json_chunks}
    try:
        header, details, chunks = readers[src.format](src, on_progress, chunk_rows, as_text)
    except DataLoadError:
        raise
    except (OSError, EOFError, ValueError, UnicodeError) as exc:
        raise DataLoadError(f"{src.name} could not be read as {src.format}: {_one_line(exc)}") from exc
    _, renamed = clean_column_names(pd.DataFrame(columns=header)) if header is not None else (None, {})
    return RawTable(src, details, renamed, _guarded(src, details, chunks))


def _guarded(src: Source, details: dict[str, Any], chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Chunks with cleaned column names; a read error becomes a one-line `DataLoadError`."""
    try:
        for chunk in chunks:
            yield clean_column_names(chunk)[0]
    except DataLoadError:
        raise
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        where = (f" at line {match.group(2)}: {match.group(3)} fields where the header has {match.group(1)}"
                 if match else "")
        delimiter = _show(details.get("delimiter") or ",")
        raise DataLoadError(f"{src.name} is ragged{where}. Check the delimiter ({delimiter}) and quoting.") from exc
    except (OSError, EOFError, ValueError, UnicodeError) as exc:
        raise DataLoadError(f"{src.name} could not be read as {src.format}: {_one_line(exc)}") from exc


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


def _delimited_chunks(src: Source, on_progress: Progress | None, chunk_rows: int,
                      as_text: Callable[[str], bool] | None):
    head = src.head()
    if not head.strip():
        raise DataLoadError(f"{src.name} is empty: there is nothing to read.")
    encoding = detect_encoding(head, src.name)
    text = head.decode(encoding, errors="ignore")
    if _looks_binary(text):
        raise DataLoadError(f"{src.name} looks like a binary file, not a text table; upload CSV, TSV, Excel, "
                            "Parquet or JSON lines.")
    delimiter = sniff_delimiter(text[:65536])
    options = dict(sep=delimiter, encoding=encoding, encoding_errors="replace", na_values=[""],
                   keep_default_na=False, skipinitialspace=True, low_memory=False)
    try:
        with src.open() as fh:
            header = list(pd.read_csv(fh, nrows=0, **options).columns)
    except pd.errors.EmptyDataError as exc:
        raise DataLoadError(f"{src.name} has no header or data.") from exc
    dtype = None
    if as_text is not None:
        cleaned = clean_column_names(pd.DataFrame(columns=header))[0].columns
        dtype = {raw: str for raw, new in zip(header, cleaned) if as_text(str(new))} or None
    notes = [] if encoding.startswith("utf-8") else [f"Decoded as {encoding}."]
    if delimiter != ",":
        notes.append(f"Columns separated by {_show(delimiter)}.")

    def chunks() -> Iterator[pd.DataFrame]:
        with src.open(on_progress) as fh:
            yield from pd.read_csv(fh, chunksize=chunk_rows, dtype=dtype, **options)

    return header, {"delimiter": delimiter, "encoding": encoding, "notes": notes}, chunks()


def _excel_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text):
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
    return list(df.columns), {"notes": notes}, iter([df])


def _parquet_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text):
    with src.open_seekable() as fh:
        try:
            df = pd.read_parquet(fh)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            raise DataLoadError(f"{src.name} is not a readable Parquet file ({_one_line(exc)}).") from exc
    return list(df.columns), {}, iter([df])


def _json_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text):
    head = src.head(4096).lstrip()
    lines = not head.startswith(b"[")

    def chunks() -> Iterator[pd.DataFrame]:
        with src.open(on_progress) as fh:
            try:
                if lines:
                    yield from pd.read_json(fh, lines=True, chunksize=chunk_rows, dtype=False)
                else:
                    yield pd.read_json(fh, orient="records", dtype=False)
            except ValueError as exc:
                raise DataLoadError(f"{src.name} is not valid JSON {'lines' if lines else 'records'} "
                                    f"({_one_line(exc)}).") from exc

    return None, {"format": "jsonl" if lines else "json"}, chunks()


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
