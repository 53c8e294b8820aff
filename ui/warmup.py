"""Work every first visit would otherwise wait for, started once per server in the background: importing
torch to look for GPUs (the Train page's pre-flight; 1.2 s here), AutoGluon (the first model loaded by
Evaluate, Explain or Predict; 1.6 s), the networkx its trainer imports when a model is loaded (0.35 s), the
altair behind Streamlit's own bar charts (0.3 s, Predict's probabilities) and the version lookup AutoGluon
does on every load. Measured by `benchmarks/page_speed.py`."""

from __future__ import annotations

import logging
import threading

__all__ = ["warm_up_once", "wait_for_warm_up"]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_started = False
_done = threading.Event()


def wait_for_warm_up(timeout_s: float = 60.0) -> None:
    """Wait until the background imports are done (at most `timeout_s`). A page that loads a model while the
    warm-up thread imports the same libraries can get a half-imported module: Predict opened first on a
    fresh server failed with "cannot import name 'Graph' from partially initialized module networkx"."""
    if _started:
        _done.wait(timeout_s)


def warm_up_once() -> None:
    global _started
    with _lock:
        if _started:
            return
        _started = True
    threading.Thread(target=_warm, daemon=True, name="warm-up").start()


def _warm() -> None:
    try:
        from automl.training.config import gpu_names

        gpu_names()
        import autogluon.tabular  # noqa: F401  (imported for their side effect: later imports are instant)
        import altair  # noqa: F401
        import networkx  # noqa: F401
        from autogluon.common.utils.utils import get_autogluon_metadata

        get_autogluon_metadata()
    except Exception:  # only slower first visits
        log.warning("warming up failed; pages load what they need on first use", exc_info=True)
    finally:
        _done.set()
