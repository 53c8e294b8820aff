"""Read an uploaded or local file into a DataFrame, with a report of everything done to it.

Formats: CSV / TSV / TXT (delimiter sniffed), the same compressed (.gz, .bz2, or a .zip holding one table),
Excel .xlsx, Parquet, JSON lines (and a JSON array of records). Encodings: UTF-8 (with or without BOM),
UTF-16, legacy code pages (charset-normalizer). Every format is read within the budgets of `automl.data.limits`.
The per-format readers are in `automl.data.readers`. Bad input raises `DataLoadError` with a one-line reason;
nothing is stored here.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, Callable, Iterator

import pandas as pd

from automl.data.formats import Source, open_source
from automl.data.limits import check_shape, max_cells, max_columns, max_upload_bytes
from automl.data.markdown import code
from automl.data.readers import READERS, clean_column_names, one_line, show_delimiter, sniff_delimiter
from automl.data.values import convert_columns
from automl.errors import DataLoadError

__all__ = ["IngestReport", "read_table", "open_table", "RawTable", "NA_VALUES",
           "clean_column_names", "sniff_delimiter", "replace_missing_markers"]

# Cells that only say "no value". Words like "none" or "0" are left alone: they can be real answers.
NA_VALUES = ["", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "Null", "?", "-", "--", "#N/A"]
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
               max_bytes: int | None = None, on_progress: Progress | None = None
               ) -> tuple[pd.DataFrame, IngestReport]:
    """Read a table file into a DataFrame and report what was done.

    >>> df, report = read_table(b"a;b\\n1;x\\n2;y\\n", name="t.csv")
    >>> df.shape, report.delimiter
    ((2, 2), ';')
    """
    table = open_table(source, name, max_bytes=max_bytes, on_progress=on_progress, whole=True)
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
        notes += [f"{code(c)}: text read as boolean (true / false)." for c in df.columns if df[c].dtype == bool]
    df, markers = replace_missing_markers(df)
    df, conversions = convert_columns(df)
    fmt = details.pop("format", table.source.format)
    if table.source.container:
        notes.insert(0, f"Unpacked from a {table.source.container} archive.")
    if renamed:
        notes.append("Renamed column(s): "
                     + ", ".join(f"{code(old)} → {code(new)}" for old, new in renamed.items()) + ".")
    for col, n in markers.items():
        notes.append(f"{code(col)}: {n} cell(s) holding a missing-value marker (NA, ?, -, null, …) read as missing.")
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
               max_bytes: int | None = None, on_progress: Progress | None = None,
               chunk_rows: int = _CHUNK_ROWS, as_text: Callable[[str], bool] | None = None,
               whole: bool = False) -> RawTable:
    """Open a table file of any supported format and encoding; its rows come lazily, `chunk_rows` at a time
    (CSV and JSON lines; Excel and Parquet in one piece). Columns for which `as_text(cleaned_name)` is true
    are read as the text written in a delimited file, never parsed as numbers. `whole`: the rows will be
    kept together (training), so the table's rows x columns must fit the budget (`automl.data.limits`); a
    stream (batch prediction) only keeps each chunk within it."""
    src = open_source(source, name, max_upload_bytes() if max_bytes is None else max_bytes)
    try:
        header, details, chunks = READERS[src.format](src, on_progress, chunk_rows, as_text, whole)
    except DataLoadError:
        raise
    except (OSError, EOFError, ValueError, UnicodeError) as exc:
        raise DataLoadError(f"{src.name} could not be read as {src.format}: {one_line(exc)}") from exc
    _, renamed = clean_column_names(pd.DataFrame(columns=header)) if header is not None else (None, {})
    return RawTable(src, details, renamed, _guarded(src, details, chunks, max_cells() if whole else None))


def _guarded(src: Source, details: dict[str, Any], chunks: Iterator[pd.DataFrame],
             cells_cap: int | None) -> Iterator[pd.DataFrame]:
    """Chunks with cleaned column names; a read error becomes a one-line `DataLoadError`; past `cells_cap`
    cells in all (rows x columns: an estimate from the file's head can be fooled) reading stops."""
    cells = 0
    try:
        for chunk in chunks:
            cells += chunk.size
            if cells_cap is not None and cells > cells_cap:
                check_shape(src.name, cells, 1)
            if chunk.shape[1] > max_columns():
                check_shape(src.name, None, chunk.shape[1])
            yield clean_column_names(chunk)[0]
    except DataLoadError:
        raise
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        where = (f" at line {match.group(2)}: {match.group(3)} fields where the header has {match.group(1)}"
                 if match else "")
        delimiter = show_delimiter(details.get("delimiter") or ",")
        raise DataLoadError(f"{src.name} is ragged{where}. Check the delimiter ({delimiter}) and quoting.") from exc
    except (OSError, EOFError, ValueError, UnicodeError) as exc:
        raise DataLoadError(f"{src.name} could not be read as {src.format}: {one_line(exc)}") from exc


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


