"""The sample datasets shipped in `sample_data/`, with the column each one predicts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from automl.data.datasets import import_table
from automl.resources import app_root
from automl.store.workspace import DatasetInfo, Workspace

__all__ = ["Sample", "SAMPLES", "sample_dir", "add_sample"]


@dataclass(frozen=True)
class Sample:
    file: str
    label: str
    task: str
    blurb: str


SAMPLES: dict[str, Sample] = {
    "titanic": Sample("titanic.csv", "survived", "binary", "Who survived the Titanic (1,309 passengers)."),
    "penguins": Sample("penguins.csv", "species", "multiclass", "Which of three species a penguin is (344 birds)."),
    "credit": Sample("credit_data.csv", "Status", "binary",
                     "Whether a loan was repaid (4,454 loans; 28% went bad)."),
    "diamonds": Sample("diamonds.csv", "price", "regression", "The price of a diamond (53,940 stones)."),
    "arrivals": Sample("arrivals_quarterly.csv", "arrivals", "forecast",
                       "Visitors to Australia per quarter from 4 countries, 1981-2012: forecast the next quarters."),
}


def sample_dir() -> Path:
    return app_root() / "sample_data"


def add_sample(ws: Workspace, key: str) -> DatasetInfo:
    sample = SAMPLES[key]
    meta = {"suggested_label": sample.label} | ({"task": "forecast"} if sample.task == "forecast" else {})
    info, _ = import_table(ws, sample_dir() / sample.file, meta=meta)  # a forecast's sample opens Train on it
    return info
