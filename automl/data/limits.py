"""Budgets every input is read within, whatever its format, so that a small file cannot unpack into
gigabytes: bytes inflated (compressed files, Excel, Parquet), rows x columns (from the file's own metadata
before reading where the format has it, else estimated from its first megabyte and enforced while
reading), and columns. Each can be raised by an environment variable; a file past one is refused with a
one-line reason before it costs memory.
"""

from __future__ import annotations


from automl import settings
from automl.errors import DataLoadError

__all__ = ["max_upload_bytes", "max_inflated_bytes", "max_cells", "max_columns", "check_shape", "check_inflated",
           "chunk_rows_for", "CHUNK_CELLS"]

CHUNK_CELLS = 5_000_000  # cells parsed at a time when streaming a file (~40 MB of numbers)


def max_upload_bytes() -> int:
    """The largest file a user may give: `AUTOML_STUDIO_MAX_UPLOAD_MB` (500 MB), read when a file is read."""
    return settings.MAX_UPLOAD_MB.whole() * 2**20


def max_inflated_bytes(max_bytes: int) -> int:
    """What a file may unpack to: 20 times the upload limit, at most `AUTOML_STUDIO_MAX_INFLATED_MB` (2 GB)."""
    return min(20 * max_bytes, settings.MAX_INFLATED_MB.whole() * 2**20)


def max_cells() -> int:
    """Rows x columns a table may hold: `AUTOML_STUDIO_MAX_CELLS` (50 million: 5 million rows of 10 columns)."""
    return settings.MAX_CELLS.whole()


def max_columns() -> int:
    return settings.MAX_COLUMNS.whole()


def check_shape(name: str, rows: int | None, columns: int | None, estimated: bool = False) -> None:
    """Refuse a table whose rows x columns (or columns alone) pass the budget."""
    if columns is not None and columns > max_columns():
        raise DataLoadError(f"{name} has {columns:,} columns, over the limit of {max_columns():,} "
                            "(AUTOML_STUDIO_MAX_COLUMNS); it is not read.")
    if rows is not None and columns is not None and rows * columns > max_cells():
        about = "about " if estimated else ""
        raise DataLoadError(f"{name} holds {about}{rows * columns / 1e6:,.0f} million cells (rows x columns), over "
                            f"the limit of {max_cells() / 1e6:,.0f} million (AUTOML_STUDIO_MAX_CELLS); sample it "
                            "or raise the limit. It is not read.")


def check_inflated(name: str, size: int | None, max_bytes: int) -> None:
    """Refuse content that says it unpacks past the budget (checked again while it is read)."""
    budget = max_inflated_bytes(max_bytes)
    if size is not None and size > budget:
        raise DataLoadError(f"{name} unpacks to {size / 2**20:,.0f} MB, more than the {budget / 2**20:,.0f} MB "
                            "allowed; it is too large to load (or not a real table).")


def chunk_rows_for(columns: int, wanted: int) -> int:
    """Rows per chunk so that one chunk holds at most `CHUNK_CELLS` cells."""
    return min(wanted, max(100, CHUNK_CELLS // max(1, columns)))
