"""The training progress display: a rich bar per epoch, or one plain line per epoch with --quiet."""

from __future__ import annotations

import math
import sys


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

    def note(self, line: str) -> None:
        """A one-off line (how the run trains: parent, precision, XLA) above the bar or on stderr."""
        if self.enabled:
            self.progress.console.print(line)
        elif self.chief:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            self.progress.stop()

