"""The endpoint's model holder: with `freeze` the loaded model is kept out of the cyclic garbage collector's
walks, and a promotion still lets the old model go."""

import gc
import time
import weakref
from types import SimpleNamespace

from automl.serving.holder import ModelHolder, Served


class _Cyclic:
    """A model whose parts point at each other: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


def _loader(_ws, run_id: str) -> Served:
    return Served(run_id, bundle=None, predictor=_Cyclic(), loaded_at=time.time())


def test_a_frozen_model_is_let_go_when_the_deployment_moves():
    ws = SimpleNamespace(deployment=SimpleNamespace(run_id="run-a"))
    ws.get_deployment = lambda name: ws.deployment
    try:
        holder = ModelHolder(ws, "run-a", "prices", loader=_loader, check_every_s=0.0, freeze=True)
        assert gc.get_freeze_count() > 0
        old = weakref.ref(holder.current().predictor)
        ws.deployment = SimpleNamespace(run_id="run-b")
        assert holder.wait_for("run-b", timeout_s=10)
        deadline = time.monotonic() + 5
        while (old() is not None or not gc.get_freeze_count()) and time.monotonic() < deadline:
            time.sleep(0.05)  # the swap's collection runs in the loading thread
        assert old() is None, "the old model stayed frozen after the promotion"
        assert gc.get_freeze_count() > 0  # and the new one is frozen again
    finally:
        gc.unfreeze()
