"""The run contract: every file of a run's folder named once, and the one list of files its signature covers.

Training writes these, evaluation and prediction read them, export packs them; no other module spells a
run-folder file name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunFiles", "SIGNED", "EXPORTED", "FORECAST"]

FORECAST = "forecast"  # the problem type of a forecast run (automl.model.forecast_run reads its files)

PREDICTOR = "predictor"            # the AutoGluon predictor folder (a pickle: loaded only once verified)
RECIPE = "recipe.json"             # the fitted cleaning recipe, replayed on every row
SCHEMA = "schema.json"             # the input schema: columns, how each was read, ranges, categories
METRICS = "metrics.json"           # test-split metrics, AutoGluon's best model, the model in use
THRESHOLD = "threshold.json"       # the saved decision threshold of a binary model
DEPLOY = "deploy.json"             # the leaderboard model predictions use, when the user chose one
MODEL = "model.json"               # written last: the run's model is complete
CONFIG = "config.json"             # the resolved training configuration
ROLLBACK = "rollback"              # a model swap's old files, kept until the new state is signed
NEXT = "predictor.next"            # a model swap's new predictor, built before it is swapped in

# Every file that decides what is loaded or how rows are scored: the HMAC signature covers these.
SIGNED: tuple[str, ...] = (PREDICTOR, RECIPE, SCHEMA, METRICS, THRESHOLD, DEPLOY, MODEL)
# What an exported bundle holds: the signed files and the training configuration.
EXPORTED: tuple[str, ...] = SIGNED + (CONFIG,)


@dataclass(frozen=True)
class RunFiles:
    """The paths of one run's files (a workspace run folder, or an extracted bundle)."""

    root: Path

    @property
    def predictor(self) -> Path:
        return self.root / PREDICTOR

    @property
    def half_swapped(self) -> bool:
        """A shrink or refit is swapping the model in, or died half-way (`automl.model.rollback`)."""
        return (self.root / ROLLBACK).exists() or (self.root / NEXT).exists()

    @property
    def recipe(self) -> Path:
        return self.root / RECIPE

    @property
    def schema(self) -> Path:
        return self.root / SCHEMA

    @property
    def metrics(self) -> Path:
        return self.root / METRICS

    @property
    def threshold(self) -> Path:
        return self.root / THRESHOLD

    @property
    def deploy(self) -> Path:
        return self.root / DEPLOY

    @property
    def model(self) -> Path:
        return self.root / MODEL

    @property
    def config(self) -> Path:
        return self.root / CONFIG

    @property
    def test_rows(self) -> Path:
        """The held-out test split as it was read (input columns and target)."""
        return self.root / "test.parquet"

    @property
    def test_predictions(self) -> Path:
        return self.root / "test_predictions.parquet"

    @property
    def train_sample(self) -> Path:
        """Up to 500 training rows as read: the background of explanations."""
        return self.root / "train_sample.parquet"

    @property
    def validation_predictions(self) -> Path:
        """Out-of-fold / validation probabilities of the model in use: where thresholds are tuned."""
        return self.root / "validation_predictions.parquet"

    @property
    def leaderboard(self) -> Path:
        return self.root / "leaderboard.parquet"

    @property
    def importance(self) -> Path:
        return self.root / "importance.parquet"

    @property
    def shrink(self) -> Path:
        return self.root / "shrink.json"

    @property
    def refit(self) -> Path:
        return self.root / "refit.json"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def shap(self) -> Path:
        return self.root / "shap"

    @property
    def compact(self) -> Path:
        """The model in use exported as a compact model for `serve --engine onnx` (signed on its own)."""
        return self.root / "compact"

    def signed(self) -> list[str]:
        """The signed files this run has (threshold and deploy choice exist only once chosen)."""
        return [n for n in SIGNED if (self.root / n).exists()]
