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
import stat
from pathlib import Path, PurePosixPath
from typing import Any

from automl import settings
from automl.errors import AutoMLError
from automl.store import atomic

__all__ = ["BundleSignatureError", "SIGNATURE_FILE", "signing_key", "digest_files", "files_under", "sign_manifest",
           "sign_dir", "verify_manifest", "verify_dir", "copy_verified", "open_regular"]

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
    return settings.KEY.text().encode() if settings.KEY.is_set() else default


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
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def open_regular(path: Path):
    """Open `path` for reading only if it is a regular file and not a symbolic link (`O_NOFOLLOW`)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise BundleSignatureError(f"{Path(path).name} is not a regular file; a model folder holds only files "
                                   "and folders. Refused.")
    return os.fdopen(fd, "rb")


def files_under(root: Path, names: list[str] | tuple[str, ...]) -> list[str]:
    """Every regular file under `names` (files or folders relative to `root`, those that exist), by relative
    POSIX path, found without following a symbolic link. A link anywhere (the root included), or anything
    that is neither a file nor a folder, is refused: through a linked folder the load could open files the
    signature never saw (`Path.rglob` does not descend into one)."""
    out: list[str] = []

    def visit(path: Path, rel: str) -> None:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            raise BundleSignatureError(f"{rel} is a symbolic link; a model folder holds only files and folders. "
                                       "Refused.")
        if stat.S_ISDIR(mode):
            with os.scandir(path) as entries:
                names_here = sorted(e.name for e in entries)
            for name in names_here:
                visit(path / name, f"{rel}/{name}")
        elif stat.S_ISREG(mode):
            out.append(rel)
        else:
            raise BundleSignatureError(f"{rel} is not a regular file; a model folder holds only files and "
                                       "folders. Refused.")

    if stat.S_ISLNK(os.lstat(root).st_mode):
        raise BundleSignatureError(f"{Path(root).name} is a symbolic link to a model folder; refused.")
    for name in names:
        if os.path.lexists(root / name):
            visit(root / name, PurePosixPath(name).as_posix())
    return out


def digest_files(root: Path, names: list[str] | tuple[str, ...]) -> dict[str, str]:
    """SHA-256 of each file of `names` (files or folders, relative to `root`), by relative POSIX path."""
    return {rel: _sha256(root / rel) for rel in files_under(root, names)}


def digest_names(root: Path, names: list[str] | tuple[str, ...]) -> list[str]:
    """The relative POSIX paths of the files `digest_files` would hash."""
    return files_under(root, names)


def stat_stamp(root: Path, names: list[str] | tuple[str, ...]) -> tuple:
    """What the file system says of every file under `names` (inode, size, modification and change times):
    a cheap way to know that nothing was written or swapped since the files were verified. The change
    time cannot be set back by a user, so a rewrite with the same size and modification time still shows.
    A folder that cannot be walked (a link put in) gives a stamp no verified load has."""
    out = []
    try:
        rels = files_under(root, names)
    except (BundleSignatureError, OSError):
        return (("unreadable",),)
    for rel in rels:
        try:
            st = os.lstat(root / rel)
        except OSError:
            return (("unreadable",),)
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


def _checked_manifest(root: Path, key: bytes, what: str, covered, changed) -> tuple[dict, dict[str, str]]:
    """The signature of a folder (HMAC checked) and its manifest, once no file under `covered` is a link or
    missing from the manifest (none added after signing), except under the `changed` names."""
    try:
        signed = atomic.read_json(root / SIGNATURE_FILE)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleSignatureError(f"{what} has an unreadable signature; refused.") from exc
    files = verify_manifest(key, signed, what)
    for name in files:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise BundleSignatureError(f"{what} names a file outside its folder ({name}); refused.")
    try:
        present = files_under(root, covered)
    except BundleSignatureError as exc:
        raise BundleSignatureError(f"{what}: {exc}") from None
    except OSError as exc:
        raise BundleSignatureError(f"{what} cannot be read ({exc.strerror}); refused.") from None
    unsigned = sorted(n for n in set(present) - set(files) if not _under(n, changed))
    if unsigned:
        raise BundleSignatureError(f"{what}: the file {unsigned[0]} was not signed; refused.")
    return signed, files


def _under(name: str, names) -> bool:
    return any(name == c or name.startswith(c.rstrip("/") + "/") for c in names)


def verify_dir(root: Path, key: bytes, what: str, covered: tuple[str, ...] | list[str] = (),
               changed: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """Verify the signature and every file hash of a model folder; every file under the `covered` names
    must be in the signed manifest (none added after signing) and none may be a link. Files under the
    `changed` names (being changed on purpose, about to be signed again) are not compared. Returns the
    signed manifest. To load a model, use `copy_verified`: a file checked here can still be swapped before
    it is opened again."""
    _, files = _checked_manifest(root, key, what, covered, changed)
    for name, digest in files.items():
        if _under(name, changed):
            continue
        try:
            ok = hmac.compare_digest(_sha256(root / name), digest)
        except (OSError, BundleSignatureError):
            ok = False
        if not ok:
            raise BundleSignatureError(f"{what}: the file {name} was changed or removed after signing; refused.")
    return files


def copy_verified(root: Path, key: bytes, what: str, covered: tuple[str, ...] | list[str],
                  dest: Path) -> dict[str, str]:
    """Copy every signed file of `root` into `dest` (a private folder of this process), hashing the bytes as
    they are written, and refuse unless each copy matches the signed manifest. Load from `dest`, never from
    `root`: what is unpickled is then exactly what was hashed, whatever happens to `root` meanwhile."""
    signed, files = _checked_manifest(root, key, what, covered, ())
    for name, digest in sorted(files.items()):
        target = dest.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        h = hashlib.sha256()
        try:
            with open_regular(root / name) as src, open(target, "xb") as out:
                for block in iter(lambda: src.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
        except (OSError, BundleSignatureError):
            raise BundleSignatureError(f"{what}: the file {name} was changed or removed after signing; "
                                       "refused.") from None
        if not hmac.compare_digest(h.hexdigest(), digest):
            raise BundleSignatureError(f"{what}: the file {name} was changed or removed after signing; refused.")
    atomic.write_json(dest / SIGNATURE_FILE, signed)
    return files
