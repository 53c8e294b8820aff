"""The AutoGluon callback that streams training progress to `events.jsonl` and honours the stop file.

It holds only strings (paths), so presets that copy callbacks into a Ray worker can pickle it.
"""

from __future__ import annotations

import os
import time

from autogluon.core.callbacks import AbstractCallback

from automl.store.jobs import EventLog

__all__ = ["ProgressCallback"]


class ProgressCallback(AbstractCallback):
    def __init__(self, events_path: str, stop_path: str) -> None:
        super().__init__()
        self.events_path = str(events_path)
        self.stop_path = str(stop_path)
        self.current: str | None = None

    def _emit(self, event: str, **fields) -> None:
        EventLog(self.events_path).emit(event, **fields)

    def _before_model_fit(self, trainer, model, time_limit=None, stack_name="core", level=1, **kwargs):
        if os.path.exists(self.stop_path):
            self._emit("stop_honoured", model=model.name)
            return True, False
        self.current = model.name
        self._emit("model_started", model=model.name, time_limit=time_limit, level=level,
                   budget_left=_time_left(trainer))
        return False, False

    def _after_model_fit(self, trainer, model_names=None, stack_name="core", level=1, **kwargs):
        model_names = list(model_names or [])
        if not model_names:
            self._emit("model_failed", model=self.current, level=level, reason=_failure_reason(trainer, self.current))
        for name in model_names:
            score = _attr(trainer, name, "val_score")
            self._emit("model_done", model=name, level=level, score_val=score,
                       metric_val=_original(trainer, score), fit_time=_attr(trainer, name, "fit_time"))
        return False


def _failure_reason(trainer, model: str | None) -> str:
    """Why a model did not finish, from what AutoGluon's trainer recorded."""
    errors = getattr(trainer, "_models_failed_to_train_errors", {}) or {}
    if model in errors:
        info = errors[model]
        return f"{info.get('exc_type', 'error')}: {str(info.get('exc_str', ''))[:300]}"
    skipped = getattr(trainer, "_models_skipped_by_constraint", {}) or {}
    if model in skipped:
        return f"skipped: {skipped[model]}"
    return "not trained: the time budget ran out before it (AutoGluon gave no other reason)"


def _attr(trainer, model: str, attribute: str):
    try:
        value = trainer.get_model_attribute(model, attribute)
    except Exception:  # noqa: BLE001 - progress must never break training
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _original(trainer, score: float | None) -> float | None:
    """The metric as users read it (an error as a positive number), from AutoGluon's higher-is-better score."""
    if score is None:
        return None
    try:
        return float(trainer.eval_metric.convert_score_to_original(score))
    except Exception:  # noqa: BLE001
        return score


def _time_left(trainer) -> float | None:
    limit, start = getattr(trainer, "_time_limit", None), getattr(trainer, "_time_train_start", None)
    if limit is None or start is None:
        return None
    return max(0.0, limit - (time.time() - start))
