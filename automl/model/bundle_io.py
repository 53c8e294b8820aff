"""Export a run's model as a signed zip, and import one — verifying it before anything is unpickled.

The zip holds a deployment clone of the predictor (only what prediction needs), the cleaning recipe, the
input schema, the metrics, the training configuration, and `SIGNATURE.json`: an HMAC over the SHA-256 of
every other file. Import reads that JSON first, checks the HMAC with the signing key, refuses any file
not in the manifest or not matching its hash, and only then places the model in the workspace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath

from automl.model.bundle import Bundle, load_bundle, load_predictor, read_bundle
from automl.model.run_files import EXPORTED, PREDICTOR, SIGNED, RunFiles
from automl.model.scoring import RunMetrics
from automl.model.signing import (
    SIGNATURE_FILE,
    BundleSignatureError,
    digest_files,
    sign_manifest,
    signing_key,
    verify_manifest,
)
from automl.store import atomic, jobs
from automl.store.workspace import RunInfo, Workspace

__all__ = ["export_bundle", "import_bundle", "open_bundle_file"]

_MAX_SIGNATURE_BYTES = 4 * 2**20  # a manifest of ~40,000 files; a real one is a few KB



def export_bundle(ws: Workspace, run_id: str, out: str | Path, key_file: str | None = None) -> Path:
    """Write `out` (a .zip): the run's model, signed with the workspace key (or the given key file)."""
    bundle = load_bundle(ws, run_id)
    predictor = load_predictor(bundle)  # verifies the run's own signature first
    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        stage = RunFiles(Path(tmp))
        predictor.clone_for_deployment(str(stage.predictor), model=bundle.deployed_model)
        for name in SIGNED:
            if name != PREDICTOR and (bundle.run_dir / name).exists():
                shutil.copy2(bundle.run_dir / name, stage.root / name)
        atomic.write_json(stage.config, bundle.config)
        names = [n for n in EXPORTED if (stage.root / n).exists()]
        signed = sign_manifest(signing_key(ws.secret_key(), key_file), digest_files(stage.root, names))
        with atomic.atomic_path(out) as part:
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(SIGNATURE_FILE, json.dumps(signed, indent=2))
                for rel in signed["files"]:
                    zf.write(stage.root / rel, rel)
    return out


def _extract_verified(path: str | Path, key: bytes, dest: Path) -> dict[str, str]:
    """Verify a bundle zip and extract it to `dest`, hashing each file as it is written; returns the verified
    manifest. Nothing is unpickled here."""
    path = Path(path)
    what = f"The model file {path.name}"
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleSignatureError(f"{what} is not a model bundle (not a readable zip).") from exc
    with zf:
        members = {i.filename: i for i in zf.infolist() if not i.is_dir()}
        if SIGNATURE_FILE not in members:
            raise BundleSignatureError(f"{what} is not signed; it is refused (a model file runs code when loaded).")
        with zf.open(SIGNATURE_FILE) as fh:  # read at most the cap, whatever the archive claims
            raw = fh.read(_MAX_SIGNATURE_BYTES + 1)
        if len(raw) > _MAX_SIGNATURE_BYTES:
            raise BundleSignatureError(f"{what} has a signature file too large to be real "
                                       f"(over {_MAX_SIGNATURE_BYTES // 2**20} MB); refused.")
        try:
            signed = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise BundleSignatureError(f"{what} has an unreadable signature.") from exc
        files = verify_manifest(key, signed, what)
        extra = set(members) - set(files) - {SIGNATURE_FILE}
        if extra or set(files) - set(members):
            raise BundleSignatureError(f"{what} holds files that were not signed or lacks signed ones; refused.")
        for name, digest in files.items():
            pure = PurePosixPath(name)
            if pure.is_absolute() or ".." in pure.parts:
                raise BundleSignatureError(f"{what} has a file outside its folder ({name}); refused.")
            target = dest / Path(*pure.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            h = hashlib.sha256()
            with zf.open(name) as src, open(target, "wb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
            if not hmac.compare_digest(h.hexdigest(), digest):
                raise BundleSignatureError(f"{what}: {name} does not match its signed hash; refused.")
    atomic.write_json(dest / SIGNATURE_FILE, signed)
    return files


def import_bundle(ws: Workspace, path: str | Path, key_file: str | None = None) -> RunInfo:
    """Verify a bundle zip and add its model to the workspace as a finished run (re-signed with this key)."""
    key = signing_key(ws.secret_key(), key_file)
    run_id = jobs.new_job_id("run")
    run_dir = ws.run_dir(run_id)
    with tempfile.TemporaryDirectory(dir=ws.root) as tmp:
        manifest = _extract_verified(path, key, Path(tmp))
        config = atomic.read_json(RunFiles(Path(tmp)).config, {}) or {}
        metrics = RunMetrics.from_dict(atomic.read_json(RunFiles(Path(tmp)).metrics))
        shutil.move(tmp, run_dir)
        Path(tmp).mkdir()  # TemporaryDirectory removes it on exit
    config = {**config, "imported_from": Path(path).name}
    ws.add_run(run_id, config.get("dataset_id") or "imported", {**config, "label": config.get("label", "")})
    ws.add_job(run_id, "import", None, status="succeeded")
    ws.update_job(run_id, started_at=time.time(), finished_at=time.time(), message=f"Imported from {Path(path).name}")
    # verified above with the bundle's key, hashed as it was written; from now on it verifies with this
    # workspace's key. The signature is made of those hashes, never of the files as found after the move
    signed = {n: d for n, d in manifest.items() if any(n == s or n.startswith(s + "/") for s in SIGNED)}
    atomic.write_json(run_dir / SIGNATURE_FILE, sign_manifest(ws.secret_key(), signed))
    ws.set_run_result(run_id, metrics.test_score, metrics.value, metrics.eval_metric)
    return ws.get_run(run_id)


def open_bundle_file(path: str | Path, key: bytes, dest: Path) -> Bundle:
    """A bundle straight from a zip (for `predict MODEL.zip`), verified and extracted to `dest`."""
    _extract_verified(path, key, dest)
    files = RunFiles(dest)
    config = atomic.read_json(files.config, {}) or {}
    return read_bundle(files, Path(path).stem, config, key)
