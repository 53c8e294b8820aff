"""Signatures of model files: an HMAC-SHA256 over a manifest of every file's SHA-256.

An AutoGluon predictor is a pickle, and unpickling runs code. So a model is loaded only after its
signature verifies with the workspace's own key — or a key shared on purpose, to move models between
machines (`AUTOML_STUDIO_KEY`, or a key file). The manifest and signature are plain JSON: checking them
never unpickles anything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from automl.errors import AutoMLError
from automl.store import atomic

__all__ = ["BundleSignatureError", "SIGNATURE_FILE", "signing_key", "digest_files", "sign_manifest", "sign_dir",
           "verify_manifest", "verify_dir"]

SIGNATURE_FILE = "SIGNATURE.json"
ALGORITHM = "hmac-sha256"


class BundleSignatureError(AutoMLError, ValueError):
    """A model whose signature is missing, wrong or made with another key: refused before loading."""


def signing_key(default: bytes, key_file: str | Path | None = None) -> bytes:
    """The key to sign and verify with: a key file, else `$AUTOML_STUDIO_KEY`, else the workspace's own."""
    if key_file:
        data = Path(key_file).read_bytes()
        if not data.strip():
            raise BundleSignatureError(f"The key file {key_file} is empty.")
        return _key_from_file(data)
    env = os.environ.get("AUTOML_STUDIO_KEY")
    return env.encode() if env else default


def _key_from_file(data: bytes) -> bytes:
    """A key file's key. A workspace's own `secret.key` is 32 raw random bytes, used byte for byte (about one
    key in twenty starts or ends with a byte that looks like whitespace); a key someone typed or pasted into
    a text file loses its surrounding whitespace and line end."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return text.strip().encode() if text.strip().isprintable() else data


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def digest_files(root: Path, names: list[str]) -> dict[str, str]:
    """SHA-256 of each file of `names` (files or folders, relative to `root`), by relative POSIX path."""
    out = {}
    for name in names:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            out[f.relative_to(root).as_posix()] = _sha256(f)
    return out


def digest_names(root: Path, names: list[str]) -> list[str]:
    """The relative POSIX paths of the files `digest_files` would hash."""
    out = []
    for name in names:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        out += [f.relative_to(root).as_posix() for f in files]
    return out


def stat_stamp(root: Path, names: list[str] | tuple[str, ...]) -> tuple:
    """What the file system says of every file under `names` (inode, size, modification and change times):
    a cheap way to know that nothing was written or swapped since the files were verified. The change
    time cannot be set back by a user, so a rewrite with the same size and modification time still shows."""
    out = []
    for rel in digest_names(root, [n for n in names if (root / n).exists()]):
        st = os.stat(root / rel)
        out.append((rel, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def _mac(key: bytes, manifest: dict[str, str]) -> str:
    canonical = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()


def sign_manifest(key: bytes, manifest: dict[str, str]) -> dict:
    return {"algorithm": ALGORITHM, "files": manifest, "signature": _mac(key, manifest)}


def sign_dir(root: Path, names: list[str], key: bytes) -> dict:
    signed = sign_manifest(key, digest_files(root, names))
    atomic.write_json(root / SIGNATURE_FILE, signed)
    return signed


def verify_manifest(key: bytes, signed: Any, what: str) -> dict[str, str]:
    """Check the HMAC of a manifest (plain JSON); return its files. Raises `BundleSignatureError`."""
    if not signed or not isinstance(signed, dict) or "signature" not in signed or "files" not in signed:
        raise BundleSignatureError(f"{what} is not signed; it is refused (a model file runs code when loaded).")
    files = signed["files"]
    if not isinstance(files, dict) or not isinstance(signed["signature"], str) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise BundleSignatureError(f"{what} has a malformed signature; it is refused.")
    if signed.get("algorithm") != ALGORITHM or not hmac.compare_digest(_mac(key, signed["files"]),
                                                                        str(signed["signature"])):
        raise BundleSignatureError(
            f"{what} has a signature that does not match this workspace's key: it was changed, or made on "
            "another machine. To move models between machines on purpose, share the signing key "
            "(AUTOML_STUDIO_KEY or --key-file).")
    return signed["files"]


def verify_dir(root: Path, key: bytes, what: str, covered: tuple[str, ...] | list[str] = (),
               changed: tuple[str, ...] | list[str] = ()) -> None:
    """Verify the signature and every file hash of a model folder before anything in it is loaded; every
    file under the `covered` names must be in the signed manifest (none added after signing). Files under
    the `changed` names (being changed on purpose, about to be signed again) are not compared."""
    try:
        signed = atomic.read_json(root / SIGNATURE_FILE)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleSignatureError(f"{what} has an unreadable signature; refused.") from exc
    files = verify_manifest(key, signed, what)
    skip = lambda name: any(name == c or name.startswith(c.rstrip("/") + "/") for c in changed)  # noqa: E731
    present = digest_names(root, [n for n in covered if (root / n).exists()])
    unsigned = sorted(n for n in set(present) - set(files) if not skip(n))
    if unsigned:
        raise BundleSignatureError(f"{what}: the file {unsigned[0]} was not signed; refused.")
    for name, digest in files.items():
        if skip(name):
            continue
        path = root / name
        if not path.is_file() or not hmac.compare_digest(_sha256(path), digest):
            raise BundleSignatureError(f"{what}: the file {name} was changed or removed after signing; refused.")
