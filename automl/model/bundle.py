"""A run's deployable model: predictor + cleaning recipe + input schema + metrics, signed.

A bundle is offered only when complete, and its predictor is loaded only after its signature verifies
(`automl.model.signing`). Export writes a zip with a deployment clone of the predictor; import verifies the zip
before extracting anything that could be unpickled. (Moving code to `automl.model.bundle_io` keeps this short.)
"""

from __future__ import annotations

import logging
from enum import StrEnum
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

from automl.data.markdown import code
from automl.errors import RunNotReadyError, TaskKindError
from automl.model.run_files import FORECAST, SIGNED, RunFiles
from automl.model.schema import InputSchema
from automl.model.scoring import RunMetrics
from automl.model.signing import (
    SIGNATURE_FILE,
    copy_verified,
    sign_dir,
    sign_manifest,
    signing_key,
    stat_stamp,
    verify_dir,
)
from automl.store import atomic, private
from automl.store.workspace import Workspace

log = logging.getLogger(__name__)

__all__ = ["Bundle", "ThresholdSource", "keep_in_memory", "load_bundle", "load_predictor", "read_bundle", "ready_runs",
           "sign_run", "verify_bundle", "unchanged_since_loaded", "changed_since_loaded"]

_READY = ("succeeded", "stopped")


class ThresholdSource(StrEnum):
    """Who chose a saved decision threshold (`threshold.json`'s `source`)."""

    TRAINING = "training"   # tuned at training on validation rows
    EVALUATE = "evaluate"   # saved by the user on Evaluate (or `automl-studio`)


@dataclass(frozen=True)
class Bundle:
    """A snapshot of the run's files, read once (`read_bundle`): nothing here reads a file again, so a
    reader holding a bundle uses one consistent model, threshold and recipe. A change (a saved threshold,
    another model in use, a refit) is seen by loading the bundle again; `changed_since_loaded` tells a
    process that keeps one (the endpoint, the app's cache) that it should."""

    run_id: str
    run_dir: Path
    predictor_path: Path
    schema: InputSchema
    metrics: RunMetrics
    config: dict[str, Any]
    key: bytes = field(default=b"", repr=False, compare=False)
    recipe_spec: Any = field(default=None, repr=False, compare=False)  # recipe.json as read (None: no recipe)
    chosen_model: str | None = None  # deploy.json: the model the user chose (None: AutoGluon's best)
    saved_threshold: Mapping[str, Any] | None = field(default=None, compare=False)  # threshold.json as read

    @property
    def label(self) -> str:
        return self.schema.label

    @property
    def problem_type(self) -> str:
        return self.schema.problem_type

    @property
    def class_labels(self) -> list[Any] | None:
        return list(self.schema.class_labels) if self.schema.class_labels is not None else None

    @property
    def files(self) -> RunFiles:
        """The run's files, each named once (`automl.model.run_files`)."""
        return RunFiles(self.run_dir)

    @property
    def autogluon_best(self) -> str | None:
        """The model AutoGluon ranked best on validation data when training ended."""
        return self.metrics.best_model

    @cached_property
    def recipe(self):
        """The fitted cleaning recipe, replayed on every row before the predictor (empty if none)."""
        from automl.data.cleaning import Recipe

        return Recipe.from_dict(self.recipe_spec)

    @property
    def deployed_model(self) -> str:
        """The leaderboard model predictions use: the user's choice, else AutoGluon's best."""
        return self.chosen_model or self.autogluon_best

    @property
    def trained_on_all_rows(self) -> bool:
        """Whether the model predictions use was retrained on every row, the test split included."""
        return bool(self.metrics.final_model) and self.deployed_model == self.metrics.final_model

    @property
    def measured_model(self) -> str:
        """The model the test split measured: the model in use, or, when that one was retrained on every
        row (and so has seen the test split), the model it was retrained from. Anything scored on the test
        split (importance, leaderboards) uses this one, so no number comes from rows a model learned."""
        return self.metrics.best_model if self.trained_on_all_rows else self.deployed_model

    @property
    def threshold(self) -> float | None:
        """The saved decision threshold of a binary model (None: AutoGluon's own decision)."""
        return float(self.saved_threshold["threshold"]) if self.saved_threshold else None

    @property
    def threshold_chosen_by(self) -> str:
        """What the saved threshold was chosen for, as recorded ("" when none is saved)."""
        return str((self.saved_threshold or {}).get("chosen_by", ""))

    @property
    def threshold_source(self) -> str:
        """How the saved threshold was chosen, in words: tuned at training, or saved on Evaluate."""
        saved = self.saved_threshold or {}
        chosen = str(saved.get("chosen_by", ""))
        # `source` names the case (runs before it was recorded: the sentence training wrote)
        source = saved.get("source") or (ThresholdSource.TRAINING if chosen.startswith("tuned at training")
                                         else ThresholdSource.EVALUATE)
        return chosen if source == ThresholdSource.TRAINING else "saved on Evaluate"

    @property
    def feature_names(self) -> list[str]:
        return self.schema.names


def sign_run(ws: Workspace, run_id: str, changed: tuple[str, ...] = (), written: Mapping[str, str] | None = None,
             key_file: str | None = None) -> None:
    """Sign a run's model files with the workspace key.

    At the end of training (nothing `changed`), every file is hashed as it is. After a change (a saved
    threshold, another model in use, a shrunk or refitted predictor) the run is verified first, all but the
    `changed` files, and the new signature is made of the old one's verified entries for every other file
    and `written`: the digest of each file the caller wrote under the `changed` names, taken from the bytes
    it wrote (`atomic.write_json` returns it) or from its private copy. So re-signing never launders a file
    tampered with since, nor one swapped while this runs."""
    files = RunFiles(ws.run_dir(run_id))
    key = signing_key(ws.secret_key(), key_file)
    what = f"The model of run {run_id}"
    if not changed:
        if (files.root / SIGNATURE_FILE).exists():
            verify_dir(files.root, key, what, covered=SIGNED)
        sign_dir(files.root, files.signed(), key)
        return
    old = verify_dir(files.root, key, what, covered=SIGNED, changed=changed)
    written = dict(written or {})
    stray = [name for name in written if not any(name == c or name.startswith(c + "/") for c in changed)]
    if stray:
        raise ValueError(f"{stray[0]} is not under the changed names {changed}")
    manifest = {n: d for n, d in old.items() if not any(n == c or n.startswith(c + "/") for c in changed)}
    atomic.write_json(files.root / SIGNATURE_FILE, sign_manifest(key, manifest | written))


def read_bundle(files: RunFiles, run_id: str, config: dict[str, Any], key: bytes) -> Bundle:
    """The snapshot: every file a reader of the model uses, read now and once."""
    chosen = atomic.read_json(files.deploy)
    return Bundle(run_id=run_id, run_dir=files.root, predictor_path=files.predictor,
                  schema=InputSchema.from_dict(atomic.read_json(files.schema)),
                  metrics=RunMetrics.from_dict(atomic.read_json(files.metrics)), config=config, key=key,
                  recipe_spec=atomic.read_json(files.recipe), chosen_model=chosen["model"] if chosen else None,
                  saved_threshold=atomic.read_json(files.threshold))


def load_bundle(ws: Workspace, run_id: str, key_file: str | None = None) -> Bundle:
    """The run's model (a snapshot, `Bundle`), or `RunNotReadyError` saying why there is none (still training,
    failed, ...).

    It only reads. It does not move the job queue along or notice a training process that died
    (`automl.store.jobs.refresh` does, where someone waits on a job), nor put back the old model of a shrink
    or refit that died half-way (`automl.model.rollback.recover`: the app's run choice, the CLI's and the
    endpoint's start call it)."""
    run = ws.get_run(run_id)
    files = RunFiles(ws.run_dir(run_id))
    if run.problem_type == FORECAST:
        raise TaskKindError(f"Run {run.id} is a forecast of {code(run.label)}; this works on models of tables only "
                            "for now (a forecast's backtest is on Evaluate, its forecast on Predict or "
                            "`automl-studio predict`).")
    if run.status not in _READY or not files.model.exists():
        why = {"queued": "is waiting to start", "running": "is still training", "stopping": "is stopping",
               "failed": "failed", "cancelled": "was cancelled", "unknown": "never started"}.get(
            run.status, f"is {run.status}")
        raise RunNotReadyError(f"Run {run.id} {why}; it has no model to use. Pick a finished run.")
    return read_bundle(files, run_id, run.config, signing_key(ws.secret_key(), key_file))


def ready_runs(ws: Workspace, forecasts: bool = False) -> list[str]:
    """Ids of runs with a complete model, newest first (models of tables; with `forecasts`, forecasts too)."""
    return [r.id for r in ws.list_runs() if r.status in _READY and RunFiles(ws.run_dir(r.id)).model.exists()
            and (forecasts or r.problem_type != FORECAST)]


def verify_bundle(bundle: Bundle) -> None:
    """Check the run's signature and every signed file now (before loading, changing or re-signing it)."""
    verify_dir(bundle.run_dir, bundle.key, f"The model of run {bundle.run_id}", covered=SIGNED)


def load_predictor(bundle: Bundle):
    """Copy the run's signed files into a private folder, hashing them as they are copied, and load the
    AutoGluon predictor from that copy once every hash matches the signature (imports AutoGluon on first use).

    AutoGluon unpickles each model lazily, at its first prediction: from the private copy, which nobody
    else can write, so a file swapped in the run's folder after the check is never opened. The copy is
    removed with the predictor. A process that keeps the predictor may check `unchanged_since_loaded` to
    learn that the run changed since (a refit, a saved threshold) and load it again."""
    from autogluon.tabular import TabularPredictor

    stamp = stat_stamp(bundle.run_dir, SIGNED)  # taken first: a change during the copy shows later
    folder = private.private_folder("model")
    try:
        copy_verified(bundle.run_dir, bundle.key, f"The model of run {bundle.run_id}", SIGNED, folder)
        predictor = TabularPredictor.load(str(RunFiles(folder).predictor), verbosity=0,
                                          require_py_version_match=False)
    except BaseException:
        private.remove(folder)
        raise
    private.remove_with(predictor, folder)
    predictor._automl_studio_verified = (str(bundle.run_dir), stamp)  # noqa: SLF001 - our own mark on AutoGluon's object: which verified copy it was loaded from
    return predictor


def unchanged_since_loaded(bundle: Bundle, predictor: Any) -> bool:
    """Whether the run's signed files are exactly as they were when `predictor` was verified and loaded."""
    return getattr(predictor, "_automl_studio_verified", None) == (str(bundle.run_dir),
                                                                   stat_stamp(bundle.run_dir, SIGNED))


def changed_since_loaded(bundle: Bundle, predictor: Any) -> bool:
    """Whether a predictor loaded by `load_predictor` (others never count as changed) is out of date: the
    run's signed files (the model, its threshold, the model in use) changed since it was verified."""
    return hasattr(predictor, "_automl_studio_verified") and not unchanged_since_loaded(bundle, predictor)


def keep_in_memory(predictor: Any, bundle: Bundle) -> None:
    """Load the deployed model's members once instead of from disk on every model call (~10% of the time).

    For a process of its own (the explain job, the CLI, an endpoint): a predictor shared by the app's threads
    keeps loading from disk, as fastai's learner is not safe to share (its progress callback broke mid-call).
    """
    try:
        predictor.persist(models=[bundle.deployed_model], with_ancestors=True)
    except Exception as exc:  # noqa: BLE001 - a fake or a predictor that cannot: only slower
        log.warning("models of %s not kept in memory (loaded from disk on each call, slower): %s",
                    bundle.run_id, exc)
