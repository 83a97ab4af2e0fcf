"""What rhymer derives from installed data once per machine, kept in the user's cache folder.

Some structures depend on installed data alone, never on a model folder: CMU dict's words a vocabulary
can spell, reversed and sorted for the known-word trie, take a cold couplet ~0.3 s to derive and ~0.01 s
to read back. An entry is named by a hash of everything it is derived from (a new CMU dict or a new rule
is a new entry, never an overwritten one), begins with the hash of its own lines (a damaged entry is
derived again) and is written whole or not at all (rhymer.files). The folder is ``$RHYMER_CACHE_DIR``,
else ``$XDG_CACHE_HOME/rhymer``, else ``~/.cache/rhymer``; where rhymer cannot write, the only cost is
the time. Model folders are never cached: they are read and checked on every load.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from rhymer.errors import OutputError
from rhymer.files import write_text

ENV = "RHYMER_CACHE_DIR"


def folder() -> Path | None:
    """Where entries are kept (None where no home folder is known)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    try:
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rhymer"
    except RuntimeError:  # no HOME and no password entry
        return None


def lines(name: str, inputs: Iterable[str], derive: Callable[[], list[str]]) -> list[str]:
    """``derive()``'s lines (strings without line breaks), read back when an earlier call with the same
    ``name`` and ``inputs`` (everything the lines depend on) kept them."""
    where = folder()
    key = hashlib.sha256("\0".join([name, *inputs]).encode()).hexdigest()[:32]
    path = where / f"{name}-{key}.txt" if where else None
    if path is not None:
        try:
            digest, _, body = path.read_text(encoding="utf-8").partition("\n")
            if digest == _digest(body):
                return body.split("\n") if body else []
        except (OSError, UnicodeDecodeError):  # none yet, or unreadable: derived again
            pass
    found = derive()
    if path is not None:
        body = "\n".join(found)
        try:
            write_text(path, _digest(body) + "\n" + body)
        except OutputError:  # a read-only home, a full disk: only the time is lost
            pass
    return found


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()
