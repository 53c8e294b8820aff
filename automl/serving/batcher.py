"""Requests that arrive while the model is busy are scored together, in one call.

AutoGluon's cost per call (feature pipeline, one pass per model of the ensemble) and the reader's per
column are most of a small request's cost: 100 rows take nearly as long as 10. Each request hands its
rows to `MicroBatcher.submit` and awaits the answer on the event loop. One scoring thread takes
whatever has queued up — nothing waits for company, so a lone request is scored at once — joins the
rows of requests served by the same model, reads and scores them in one call and hands each request its
own rows back. Rows are read and scored row by row, so a row's answer does not depend on its neighbours
(a test checks it). If a joined call fails (a request with a value that cannot be read), each request is
handled alone, so one request's bad rows answer only that request, with its own row numbers.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable

import pandas as pd

__all__ = ["MicroBatcher"]

log = logging.getLogger(__name__)


class MicroBatcher:
    def __init__(self, score: Callable[[Any, pd.DataFrame], pd.DataFrame], max_rows: int = 20_000) -> None:
        self._score, self.max_rows = score, max_rows
        self._queue: queue.Queue[tuple[Any, pd.DataFrame, Future]] = queue.Queue()
        self.calls = 0  # model calls made (for tests and the benchmark)
        self._thread = threading.Thread(target=self._loop, daemon=True, name="micro-batcher")
        self._thread.start()

    def submit(self, served: Any, X: pd.DataFrame) -> Future:
        """`X` queued for `served`'s model: the future holds its predictions, or what scoring raised (the
        endpoint awaits it without holding a worker thread)."""
        done: Future = Future()
        self._queue.put((served, X, done))
        return done

    def score(self, served: Any, X: pd.DataFrame) -> pd.DataFrame:
        """`X`'s predictions by `served`'s model (blocks until scored; raises what scoring raised)."""
        return self.submit(served, X).result()

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            rows = len(batch[0][1])
            while rows < self.max_rows:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                batch.append(item)
                rows += len(item[1])
            by_model: dict[int, list[tuple[Any, pd.DataFrame, Future]]] = {}
            for item in batch:  # a promotion mid-batch: each model scores its own requests
                by_model.setdefault(id(item[0]), []).append(item)
            for items in by_model.values():
                self._run(items)

    def _run(self, items: list[tuple[Any, pd.DataFrame, Future]]) -> None:
        served = items[0][0]
        if len(items) > 1:
            try:
                joined = pd.concat([X for _, X, _ in items], ignore_index=True)
                self.calls += 1
                result = self._score(served, joined)
            except Exception:  # noqa: BLE001 - score each request alone: the error reaches only its own
                log.info("a joined scoring call failed; scoring its %d requests one by one", len(items))
            else:
                start = 0
                for _, X, done in items:
                    part = result.iloc[start:start + len(X)]
                    done.set_result(part.set_axis(X.index))
                    start += len(X)
                return
        for _, X, done in items:
            try:
                self.calls += 1
                done.set_result(self._score(served, X))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                done.set_exception(exc)
