"""The training callback's events, against a stand-in for AutoGluon's trainer."""

import json
import pickle
from types import SimpleNamespace

from automl.training.callbacks import ProgressCallback


class FakeTrainer:
    _time_limit = 60
    _time_train_start = None
    _callback_early_stop = False

    def __init__(self):
        self._models_failed_to_train_errors = {"CatBoost": {"exc_type": "MemoryError", "exc_str": "out of memory"}}
        self._models_skipped_by_constraint = {}
        self.eval_metric = SimpleNamespace(convert_score_to_original=lambda s: -s)

    def get_model_attribute(self, model, attribute):
        return {"val_score": -12.5, "fit_time": 1.5}[attribute]


def _events(tmp_path):
    return [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]


def test_finished_models_and_failures_with_their_reason(tmp_path):
    cb = ProgressCallback(tmp_path / "events.jsonl", tmp_path / "STOP")
    trainer = FakeTrainer()
    cb.before_model_fit(trainer, SimpleNamespace(name="LightGBM"), time_limit=30)
    cb.after_model_fit(trainer, model_names=["LightGBM"])
    cb.before_model_fit(trainer, SimpleNamespace(name="CatBoost"), time_limit=20)
    cb.after_model_fit(trainer, model_names=[])
    events = _events(tmp_path)
    assert [e["event"] for e in events] == ["model_started", "model_done", "model_started", "model_failed"]
    assert events[1]["score_val"] == -12.5 and events[1]["metric_val"] == 12.5  # an error, shown as an error
    assert events[3]["model"] == "CatBoost" and events[3]["reason"] == "MemoryError: out of memory"


def test_the_stop_file_ends_training_and_the_callback_pickles(tmp_path):
    cb = ProgressCallback(tmp_path / "events.jsonl", tmp_path / "STOP")
    assert pickle.loads(pickle.dumps(cb)).events_path == cb.events_path  # Ray copies callbacks
    (tmp_path / "STOP").touch()
    early_stop, _ = cb.before_model_fit(FakeTrainer(), SimpleNamespace(name="XGBoost"))
    assert early_stop is True
    assert _events(tmp_path)[-1]["event"] == "stop_honoured"

