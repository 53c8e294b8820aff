"""The compact model an endpoint serves with `--engine onnx`: the run's model in use, exported once into the
run's `compact/` folder (signed with the workspace's key, with the run signature it was made from) and
loaded from a verified private copy. A change of the run (another model in use, a saved threshold, a refit)
changes its signature, and the next load exports again."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from automl.model.bundle import Bundle, load_predictor
from automl.model.signing import SIGNATURE_FILE, copy_verified, stat_stamp, verify_dir
from automl.model.run_files import SIGNED
from automl.portable.export import FILES, export_compact
from automl.portable.scorer import Scorer
from automl.store import atomic, private

__all__ = ["CompactModel", "load_compact", "ensure_compact", "zipped"]

_SOURCE = "source.json"


class CompactModel:
    """A verified compact model in memory: `score_frame` answers rows already read for the model (the
    endpoint's reader ran first) with the columns `score_input` gives."""

    def __init__(self, scorer: Scorer, model: str, verified: tuple) -> None:
        self.scorer, self.model = scorer, model
        # the mark `automl.model.bundle.changed_since_loaded` reads: the run's signed files when this was loaded
        self._automl_studio_verified = verified

    def score_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        columns = {c: (X[c].to_numpy() if X[c].dtype.kind in "fiu" else X[c].tolist()) for c in self.scorer.columns}
        answers = self.scorer.predict_columns(columns)
        return pd.DataFrame({k: answers[k] for k in self.scorer.output_columns}, index=X.index)


def _source(bundle: Bundle) -> dict[str, Any]:
    signature = bundle.run_dir / SIGNATURE_FILE
    digest = hashlib.sha256(signature.read_bytes()).hexdigest() if signature.exists() else ""
    return {"run": bundle.run_id, "run_signature": digest, "model": bundle.deployed_model}


def _current(folder: Path, bundle: Bundle, key: bytes) -> bool:
    """Whether the stored compact model is signed, intact and made from the run as it is now."""
    if not folder.exists():
        return False
    try:
        verify_dir(folder, key, "The compact model", covered=[*FILES, _SOURCE])
    except Exception:  # noqa: BLE001 - anything wrong with the stored copy: export it again
        return False
    return atomic.read_json(folder / _SOURCE, {}) == _source(bundle)


def ensure_compact(bundle: Bundle, key: bytes) -> Path:
    """The run's `compact/` folder holding its model in use, exported now when it is missing or stale
    (`ExportRefused` with the reason when it cannot be)."""
    folder = bundle.files.compact
    if not _current(folder, bundle, key):
        fresh = folder.with_name(folder.name + ".new")
        shutil.rmtree(fresh, ignore_errors=True)
        predictor = load_predictor(bundle)
        try:
            export_compact(bundle, predictor, fresh)
        finally:
            del predictor
        atomic.write_json(fresh / _SOURCE, _source(bundle))
        from automl.model.signing import sign_dir

        sign_dir(fresh, [*FILES, _SOURCE], key)
        shutil.rmtree(folder, ignore_errors=True)
        fresh.replace(folder)
    return folder


def zipped(folder: Path) -> bytes:
    """The export folder as a zip (its files at the top level), for a download."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.name != _SOURCE:
                z.write(f, f"compact-model/{f.name}")
    return buffer.getvalue()


def load_compact(bundle: Bundle, key: bytes) -> CompactModel:
    """The run's model in use as a compact model (`ensure_compact`), verified and loaded from a private copy."""
    verified = (str(bundle.run_dir), stat_stamp(bundle.run_dir, SIGNED))
    folder = ensure_compact(bundle, key)
    copy = private.private_folder("compact")
    try:
        copy_verified(folder, key, "The compact model", [*FILES, _SOURCE], copy)
        scorer = Scorer(copy)
    finally:
        private.remove(copy)
    return CompactModel(scorer, bundle.deployed_model, verified)
