"""One BLAS thread while generating: the engine's products are small ([K, 2H] x [2H, 4H] per character).

On an idle 2-core machine one thread computes them about as fast as two (couplet 90 ms against 103 ms
in one run); on a busy one OpenBLAS's spinning threads starve each other, and a cold `rhymer couplet`
took 5.0 s against 1.4 s with one thread, a site's logit check 127 s against 9 s. A second core is used
all the same, without spinning: the LSTM steps a large batch in two halves, one on a helper thread
(lstm.SPLIT_ROWS).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)
T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController  # finds the loaded BLAS once (~2 ms)

    return ThreadpoolController()


_lock = threading.Lock()
_active = 0  # calls inside one_thread now, in any thread
_limit = None  # threadpoolctl's limit, held from the first call in to the last call out


def one_thread(function: F) -> F:
    """Run ``function`` with BLAS limited to one thread (restored afterwards; ~0.02 ms a call).

    The limit is process-wide, so calls from several threads share one: the first call in sets it and
    the last call out restores it (a bot's threads would otherwise restore each other's saved settings
    out of order and leave the process at one thread, or lift the limit under a running call).
    """

    @functools.wraps(function)
    def limited(*args, **kwargs):
        global _active, _limit
        with _lock:
            if _active == 0:
                _limit = _from_any_thread(lambda: _controller().limit(limits=1, user_api="blas"))
            _active += 1
        try:
            return function(*args, **kwargs)
        finally:
            with _lock:
                _active -= 1
                if _active == 0:
                    _from_any_thread(_limit.restore_original_limits)
                    _limit = None

    return limited  # type: ignore[return-value]


def _from_any_thread(change: Callable[[], T]) -> T:
    """``change`` to the BLAS threads, made to take from whichever thread calls it. threadpoolctl 3.8 lets only
    the first thread that set OpenBLAS's process-wide pool set it again and ignores the others while that thread
    lives: a bot's worker thread, after one call from the main thread, ran with two spinning BLAS threads and
    took 9 times as long. The lock around the calls keeps them in order, so control is handed back around each."""
    from threadpoolctl import OpenBLASController

    release = getattr(OpenBLASController, "clear_controlling_thread", lambda force: None)  # (before 3.8: none)
    release(force=True)
    try:
        return change()
    finally:
        release(force=True)
