"""A second core for the engine: one helper thread that computes a call while the caller computes another.

numpy lets go of the GIL in its products and functions, so the LSTM steps a large batch in two halves at once,
one here (lstm.SPLIT_ROWS). The helper takes one caller at a time; whenever it cannot take a call (busy with
another thread's, only one core to run on, the interpreter shutting down, no thread to be had) ``offload``
returns None and the caller computes the call itself, the same numbers either way. A forked child starts with
a fresh helper (the parent's thread does not exist there); forking while another thread generates is not
supported (a BLAS call in flight can hang the child, helper or not).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

_helper: ThreadPoolExecutor | None = None
_free = threading.Lock()  # held from a call's hand-over until the helper has computed it
_usable = True  # False once the helper could not take work: the callers compute everything themselves


def offload(function: Callable[..., Any], *args: Any) -> Future | None:
    """``function(*args)`` started on the helper thread, or None where the caller should compute it."""
    global _helper, _usable
    free = _free
    if CORES < 2 or not _usable or not free.acquire(blocking=False):
        return None
    once = threading.Lock()

    def release() -> None:  # by the work when done, or here when the hand-over fails: never twice
        if once.acquire(blocking=False):
            free.release()

    def work() -> Any:
        try:
            return function(*args)
        finally:
            release()

    try:
        if _helper is None:
            _helper = ThreadPoolExecutor(1, thread_name_prefix="rhymer-offload")
        return _helper.submit(work)
    except RuntimeError:  # the interpreter shutting down, or no new thread to be had
        _usable = False
        if _helper is not None:
            _helper.shutdown(wait=False, cancel_futures=True)
        release()
        return None
    except BaseException:  # (an interrupt during the hand-over)
        release()
        raise


def _forget_parent() -> None:
    global _helper, _free, _usable
    _helper, _free, _usable = None, threading.Lock(), True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent)
