"""Atomic file writes: a crash or a bad input never leaves a half-written output behind."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import stat
import struct
import zlib
from pathlib import Path
from typing import Any

from rhymer.errors import ModelError, OutputError

MAX_JSON_BYTES = 1024 * 1024  # a model's small JSON files: metadata, manifest, vocabulary
MAX_COUNT = 2**53  # the largest count a model file may hold: beyond it a count overflows or loses precision as a float


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Only a new path or a regular file is replaced (never a device, FIFO, link or folder), and a
    failing write is an OutputError naming the file.
    """
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"'{path}' is not a regular file and rhymer does not replace it; remove it or write elsewhere")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a new name (O_EXCL: nothing else is replaced) with a plain open's mode, 0o666 less the umask as the
        # system applies it (reading the umask would set it, process-wide, for a moment)
        candidate = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        tmp = candidate
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write '{path}' ({err.strerror or err}); check the folder, its permissions and free space") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> None:
    """Atomically write UTF-8 text. A file name that is not UTF-8 (Python holds its bytes as lone surrogates,
    "\\udcff") is written escaped so, as Python shows it, instead of failing once all the work is done."""
    write_bytes(path, text.encode("utf-8", "backslashreplace"))


def write_json(path: str | Path, obj: Any, *, compress: bool = False) -> None:
    """Atomically write compact JSON (gzip-compressed when ``compress``); a lone surrogate from a file name that
    is not UTF-8 is written as JSON's own escape for it ("\\udcff"), which reads back as it was."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")
    write_bytes(path, gzip.compress(data, mtime=0) if compress else data)


def read_json(path: str | Path) -> Any:
    """Read JSON, transparently un-gzipping ``*.gz`` files."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def read_model_file(path: str | Path, limit: int, fix: str, size: int | None = None) -> bytes:
    """The bytes of a model file that must be a regular file inside its folder, of at most ``limit`` bytes.

    A model folder is untrusted: a symlink out of the folder, a FIFO (which would block for ever) or a
    device (/dev/zero) is refused before anything is read, and so is a file over ``limit`` bytes or,
    when ``size`` is given, of another size. ``fix`` ends every error message.
    """
    path = Path(path)
    real = Path(os.path.realpath(path))
    if real.parent != Path(os.path.realpath(path.parent)):
        raise ModelError(f"'{path}' is a link out of the model folder; {fix}")
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise ModelError(f"'{path}' does not exist; {fix}") from None
    except OSError as err:
        raise ModelError(f"'{path}' cannot be read ({err.strerror}); {fix}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # (before fdopen, which refuses a folder with a traceback)
        os.close(fd)
        raise ModelError(f"'{path}' is not a regular file; {fix}")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > limit:
            raise ModelError(f"'{path}' has {info.st_size} bytes, over the limit of {limit}; {fix}")
        if size is not None and info.st_size != size:
            raise ModelError(f"'{path}' has {info.st_size} bytes, {size} expected; it is truncated or wrong, {fix}")
        data = fh.read(limit + 1)
    if len(data) != info.st_size:
        raise ModelError(f"'{path}' changed while it was read; {fix}")
    return data


def gunzip_limited(data: bytes, limit: int, path: str | Path, fix: str) -> bytes:
    """Decompress one gzip member of at most ``limit`` bytes; a bomb stops after ``limit`` + 1 bytes."""
    if len(data) >= 4 and struct.unpack("<I", data[-4:])[0] > limit:
        raise ModelError(f"'{path}' unpacks to more than {limit} bytes; {fix}")
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(data, limit + 1)
    except zlib.error as err:
        raise ModelError(f"'{path}' is not valid gzip ({err}); {fix}") from None
    if len(out) > limit:
        raise ModelError(f"'{path}' unpacks to more than {limit} bytes; {fix}")
    if not unpacker.eof or unpacker.unused_data:
        raise ModelError(f"'{path}' is truncated or has trailing data; {fix}")
    return out


def read_model_json(path: str | Path, fix: str, limit: int = MAX_JSON_BYTES, fmt: str | None = None,
                    version: int = 1) -> dict:
    """Read a JSON object that is part of a model; any problem is a ModelError ending in ``fix``.

    Safe on hostile files: read with ``read_model_file``, un-gzipped (``*.gz``) within ``limit``,
    nesting bombs refused. With ``fmt``, the object's "format" must be ``fmt`` and its "version" one
    this rhymer reads (``version``; a newer one asks to upgrade rhymer).
    """
    raw = read_model_file(path, limit, fix)
    if Path(path).suffix == ".gz":
        raw = gunzip_limited(raw, limit, path, fix)
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ModelError(f"'{path}' is nested too deeply to be a model file; {fix}") from None
    except ValueError as err:
        raise ModelError(f"'{path}' is not valid JSON ({str(err)[:80]}); {fix}") from None
    if not isinstance(data, dict):
        raise ModelError(f"'{path}' must hold a JSON object; {fix}")
    if fmt is not None:
        check_version(data, path, fmt, version, fix)
    return data


def check_version(data: dict, path: str | Path, fmt: str, version: int, fix: str) -> None:
    """``data`` says it is format ``fmt`` at a version up to ``version``; newer ones ask for a newer rhymer."""
    if data.get("format") != fmt:
        raise ModelError(f"'{path}' is not a {fmt} file (its format is {str(data.get('format'))[:40]!r}); {fix}")
    found = data.get("version")
    if type(found) is not int or found < 1:
        raise ModelError(f"'{path}' has no valid {fmt} version ({str(found)[:40]!r}); {fix}")
    if found > version:
        raise ModelError(f"'{path}' is {fmt} version {found}, this rhymer reads up to version {version}; upgrade rhymer")
