"""The model an endpoint serves, verified and loaded into memory once, and swapped without a failed request
when its deployment is promoted or rolled back.

Every request asks `current()`. At most once a second that looks up the deployment's run in the catalogue
and whether the served run's signed files changed (the bundle is a snapshot: a threshold saved on Evaluate
is a new version of the run); when either did, the run is verified and loaded in a background thread while
requests keep being answered by the old one, then swapped in with one assignment.

With `freeze` (the `serve` command), everything alive once a model is loaded (the imported libraries, the
model) is moved out of Python's cyclic garbage collector (`gc.freeze`): otherwise every full collection walks
those few hundred thousand objects, a 0.1–0.2 s pause of every request in flight. A promotion unfreezes,
collects what the old model left and freezes again.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from automl.model.bundle import Bundle, changed_since_loaded, keep_in_memory, load_bundle, load_predictor
from automl.model.rollback import recover
from automl.store.workspace import Workspace

__all__ = ["Served", "ModelHolder"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Served:
    run_id: str
    bundle: Bundle
    predictor: Any  # AutoGluon's predictor, or with `--engine onnx` the compact model (`automl.portable`)
    loaded_at: float
    engine: str = "autogluon"


def load_served(ws: Workspace, run_id: str) -> Served:
    """Verify the run's signature, then unpickle it once and keep every model it uses in memory (a change
    of the run's model that died half-way is undone first)."""
    recover(ws, run_id)
    bundle = load_bundle(ws, run_id)
    predictor = load_predictor(bundle)
    keep_in_memory(predictor, bundle)
    return Served(run_id, bundle, predictor, time.time())


def load_served_compact(ws: Workspace, run_id: str) -> Served:
    """As `load_served`, for `serve --engine onnx`: the run's model in use as a compact model (exported into
    the run's folder the first time, and again when the run changed), without AutoGluon in memory."""
    from automl.portable.stored import load_compact

    recover(ws, run_id)
    bundle = load_bundle(ws, run_id)
    return Served(run_id, bundle, load_compact(bundle, ws.secret_key()), time.time(), engine="onnx")


class ModelHolder:
    def __init__(self, ws: Workspace, run_id: str, deployment: str | None,
                 loader: Callable[[Workspace, str], Served] = load_served, check_every_s: float = 1.0,
                 freeze: bool = False) -> None:
        self.ws, self.deployment, self.loader, self.check_every_s = ws, deployment, loader, check_every_s
        self.freeze = freeze
        self._served = loader(ws, run_id)
        if freeze:
            gc.collect()
            gc.freeze()
        self._checked = time.monotonic()
        self._loading: str | None = None
        self._failed: str | None = None  # not retried until the deployment points elsewhere
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def current(self) -> Served:
        if time.monotonic() - self._checked >= self.check_every_s:
            self._checked = time.monotonic()
            self._follow_deployment()
        return self._served

    def _follow_deployment(self) -> None:
        """Load another run when the deployment points elsewhere, or the same run again when its signed files
        changed (a threshold saved on Evaluate, another model put in use): the bundle is a snapshot."""
        # no name binds the served model here: a reference held while a swap collects would keep the old one
        record = self.ws.get_deployment(self.deployment) if self.deployment else None
        serving = self._served.run_id
        wanted = record.run_id if record else serving
        stale = wanted == serving and changed_since_loaded(self._served.bundle, self._served.predictor)
        with self._lock:
            if (wanted == serving and not stale) or wanted in (self._loading, self._failed):
                return
            self._loading = wanted
        threading.Thread(target=self._load, args=(wanted,), daemon=True, name=f"load-{wanted}").start()

    def _load(self, run_id: str) -> None:
        try:
            served = self.loader(self.ws, run_id)
        except Exception as exc:  # noqa: BLE001 - the old model keeps answering; the reason is kept
            self.last_error = f"could not load {run_id}: {exc}"
            self._failed = run_id
            log.error("deployment %s: %s", self.deployment, self.last_error)
        else:
            self._served = served  # one assignment: a request sees the old model or the new, never half
            self.last_error, self._failed = None, None
            if self.freeze:  # the old model's cycles become collectable again, the new model frozen
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            log.info("deployment %s now serves %s", self.deployment, run_id)
        finally:
            with self._lock:
                self._loading = None

    def wait_for(self, run_id: str, timeout_s: float = 120.0) -> bool:
        """For tests and the CLI: poll until `run_id` is served (True) or the timeout passes."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.current().run_id == run_id:
                return True
            time.sleep(0.05)
        return False
