"""Atomic file writes: write to a temporary file beside the target, then `os.replace`."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

__all__ = ["atomic_path", "write_bytes", "write_text", "write_json", "write_parquet", "read_json"]


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `target`, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _new_file_beside(target)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _new_file_beside(target: Path) -> Path:
    """A new empty file next to `target`, with the permissions of an ordinary new file (0666 less the
    process's umask, applied by the system: mkstemp's 0600 would hide outputs from the user's group)."""
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file beside {target}")


def write_bytes(target: Path, data: bytes) -> str:
    """Write `data`; returns the SHA-256 of what was written (what a signature of it must say)."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return hashlib.sha256(data).hexdigest()


def write_text(target: Path, text: str) -> str:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: Path, obj: Any) -> str:
    return write_text(target, json.dumps(obj, indent=2, default=_json_default))


def write_parquet(target: Path, df: pd.DataFrame) -> None:
    with atomic_path(target) as tmp:
        df.to_parquet(tmp, index=False)


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def _json_default(obj: Any) -> Any:
    # numpy scalars and paths appear in metrics and configs
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")
