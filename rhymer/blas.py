"""One BLAS thread while generating: the engine's products are small ([K, 2H] x [2H, 4H] per character).

On an idle 2-core machine one thread computes them about as fast as two (couplet 90 ms against 103 ms
in one run); on a busy one OpenBLAS's spinning threads starve each other, and a cold `rhymer couplet`
took 5.0 s against 1.4 s with one thread, a site's logit check 127 s against 9 s.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


@functools.lru_cache(maxsize=1)
def _controller():
    from threadpoolctl import ThreadpoolController  # finds the loaded BLAS once (~2 ms)

    return ThreadpoolController()


def one_thread(function: F) -> F:
    """Run ``function`` with BLAS limited to one thread (restored afterwards; ~0.02 ms a call)."""

    @functools.wraps(function)
    def limited(*args, **kwargs):
        with _controller().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return limited  # type: ignore[return-value]
