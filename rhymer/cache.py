"""What rhymer derives from installed data once per machine, kept in the user's cache folder.

Some structures depend on installed data alone, never on a model folder: CMU dict's words, reversed and
sorted for the known-word trie, take a cold couplet ~0.3 s to derive and ~0.01 s to read back. An entry
is named by a hash of everything it is derived from (a new CMU dict or a new rule is a new entry, never
an overwritten one), begins with the hash of its own lines (a damaged entry is derived again) and is
written whole or not at all (rhymer.files). The folder is ``$RHYMER_CACHE_DIR``, else
``$XDG_CACHE_HOME/rhymer``, else ``~/.cache/rhymer`` (a new folder is made private to the user); an
entry that is no regular file of the user's own is not read, and where rhymer cannot write, the only cost
is the time. Model folders are never cached: they are read and checked on every load.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from rhymer.errors import OutputError
from rhymer.files import write_text

ENV = "RHYMER_CACHE_DIR"
MAX_BYTES = 64 * 1024 * 1024  # an entry; CMU dict's known words are 1 MB


def folder() -> Path | None:
    """Where entries are kept: an absolute folder (a relative ``$RHYMER_CACHE_DIR`` or ``$XDG_CACHE_HOME``
    is ignored, as the XDG spec says of the latter), or None where no home folder is known."""
    mine, xdg = os.environ.get(ENV, ""), os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(mine):
        return Path(mine)
    if os.path.isabs(xdg):
        return Path(xdg) / "rhymer"
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no password entry
        return None
    # an empty HOME reads as the root folder, a relative one as the working folder: neither is a home
    return home / ".cache" / "rhymer" if home.is_absolute() and home != Path(home.anchor) else None


def lines(name: str, inputs: Iterable[str], derive: Callable[[], list[str]]) -> list[str]:
    """``derive()``'s lines (strings without line breaks), read back when an earlier call with the same
    ``name`` and ``inputs`` (everything the lines depend on) kept them."""
    where = folder()
    if where is None:
        return derive()
    key = hashlib.sha256("\0".join([name, *inputs]).encode()).hexdigest()[:32]
    path = where / f"{name}-{key}.txt"
    text = _read(path)
    if text is not None:
        digest, _, body = text.partition("\n")
        if digest == _digest(body):
            return body.split("\n") if body else []
    found = derive()
    body = "\n".join(found)
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text(path, _digest(body) + "\n" + body)
    except (OutputError, OSError):  # a read-only home, a full disk, a folder that cannot be searched
        pass
    return found


def _read(path: Path) -> str | None:
    """An entry's text, if it is a regular file of the user's own (not a link, FIFO or device) within MAX_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:  # none yet, a link, a folder we may not enter
        return None
    info = os.fstat(fd)
    mine = not hasattr(os, "geteuid") or info.st_uid == os.geteuid()
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES or not mine:  # (before fdopen: a folder raises there)
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as fh:
        try:
            return fh.read(MAX_BYTES + 1).decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()
