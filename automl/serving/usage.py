"""Rows scored by an endpoint, recorded under its deployment in the catalogue (what monitoring reads):
counted in memory per request and written every few seconds, so a request never waits on SQLite.

Requests are also sampled for monitoring: their rows, answers and ids (when a request sends `"ids"`, one per
row: its answers are then kept by id, as a batch file's, so that outcomes added later give the endpoint's
realised performance per period) are handed over as they are (up to `MAX_PENDING_ROWS` between two
writes; beyond that, requests are only counted, and their ids are not kept), and the writer thread reads
them as training read its file and fills the same summary a batch file fills (`automl.prediction.report.
BatchSummary`: each column's drift from the training data, unseen categories, missing shares, the answers),
then hands it to monitoring as a batch is handed (`automl.monitoring.record.record_batch`, which adds the
estimated performance): one summary (`endpoint-sample`) every `sample_rows` rows, or after `window_s` with
at least `MIN_SAMPLE_ROWS`, and when the endpoint stops. The rows themselves are never written.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from automl.model.model_input import to_model_input
from automl.monitoring.record import record_batch
from automl.prediction.report import BatchSummary
from automl.store.deploy_records import SAMPLE_SOURCE
from automl.store.workspace import Workspace

__all__ = ["UsageLog", "SAMPLE_SOURCE", "MAX_PENDING_ROWS", "MIN_SAMPLE_ROWS", "SAMPLE_ROWS", "WINDOW_S"]

log = logging.getLogger(__name__)

MAX_PENDING_ROWS = 10_000   # rows waiting to be summarised; more requests in the meantime are only counted
MIN_SAMPLE_ROWS = 100       # a summary of fewer rows is written only when the endpoint stops
SAMPLE_ROWS = 1_000         # rows in one summary
WINDOW_S = 600.0            # or the rows of this many seconds, once there are MIN_SAMPLE_ROWS


@dataclass
class _Sample:
    bundle: Any
    summary: BatchSummary
    rows: int = 0
    requests: int = 0
    started: float = field(default_factory=time.time)


GROUP_ROWS = 2_000  # requests read and checked together: a few ms at a time, so answers never wait long


_Pending = tuple[Any, pd.DataFrame, pd.DataFrame, list | None]  # (served, rows as sent, answers, ids or None)
_ID = "id"  # the requests' ids, as the summary keeps them beside the answers


def _groups(pending: list[_Pending]) -> list[list[_Pending]]:
    """The pending requests in groups of one run and at most `GROUP_ROWS` rows (or one larger request)."""
    groups: list[list[_Pending]] = []
    open_group: dict[str, tuple[list, int]] = {}
    for item in pending:
        run_id = item[0].run_id
        group, rows = open_group.get(run_id, (None, 0))
        if group is None or rows + len(item[1]) > GROUP_ROWS:
            group, rows = [], 0
            groups.append(group)
        group.append(item)
        open_group[run_id] = (group, rows + len(item[1]))
    return groups


class UsageLog:
    def __init__(self, ws: Workspace, deployment: str, every_s: float = 5.0, sample_rows: int = SAMPLE_ROWS,
                 window_s: float = WINDOW_S) -> None:
        self.ws, self.deployment, self.every_s = ws, deployment, every_s
        self.sample_rows, self.window_s = sample_rows, window_s
        self._counts: dict[str, list[int]] = {}  # run id -> [requests, rows]
        self._pending: list[_Pending] = []
        self._pending_rows = 0
        self._samples: dict[str, _Sample] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="usage-log")

    def start(self) -> "UsageLog":
        self._thread.start()
        return self

    def add(self, run_id: str, rows: int, requests: int = 1, sample: tuple[Any, pd.DataFrame, pd.DataFrame] |
            None = None, ids: list | None = None) -> None:
        """Count a request; `sample`: (the served model, its rows as sent, its answers) to summarise, with
        `ids` (one per row) when the request sent them: its answers are then kept by id, as a batch file's."""
        with self._lock:
            counts = self._counts.setdefault(run_id, [0, 0])
            counts[0] += requests
            counts[1] += rows
            if sample is not None and self._pending_rows + len(sample[1]) <= MAX_PENDING_ROWS:
                self._pending.append((*sample, ids))
                self._pending_rows += len(sample[1])

    def flush(self, final: bool = False) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
            pending, self._pending, self._pending_rows = self._pending, [], 0
        for run_id, (requests, rows) in counts.items():
            try:
                self.ws.record_scoring(self.deployment, run_id, "endpoint", rows, {"requests": requests})
            except Exception as exc:  # noqa: BLE001 - a busy catalogue: kept for the next flush
                log.warning("could not record endpoint usage (kept for later): %s", exc)
                self.add(run_id, rows, requests)
        self._summarise(pending, final)

    def _summarise(self, pending: list[_Pending], final: bool) -> None:
        for items in _groups(pending):
            served = items[0][0]
            # the requests since the last write, read and checked at once: per request, the reader and the
            # drift check cost more than the model did (a 100-row request: 6 ms against 7)
            try:
                frames = pd.concat([f for _, f, _, _ in items], ignore_index=True)
                X, _, _ = to_model_input(served.bundle.schema, frames)
                answers = pd.concat([a for _, _, a, _ in items], ignore_index=True)
            except Exception:  # noqa: BLE001 - one of them cannot be read with the others: each alone
                self._summarise_each(items)
                continue
            ids = [i for _, frame, _, request_ids in items for i in (request_ids or [None] * len(frame))]
            self._add_to_sample(served, X, answers, ids, len(items))
            time.sleep(0)  # let the request threads in between groups
        now = time.time()
        for run_id, sample in list(self._samples.items()):
            due = sample.rows >= self.sample_rows or (sample.rows >= MIN_SAMPLE_ROWS and
                                                      now - sample.started >= self.window_s)
            if not (due or (final and sample.rows)):
                continue
            report = sample.summary.report()
            report.id_column = None  # the ids came in the requests' "ids", not in a column of a file
            try:
                record_batch(self.ws, self.deployment, sample.bundle, report, SAMPLE_SOURCE, requests=sample.requests)
            except Exception as exc:  # noqa: BLE001 - kept, written with the next summary
                log.warning("could not record the endpoint's sampled requests (kept for later): %s", exc)
                continue
            del self._samples[run_id]

    def _summarise_each(self, items: list[_Pending]) -> None:
        for served, frame, answers, ids in items:
            try:
                X, _, _ = to_model_input(served.bundle.schema, frame)
            except Exception:  # noqa: BLE001 - a request refused on its own is not part of the sample
                continue
            self._add_to_sample(served, X, answers, ids or [None] * len(frame), 1)

    def _add_to_sample(self, served: Any, X: pd.DataFrame, answers: pd.DataFrame, ids: list, requests: int) -> None:
        sample = self._samples.get(served.run_id)
        if sample is None:
            sample = self._samples[served.run_id] = _Sample(served.bundle, BatchSummary(served.bundle, _ID))
        kept = pd.DataFrame({_ID: pd.Series(ids, dtype=object)})
        sample.summary.read(kept, X)
        sample.summary.answered(answers.reset_index(drop=True), kept if any(i is not None for i in ids) else None)
        sample.rows += len(X)
        sample.requests += requests

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush(final=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.flush()
            except Exception:  # the endpoint keeps serving; logged
                log.exception("writing the endpoint's usage failed")
