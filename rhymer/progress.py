"""Progress displays: steps of long library calls, and training (a rich bar per epoch, or plain lines).

Library functions that can take more than a second accept ``progress``, a :data:`Steps`: called as
``with progress("label", total) as advance:`` around each step, ``advance(n)`` as work gets done.
The default, :func:`no_steps`, shows nothing (the library never prints by itself); the command line
passes a :class:`StepProgress`, which draws rich bars on stderr, so stdout stays clean for --json.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

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

    def __enter__(self) -> StepProgress:
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


def figures(loss_bpc: float | None, heldout_bpc: float | None, chars_per_s: float | None) -> str:
    """The training figures known so far, e.g. "loss 2.345 bpc · held-out 2.201 bpc"; unknown ones are left out."""
    parts = []
    if loss_bpc is not None and math.isfinite(loss_bpc):
        parts.append(f"loss {loss_bpc:.3f} bpc")
    if heldout_bpc is not None and math.isfinite(heldout_bpc):
        parts.append(f"held-out {heldout_bpc:.3f} bpc")
    if chars_per_s:
        parts.append(f"{chars_per_s:,.0f} chars/s")
    return " · ".join(parts)


def duration(seconds: float) -> str:
    """H:MM:SS."""
    return str(timedelta(seconds=round(seconds)))


class TrainingProgress:
    """Epoch, step, train loss, held-out bpc, characters per second, elapsed time and the whole run's ETA:
    a rich bar on a terminal, else (or with --quiet) one plain line per epoch on stderr."""

    def __init__(self, chief: bool, bar: bool, epochs: int, steps: int, max_minutes: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.chief, self.epochs, self.steps, self.clock = chief, epochs, steps, clock
        self.budget = max_minutes * 60 if max_minutes else None
        self.started = clock()
        self.epoch, self.done, self.epoch_started, self.between = 0, 0, self.started, False
        self.epoch_seconds: list[float] = []
        self.last_val: float | None = None
        self.enabled = False
        if chief and bar:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            console = Console(stderr=True)
            self.enabled = console.is_terminal
            self.progress = Progress(
                TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"), BarColumn(bar_width=20),
                MofNCompleteColumn(), TextColumn("{task.fields[figures]}"), TextColumn("{task.fields[times]}"),
                console=console, disable=not self.enabled,
            )
            self.progress.start()
            self.task = None

    def remaining(self) -> float | None:
        """Seconds until the run ends: epochs left x the mean epoch time, or the end of the epoch in which the
        --max-minutes budget runs out, whichever is first; None until one step has been timed."""
        now = self.clock()
        if self.epoch_seconds:
            per_epoch = sum(self.epoch_seconds) / len(self.epoch_seconds)
        elif self.done:
            per_epoch = (now - self.epoch_started) / self.done * self.steps
        else:
            return None
        if self.between:  # self.epoch epochs are done
            this_epoch, after = 0.0, self.epochs - self.epoch
        else:  # the epoch with index self.epoch is running
            this_epoch, after = max(per_epoch * (1 - self.done / self.steps), 0.0), self.epochs - self.epoch - 1
        left = this_epoch + per_epoch * max(after, 0)
        if self.budget is not None and per_epoch > 0:
            # training checks the budget after each epoch: it runs epochs until one ends past it
            budget_left = self.started + self.budget - now - this_epoch
            more = math.floor(budget_left / per_epoch) + 1 if budget_left >= 0 else 0
            # past the epoch cap a budgeted run goes on while it improves (train_speed.stop_reason): the budget bounds it
            left = this_epoch + per_epoch * more if after < 0 else min(left, this_epoch + per_epoch * more)
        return left

    def times(self) -> str:
        """"0:03:12 elapsed · about 0:25:00 left" (the ETA once it can be estimated)."""
        text = f"{duration(self.clock() - self.started)} elapsed"
        left = self.remaining()
        return text if left is None else f"{text} · about {duration(left)} left"

    def start_epoch(self, epoch: int) -> None:
        self.epoch, self.done, self.epoch_started, self.between = epoch, 0, self.clock(), False
        if self.enabled:
            if self.task is not None:
                self.progress.remove_task(self.task)
            self.task = self.progress.add_task("train", total=self.steps, epoch=epoch + 1, epochs=max(self.epochs, epoch + 1),
                                               figures=figures(None, self.last_val, None), times=self.times())

    def step(self, loss_nats: float, cps: float) -> None:
        self.done += 1
        if self.enabled:
            self.progress.update(self.task, advance=1, figures=figures(loss_nats / math.log(2), self.last_val, cps),
                                 times=self.times())

    def end_epoch(self, epoch: int, train_bpc: float, val: float | None) -> None:
        """An epoch's line; ``val`` None where nothing is held out (--val-fraction 0)."""
        self.epoch_seconds.append(self.clock() - self.epoch_started)
        self.epoch, self.done, self.last_val, self.between = epoch, 0, val, True
        held = f"held-out {val:.3f} bpc, " if val is not None else ""
        line = f"epoch {epoch}: train {train_bpc:.3f} bpc, {held}{self.times().replace(' · ', ', ')}"
        if self.enabled:
            self.progress.update(self.task, figures=figures(train_bpc, val, None), times=self.times())
            self.progress.console.print(line)
        elif self.chief:
            print(line, file=sys.stderr, flush=True)

    def note(self, line: str) -> None:
        """A one-off line (how the run trains: parent, precision, XLA) above the bar or on stderr."""
        if self.enabled:
            self.progress.console.print(line)
        elif self.chief:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.chief and hasattr(self, "progress"):
            self.progress.stop()
