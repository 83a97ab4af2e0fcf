"""Progress displays: steps of long library calls, and training (a rich bar per epoch, or plain lines).

Library functions that can take more than a second accept ``progress``, a :data:`Steps`: called as
``with progress("label", total) as advance:`` around each step, ``advance(n)`` as work gets done.
The default, :func:`no_steps`, shows nothing (the library never prints by itself); the command line
passes a :class:`StepProgress`, which draws rich bars on stderr, so stdout stays clean for --json.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

Advance = Callable[..., None]  # advance(n=1): n more units of the current step are done
Steps = Callable[[str, "float | None"], AbstractContextManager[Advance]]


def _ignore(n: float = 1) -> None:
    pass


@contextmanager
def no_steps(label: str, total: float | None = None) -> Iterator[Advance]:
    """The library's default progress: shows nothing."""
    yield _ignore


class StepProgress:
    """Rich bars on stderr, one line per step with its elapsed time; shows nothing when stderr is not a
    terminal or when ``quiet``. Use as ``with StepProgress() as steps: library_call(..., progress=steps)``."""

    def __init__(self, quiet: bool = False) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.enabled = console.is_terminal and not quiet
        self._progress = Progress(
            SpinnerColumn(finished_text="[green]✓"), TextColumn("{task.description}"), BarColumn(bar_width=20),
            TaskProgressColumn(), TimeElapsedColumn(), console=console, disable=not self.enabled,
        )

    def __enter__(self) -> "StepProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    @contextmanager
    def __call__(self, label: str, total: float | None = None) -> Iterator[Advance]:
        task = self._progress.add_task(label, total=total)
        yield lambda n=1: self._progress.advance(task, n)
        self._progress.update(task, total=total or 1, completed=total or 1)
        self._progress.stop_task(task)


class TrainingProgress:
    """A rich progress bar: epoch, step, train loss, held-out bpc, characters per second, ETA."""

    def __init__(self, chief: bool, bar: bool, epochs: int, steps: int) -> None:
        self.chief, self.enabled, self.epochs, self.steps = chief, chief and bar, epochs, steps
        self.last_val = float("nan")
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.progress = Progress(
                TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("loss {task.fields[loss]:.3f} bpc"), TextColumn("held-out {task.fields[val]:.3f} bpc"),
                TextColumn("{task.fields[cps]:,.0f} chars/s"), TimeRemainingColumn(),
            )
            self.progress.start()
            self.task = None

    def start_epoch(self, epoch: int) -> None:
        if self.enabled:
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task("train", total=self.steps, epoch=epoch + 1, epochs=self.epochs,
                                               loss=float("nan"), val=self.last_val, cps=0.0)

    def step(self, loss_nats: float, cps: float) -> None:
        if self.enabled:
            self.progress.update(self.task, advance=1, loss=loss_nats / math.log(2), cps=cps)

    def end_epoch(self, epoch: int, train_bpc: float, val: float) -> None:
        self.last_val = val
        line = f"epoch {epoch}: train {train_bpc:.3f} bpc, held-out {val:.3f} bpc"
        if self.enabled:
            self.progress.update(self.task, val=val)
            self.progress.console.print(line)
        elif self.chief:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            self.progress.stop()

