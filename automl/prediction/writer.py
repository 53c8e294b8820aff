"""The scored file's writer: formula-safe CSV chunks written in a background thread while the next chunk
is scored, by every path that writes predictions to a file (here and on a Ray cluster)."""

from __future__ import annotations

import csv
import queue
import threading
from pathlib import Path
from typing import Any

import pandas as pd

from automl.data.spreadsheet import escape_formulas

__all__ = ["CsvWriter"]


class CsvWriter:
    """Writes formula-safe CSV chunks in a background thread, at most one chunk waiting; a write error is
    raised in the caller at the next chunk or at the end. Arrow's CSV writer (6x pandas' on numbers);
    pandas' for a chunk Arrow cannot type (mixed values, repeated names)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="predictions-writer", daemon=True)

    def __enter__(self) -> "CsvWriter":
        self.fh = open(self.path, "wb")
        self.thread.start()
        return self

    def put(self, frame: pd.DataFrame) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(frame)

    def _run(self) -> None:
        first = True
        while (frame := self.queue.get()) is not None:
            if self.error is not None:
                continue  # drain: the caller sees the error
            try:
                write_csv(escape_formulas(frame), self.fh, header=first)
                first = False
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                self.error = exc

    def __exit__(self, *exc_info: Any) -> None:
        self.queue.put(None)
        self.thread.join()
        self.fh.close()
        if self.error is not None and exc_info[0] is None:
            raise self.error


def write_csv(frame: pd.DataFrame, fh: Any, header: bool) -> None:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        fh.write(frame.to_csv(index=False, header=header, quoting=csv.QUOTE_MINIMAL).encode("utf-8"))
        return
    pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=header, quoting_style="needed"))
