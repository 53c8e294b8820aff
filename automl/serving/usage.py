"""Rows scored by an endpoint, recorded under its deployment in the catalogue (what monitoring reads):
counted in memory per request and written every few seconds, so a request never waits on SQLite."""

from __future__ import annotations

import logging
import threading

from automl.store.workspace import Workspace

__all__ = ["UsageLog"]

log = logging.getLogger(__name__)


class UsageLog:
    def __init__(self, ws: Workspace, deployment: str, every_s: float = 5.0) -> None:
        self.ws, self.deployment, self.every_s = ws, deployment, every_s
        self._counts: dict[str, list[int]] = {}  # run id -> [requests, rows]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="usage-log")

    def start(self) -> "UsageLog":
        self._thread.start()
        return self

    def add(self, run_id: str, rows: int, requests: int = 1) -> None:
        with self._lock:
            counts = self._counts.setdefault(run_id, [0, 0])
            counts[0] += requests
            counts[1] += rows

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
        for run_id, (requests, rows) in counts.items():
            try:
                self.ws.record_scoring(self.deployment, run_id, "endpoint", rows, {"requests": requests})
            except Exception as exc:  # noqa: BLE001 - a busy catalogue: kept for the next flush
                log.warning("could not record endpoint usage (kept for later): %s", exc)
                self.add(run_id, rows, requests)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.flush()
