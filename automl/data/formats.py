"""Opening an input: size limits, decompression (.gz, .bz2, .zip with one table), format and encoding detection.

A `Source` hands out fresh binary streams of the (decompressed) content, so a reader can sniff the head and
then stream the whole table without holding the file twice in memory. Progress is counted in bytes of the
raw input.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Literal

from automl.data.limits import check_inflated, max_inflated_bytes
from automl.errors import DataLoadError

__all__ = ["Source", "Format", "open_source", "detect_encoding", "TABLE_SUFFIXES"]

Format = Literal["csv", "excel", "parquet", "jsonl", "json"]
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv", ".xlsx": "excel", ".xlsm": "excel",
                  ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
_HEAD_BYTES = 1 << 20


class _Counting(io.RawIOBase):
    """A read-only stream that counts bytes, reports progress and enforces a byte budget."""

    def __init__(self, inner: BinaryIO, total: int | None, on_progress: Callable[[float], None] | None,
                 budget: int | None = None, name: str = "") -> None:
        self.inner, self.total, self.on_progress, self.budget, self.name = inner, total, on_progress, budget, name
        self.count = 0
        self._reported = -1.0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.budget is not None and self.count > self.budget:
            raise DataLoadError(f"{self.name} unpacks to more than {self.budget / 2**20:.0f} MB; "
                                "it is too large to load (or not a real table).")
        if self.on_progress and self.total:
            fraction = min(1.0, self.count / self.total)
            if fraction - self._reported >= 0.01:
                self._reported = fraction
                self.on_progress(fraction)
        return n


class _MemoryRaw(io.RawIOBase):
    """A seekable stream over bytes already in memory (an upload), without copying them."""

    def __init__(self, view: memoryview) -> None:
        self.view, self.pos = view.cast("B"), 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), len(self.view) - self.pos)
        buffer[:n] = self.view[self.pos:self.pos + n]
        self.pos += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: len(self.view)}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos


@dataclass
class Source:
    """A table file: its name, format and a way to open its decompressed content again and again."""

    name: str
    format: Format
    raw_size: int
    container: str | None
    _open_raw: Callable[[], BinaryIO]
    _unwrap: Callable[[BinaryIO], BinaryIO]
    max_bytes: int
    content_size: int | None = None  # unpacked size: the file's own, or what the archive says (zip, gzip)

    @property
    def inflation_budget(self) -> int:
        return max_inflated_bytes(self.max_bytes)

    def open(self, on_progress: Callable[[float], None] | None = None) -> BinaryIO:
        """A fresh buffered stream of the content; `on_progress` gets the fraction read so far."""
        if self.container == "zip":  # zip needs the seekable file; progress counts the member's bytes
            member = self._unwrap(self._open_raw())
            return io.BufferedReader(_Counting(member, self.content_size, on_progress,
                                               self.inflation_budget, self.name))
        raw = _Counting(self._open_raw(), self.raw_size, on_progress, name=self.name)
        content = self._unwrap(io.BufferedReader(raw))
        if self.container:
            content = io.BufferedReader(_Counting(content, None, None, self.inflation_budget, self.name))
        return content

    def open_seekable(self) -> BinaryIO:
        """A seekable stream (Parquet and Excel need one): the file itself, or the unpacked bytes in memory."""
        if self.container is None:
            return self._open_raw()
        with self.open() as fh:
            return io.BytesIO(fh.read())

    def head(self, n: int = _HEAD_BYTES) -> bytes:
        with self.open() as fh:
            return fh.read(n)

    def checked(self) -> "Source":
        """Read the first bytes through the decompressor: a damaged archive fails here, with a reason."""
        try:
            head = self.head(4096)
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise DataLoadError(f"{self.name}: the compressed file is damaged ({exc}).") from exc
        if not head:
            raise DataLoadError(f"{self.name} is empty inside its archive.")
        if head.startswith(b"PAR1"):
            self.format = "parquet"
        check_inflated(self.name, self.content_size, self.max_bytes)
        return self


def open_source(source: str | os.PathLike[str] | bytes | BinaryIO, name: str | None, max_bytes: int) -> Source:
    """Check the size limit, see through compression and find the table's format."""
    if isinstance(source, (bytes, bytearray, memoryview)) or hasattr(source, "getbuffer"):
        view = memoryview(source.getbuffer() if hasattr(source, "getbuffer") else source)
        open_raw: Callable[[], BinaryIO] = lambda: io.BufferedReader(_MemoryRaw(view))  # noqa: E731
        size, name = view.nbytes, name or getattr(source, "name", "upload")
    elif hasattr(source, "read"):
        data = source.read()
        open_raw = lambda: io.BytesIO(data)  # noqa: E731
        size, name = len(data), name or getattr(source, "name", "upload")
    else:
        path = Path(source)
        if not path.is_file():
            raise DataLoadError(f"No file at {path}.")
        open_raw = lambda: open(path, "rb")  # noqa: E731
        size, name = path.stat().st_size, name or path.name
    name = str(name)
    if size > max_bytes:
        raise DataLoadError(f"{name} is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit; "
                            "sample it or raise AUTOML_STUDIO_MAX_UPLOAD_MB.")
    if size == 0:
        raise DataLoadError(f"{name} is empty: there is nothing to read.")
    with open_raw() as fh:
        magic = fh.read(8)
    lower = name.lower()
    if magic.startswith(b"\x1f\x8b"):
        inner = _strip_suffix(name, ".gz")
        return Source(inner, _format_of(inner, None), size, "gzip", open_raw,
                      lambda fh: gzip.GzipFile(fileobj=fh), max_bytes, content_size=_gzip_size(open_raw)).checked()
    if magic.startswith(b"BZh"):
        inner = _strip_suffix(name, ".bz2")
        return Source(inner, _format_of(inner, None), size, "bz2", open_raw,
                      lambda fh: bz2.BZ2File(fh), max_bytes).checked()
    if magic.startswith(b"PK\x03\x04"):
        return _zip_source(name, open_raw, size, max_bytes)
    if magic.startswith(b"PK"):
        raise DataLoadError(f"{name} is a damaged or empty zip archive.")
    if magic.startswith(b"PAR1"):
        return Source(name, "parquet", size, None, open_raw, lambda fh: fh, max_bytes, content_size=size)
    return Source(name, _format_of(lower, magic), size, None, open_raw, lambda fh: fh, max_bytes, content_size=size)


def _zip_source(name: str, open_raw: Callable[[], BinaryIO], size: int, max_bytes: int) -> Source:
    try:
        with open_raw() as fh, zipfile.ZipFile(fh) as zf:
            infos = {i.filename: i.file_size for i in zf.infolist() if not i.is_dir()
                     and not i.filename.startswith("__MACOSX/") and not PurePosixPath(i.filename).name.startswith(".")}
            names = list(infos)
    except zipfile.BadZipFile as exc:
        raise DataLoadError(f"{name} is a damaged zip archive ({exc}).") from exc
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        check_inflated(name, sum(infos.values()), max_bytes)  # zipfile holds each member to its stated size
        return Source(name, "excel", size, None, open_raw, lambda fh: fh, max_bytes, content_size=sum(infos.values()))
    tables = [n for n in names if PurePosixPath(n).suffix.lower() in TABLE_SUFFIXES]
    if len(tables) != 1:
        listed = ", ".join(tables[:5]) or "no table file"
        raise DataLoadError(f"{name} must hold exactly one table; it holds {len(tables)} ({listed}).")
    member = tables[0]

    def unwrap(fh: BinaryIO) -> BinaryIO:
        return zipfile.ZipFile(fh).open(member)

    inner_name = PurePosixPath(member).name
    return Source(inner_name, _format_of(inner_name, None), size, "zip", open_raw, unwrap, max_bytes,
                  content_size=infos[member]).checked()


def _gzip_size(open_raw: Callable[[], BinaryIO]) -> int | None:
    """The unpacked size a gzip file states in its last 4 bytes (modulo 4 GB; a hint, enforced while read)."""
    try:
        with open_raw() as fh:
            fh.seek(-4, io.SEEK_END)
            return int.from_bytes(fh.read(4), "little")
    except (OSError, ValueError):
        return None


def _strip_suffix(name: str, suffix: str) -> str:
    return name[: -len(suffix)] if name.lower().endswith(suffix) else name


def _format_of(name: str, magic: bytes | None) -> Format:
    suffix = Path(name.lower()).suffix
    fmt = TABLE_SUFFIXES.get(suffix)
    if fmt:
        return fmt  # type: ignore[return-value]
    if magic is not None and magic.lstrip()[:1] in (b"{", b"["):
        return "jsonl" if magic.lstrip()[:1] == b"{" else "json"
    return "csv"


def detect_encoding(head: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM or the NUL pattern of ASCII text), else the legacy code page
    charset-normalizer finds (CP-1252 / Latin-1 when it cannot tell)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        odd, even = sample[1::2].count(b"\x00"), sample[0::2].count(b"\x00")
        if odd > 0.4 * len(sample) / 2:
            return "utf-16-le"
        if even > 0.4 * len(sample) / 2:
            return "utf-16-be"
    if b"\x00" in sample:
        raise DataLoadError(f"{name} looks like a binary file, not a text table; use a CSV, TSV, Excel, "
                            "Parquet or JSON lines file.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # an incomplete last character is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return _legacy_encoding(head)


# The legacy code pages files come in, most common first: a tie between two is read as the earlier one.
_LEGACY = ["cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "cp1255", "cp1256", "koi8_r", "cp932",
           "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr", "iso8859_2", "iso8859_5", "iso8859_15"]


def _legacy_encoding(head: bytes) -> str:
    """A single- or multi-byte legacy code page (Western or Central European, Cyrillic, Shift-JIS, ...),
    found by charset-normalizer among `_LEGACY`; CP-1252 / Latin-1 when it cannot tell."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(head[:262144], cp_isolation=_LEGACY))
    if matches:
        rank = {name: i for i, name in enumerate(_LEGACY)}
        best = min(matches, key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), rank.get(m.encoding, 99)))
        text = str(best)
        for name in _LEGACY[:rank.get(best.encoding, 0)]:  # an earlier code page that reads the same text
            try:
                if head[:262144].decode(name) == text:
                    return codecs.lookup(name).name
            except UnicodeDecodeError:
                continue
        return codecs.lookup(best.encoding).name
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"
