"""Folders that only this process's user can open, outside the workspace: where a model is copied and
hashed before it is loaded (`automl.model.signing.copy_verified`), and where a job builds a changed model.

A workspace folder may be writable by others (a shared disk, a careless `chmod`); a model checked there can
be swapped before AutoGluon opens it again. These folders live under the system's temporary folder (whose
sticky bit stops others renaming what is ours), in `automl-studio-<uid>/`, mode 0700, which must be ours and
not a link. Each holds a lock for as long as its owner lives (an `flock`, which the system drops when the
process dies, whatever its process id space); one whose lock is free was left by a process that was killed
before its clean-up ran, and the next process that makes a folder removes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
import weakref
from pathlib import Path
from typing import Any

__all__ = ["private_folder", "remove", "remove_with", "PrivateFolderError"]


class PrivateFolderError(OSError):
    """The private parent folder exists but is not safely ours."""


def _parent() -> Path:
    base = Path(tempfile.gettempdir()) / f"automl-studio-{os.getuid()}"
    try:
        base.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = os.lstat(base)
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise PrivateFolderError(f"{base} is not a folder of this user's own; remove it (or set TMPDIR to "
                                 "another folder) so models can be checked in private.")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(base, 0o700)
    return base


_LOCK = ".owner.lock"
_MAKING = ".making-"  # a folder not yet locked: never taken for an abandoned one
_held: dict[str, int] = {}  # folder -> the descriptor holding its lock, closed when the folder is removed


def _remove_abandoned(base: Path) -> None:
    for entry in base.iterdir():
        if str(entry) in _held or entry.name.startswith(_MAKING):
            continue
        try:
            fd = os.open(entry / _LOCK, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue  # being made right now (no lock file yet), or not one of ours
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its owner is alive
        finally:
            os.close(fd)
        shutil.rmtree(entry, ignore_errors=True)


def private_folder(what: str) -> Path:
    """A new, empty folder (0700) that this process alone made, locked while it lives; the caller removes it
    (`remove`, or `remove_with` an object)."""
    base = _parent()
    _remove_abandoned(base)
    making = Path(tempfile.mkdtemp(prefix=f"{_MAKING}{os.getpid()}-{what}-", dir=base))
    fd = os.open(making / _LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # locked before another process can see it under its real name
    folder = base / making.name[len(_MAKING):]
    os.rename(making, folder)
    _held[str(folder)] = fd
    return folder


def remove(folder: Path | str) -> None:
    fd = _held.pop(str(folder), None)
    shutil.rmtree(folder, ignore_errors=True)
    if fd is not None:
        os.close(fd)


def remove_with(owner: Any, folder: Path) -> None:
    """Remove `folder` once `owner` is garbage (or when the process exits normally)."""
    weakref.finalize(owner, remove, str(folder))
