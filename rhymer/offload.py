"""A second core for the engine: one helper thread that computes a call while the caller computes another.

numpy lets go of the GIL in its products and functions, so the LSTM steps a large batch in two halves at once,
one here (lstm.SPLIT_ROWS). The helper takes one caller at a time; whenever it cannot take a call (busy with
another thread's, only one core to run on, the interpreter shutting down) ``offload`` returns None and the
caller computes the call itself, the same numbers either way. A forked child starts with a fresh helper: the
parent's thread does not exist there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

_helper: ThreadPoolExecutor | None = None
_free = threading.Lock()  # held while the helper computes a call


def offload(function: Callable[..., Any], *args: Any) -> Future | None:
    """``function(*args)`` started on the helper thread, or None where the caller should compute it."""
    global _helper
    if CORES < 2 or not _free.acquire(blocking=False):
        return None
    try:
        if _helper is None:
            _helper = ThreadPoolExecutor(1, thread_name_prefix="rhymer-offload")
        future = _helper.submit(function, *args)
    except RuntimeError:  # the interpreter is shutting down: no new threads, no new work for old ones
        _free.release()
        return None
    future.add_done_callback(lambda _: _free.release())
    return future


def _forget_parent() -> None:
    global _helper, _free
    _helper, _free = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent)
