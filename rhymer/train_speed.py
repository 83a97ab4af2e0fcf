"""How training runs fast and stops on time: precision, XLA chosen by measuring, the budget rule.

Everything here is decided from facts passed in (CPU flags, GPU compute capabilities, step times,
epoch results), so each decision is unit-tested without TensorFlow or real time.
"""

from __future__ import annotations

import statistics
from pathlib import Path

PRECISIONS = ("auto", "float32", "bfloat16")
XLA_MODES = ("auto", "on", "off")
# CPU features that make bfloat16 matmuls fast (AVX-512 BF16 dot products, AMX tiles)
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
BF16_GPU_CAPABILITY = (8, 0)  # Ampere and later have bfloat16 tensor cores
XLA_PROBE_STEPS = 4  # timed steps per XLA mode for --xla auto, after one compiling step each
CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The CPU feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text(errors="replace")
        except OSError:
            return frozenset()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return frozenset()


def choose_precision(requested: str, flags: frozenset[str], gpu_capabilities: list[tuple[int, int]]) -> tuple[str, str]:
    """(precision, why): ``auto`` picks bfloat16 only where the hardware computes it natively.

    Emulated bfloat16 (a CPU without the flags above) is slower than float32, so auto keeps float32 there.
    """
    if requested != "auto":
        return requested, "asked for"
    if gpu_capabilities:
        if all(tuple(c) >= BF16_GPU_CAPABILITY for c in gpu_capabilities):
            return "bfloat16", "auto: GPU compute capability >= 8.0"
        return "float32", "auto: a GPU below compute capability 8.0"
    native = sorted(flags & BF16_CPU_FLAGS)
    if native:
        return "bfloat16", f"auto: CPU has {', '.join(native)}"
    return "float32", "auto: CPU lacks avx512_bf16/amx_bf16"


def dtype_policy(precision: str) -> str:
    """The Keras dtype policy: float32 master weights either way, bfloat16 compute when asked."""
    return "mixed_bfloat16" if precision == "bfloat16" else "float32"


class XlaChooser:
    """``--xla auto``: the first training steps alternate with and without XLA, then the faster one stays.

    The probe steps are real training steps (they update the model), so measuring costs only the
    compile time of the mode that loses.
    """

    def __init__(self, requested: str, available: bool = True) -> None:
        self.requested = requested
        # XLA applies on one device only (as before): a distributed run never compiles with it
        self.choice = "off" if not available else (None if requested == "auto" else requested)
        self.plan = ["off", "on"] * (XLA_PROBE_STEPS + 1)  # the first of each mode compiles: not timed
        self.done = 0
        self.times: dict[str, list[float]] = {"off": [], "on": []}

    def mode(self) -> str:
        """The mode for the next step."""
        return self.choice or self.plan[self.done]

    def record(self, mode: str, seconds: float) -> bool:
        """Record one step's time; returns True when this step decided the choice."""
        if self.choice:
            return False
        if self.done >= 2:
            self.times[mode].append(seconds)
        self.done += 1
        if self.done == len(self.plan):
            self.choice = min(("off", "on"), key=lambda m: statistics.median(self.times[m]))
            return True
        return False

    def summary(self) -> dict:
        timed = {m: round(statistics.median(t), 4) for m, t in self.times.items() if t}
        return {"requested": self.requested, "chosen": self.choice, "seconds_per_step": timed}


def stop_reason(epoch: int, epochs: int, bad_epochs: int, patience: int, max_minutes: float | None,
                out_of_time: bool) -> str | None:
    """Why training stops after ``epoch`` epochs, or None to go on.

    A time budget is the stopping rule when given: the epoch cap then ends a run only once an epoch
    fails to improve the held-out bpc, never while it still improves.
    """
    if bad_epochs >= patience:
        return "early_stopping"
    if out_of_time:
        return "time_budget"
    if epoch >= epochs and (max_minutes is None or bad_epochs > 0):
        return "epochs"
    return None
