"""The per-format readers behind `automl.data.ingest`: each opens a table file's content and hands out its rows
in chunks, as the format holds them (no conversion), after checking the budgets of `automl.data.limits`
against what the file says of itself (header, metadata) before anything large is read.
"""

from __future__ import annotations

import csv
import re
import warnings
from typing import Callable, Iterator

import pandas as pd

from automl.data.formats import Source, detect_encoding
from automl.data.limits import check_inflated, check_shape, chunk_rows_for, max_inflated_bytes
from automl.data.markdown import code
from automl.errors import DataLoadError

__all__ = ["READERS", "clean_column_names", "sniff_delimiter", "show_delimiter", "one_line"]

_DELIMITERS = ",;\t|"
Progress = Callable[[float], None]


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
                      as_text: Callable[[str], bool] | None, whole: bool):
    head = src.head()
    if not head.strip():
        raise DataLoadError(f"{src.name} is empty: there is nothing to read.")
    encoding = detect_encoding(head, src.name)
    text = head.decode(encoding, errors="ignore")
    if _looks_binary(text):
        raise DataLoadError(f"{src.name} looks like a binary file, not a text table; use a CSV, TSV, Excel, "
                            "Parquet or JSON lines file.")
    delimiter = sniff_delimiter(text[:65536])
    columns, rows_estimate = _delimited_shape(text, delimiter, len(head), src.content_size)
    check_shape(src.name, rows_estimate if whole else None, columns, estimated=True)
    chunk_rows = chunk_rows_for(columns, chunk_rows)
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
        dtype = {raw: str for raw, new in zip(header, cleaned, strict=True) if as_text(str(new))} or None
    notes = [] if encoding.startswith("utf-8") else [f"Decoded as {encoding}."]
    if delimiter != ",":
        notes.append(f"Columns separated by {show_delimiter(delimiter)}.")

    def chunks() -> Iterator[pd.DataFrame]:
        with src.open(on_progress) as fh:
            yield from pd.read_csv(fh, chunksize=chunk_rows, dtype=dtype, **options)

    return header, {"delimiter": delimiter, "encoding": encoding, "notes": notes}, chunks()


def _excel_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text, whole: bool):
    data = src.open_seekable()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            book = pd.ExcelFile(data, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds
            raise DataLoadError(f"{src.name} is not a readable Excel workbook ({one_line(exc)}).") from exc
        sheets = book.sheet_names
        sheet = book.book[sheets[0]]  # the sheet's stated dimensions, before any cell is read
        check_shape(src.name, sheet.max_row, sheet.max_column)
        df = book.parse(sheets[0], na_values=[""], keep_default_na=False)
    notes = [f"Read the first of {len(sheets)} sheets ({code(sheets[0])})."] if len(sheets) > 1 else []
    return list(df.columns), {"notes": notes}, iter([df])


def _parquet_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text, whole: bool):
    """Row batches of a Parquet file, each refused before it is decoded once the bytes decoded so far would
    pass the inflated budget. The file's metadata only bounds its encoded size: 20 million integers
    run-length encode into 91 KB, and one long string in a dictionary, repeated, decodes to a gigabyte from
    2 KB. So numbers are counted at their width, and text columns are read as dictionaries (small) and
    counted at the real length of every value before they are decoded."""
    import pyarrow.parquet as pq

    fh = src.open_seekable()
    try:
        try:
            probe = pq.ParquetFile(fh)
            meta = probe.metadata  # rows, columns and encoded size, before reading any
            text = [f.name for f in probe.schema_arrow if _is_text(f.type)]
            fh.seek(0)
            parquet = pq.ParquetFile(fh, read_dictionary=text)
        except Exception as exc:  # pyarrow raises many kinds
            raise DataLoadError(f"{src.name} is not a readable Parquet file ({one_line(exc)}).") from exc
        check_shape(src.name, meta.num_rows, meta.num_columns)
        check_inflated(src.name, sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)),
                       src.max_bytes)
        columns = [f.name for f in parquet.schema_arrow]
    except BaseException:
        fh.close()
        raise

    def chunks() -> Iterator[pd.DataFrame]:
        budget, decoded = max_inflated_bytes(src.max_bytes), 0
        with fh:
            try:
                batches = parquet.iter_batches(batch_size=chunk_rows_for(max(1, len(columns)), chunk_rows))
                for batch in batches:
                    decoded += _decoded_bytes(batch)
                    if decoded > budget:
                        raise DataLoadError(f"{src.name} unpacks to more than the {budget / 2**20:,.0f} MB allowed "
                                            "(its values decode to far more than the file's size); it is too large "
                                            "to load, or not a real table.")
                    yield _decode_text(batch, text).to_pandas()
            except DataLoadError:
                raise
            except Exception as exc:  # pyarrow raises many kinds
                raise DataLoadError(f"{src.name} is not a readable Parquet file ({one_line(exc)}).") from exc

    return columns, {}, chunks()


def _is_text(kind) -> bool:
    import pyarrow as pa

    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
        or pa.types.is_large_binary(kind)


def _decoded_bytes(batch) -> int:
    """What a record batch takes once every dictionary is decoded: each value's own bytes counted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = 0
    for column in batch.columns:
        if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
            lengths = pc.binary_length(column.dictionary)
            taken = pc.take(lengths, column.indices)
            total += int(pc.sum(taken).as_py() or 0) + 8 * len(column)  # the bytes, and an offset per value
        else:
            total += column.nbytes
    return total


def _decode_text(batch, text: list[str]):
    """The text columns read as dictionaries back to plain text, as `pandas.read_parquet` gives them."""
    import pyarrow as pa

    if not text:
        return pa.Table.from_batches([batch])
    arrays = [column.dictionary_decode() if name in text and pa.types.is_dictionary(column.type) else column
              for name, column in zip(batch.schema.names, batch.columns, strict=True)]
    return pa.Table.from_arrays(arrays, names=batch.schema.names).replace_schema_metadata(batch.schema.metadata)


def _json_chunks(src: Source, on_progress: Progress | None, chunk_rows: int, as_text, whole: bool):
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
                                    f"({one_line(exc)}).") from exc

    return None, {"format": "jsonl" if lines else "json"}, chunks()


def _delimited_shape(text: str, delimiter: str, head_bytes: int, total_bytes: int | None) -> tuple[int, int | None]:
    """Columns of the header, and the rows the whole file would hold at the head's bytes per line."""
    lines = text.splitlines()
    first = lines[0] if lines else ""
    try:
        columns = len(next(csv.reader([first], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        columns = first.count(delimiter) + 1
    if total_bytes is None or len(lines) < 2 or not head_bytes:
        return columns, None
    return columns, int(total_bytes / (head_bytes / len(lines)))


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return printable < 0.95 * len(sample)


def show_delimiter(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


READERS = {"csv": _delimited_chunks, "excel": _excel_chunks, "parquet": _parquet_chunks, "jsonl": _json_chunks,
           "json": _json_chunks}
