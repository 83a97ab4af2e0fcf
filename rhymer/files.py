"""Atomic file writes: a crash or a bad input never leaves a half-written output behind."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    Only a new path or a regular file is replaced (never a device, FIFO, link or folder), and a
    failing write is an OutputError naming the file.
    """
    from rhymer.errors import OutputError

    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputError(f"'{path}' is not a regular file and rhymer does not replace it; remove it or write elsewhere")
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        raise OutputError(f"cannot write '{path}' ({err.strerror or err}); check the folder, its permissions and free space") from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    """Atomically write UTF-8 text."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any, *, compress: bool = False) -> None:
    """Atomically write compact JSON (gzip-compressed when ``compress``)."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    write_bytes(path, gzip.compress(data, mtime=0) if compress else data)


def read_json(path: str | Path) -> Any:
    """Read JSON, transparently un-gzipping ``*.gz`` files."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def read_model_json(path: str | Path, fix: str) -> dict:
    """Read a JSON object that is part of a model; any problem is a ModelError ending in ``fix``."""
    from rhymer.errors import ModelError

    try:
        data = read_json(path)
    except FileNotFoundError:
        raise ModelError(f"'{path}' does not exist; {fix}") from None
    except (ValueError, OSError, EOFError) as err:
        raise ModelError(f"'{path}' is not valid JSON ({err}); {fix}") from None
    if not isinstance(data, dict):
        raise ModelError(f"'{path}' must hold a JSON object; {fix}")
    return data
