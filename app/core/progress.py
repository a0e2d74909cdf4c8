"""Progress of a long command: a bar on a terminal, a few plain lines in a log, nothing on stdout.

On a terminal (stderr is a TTY) rich draws a bar that disappears when the work is done, so the
command's own result stays the last thing on screen. Under cron, CI or a pipe a redrawn bar is
noise: a line goes to stderr at most every `LINE_EVERY_SECONDS`, so a long run still shows it is
alive and `--json` on stdout stays clean.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from app.core.terminal import data_column, make_console

LINE_EVERY_SECONDS = 30.0



class Tracker(Protocol):
    def start(self, total: int | None) -> None:
        """Now the total is known (None: count without a bar's end)."""
        ...

    def advance(self, done: int) -> None:
        """`done` more items finished."""
        ...


def bar_columns(unit: str, *, remaining: bool = True) -> list[ProgressColumn]:
    """A progress bar's columns: the label and the unit shown as given (data, not markup)."""
    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        data_column("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        data_column(unit),
        TimeElapsedColumn(),
    ]
    return [*columns, TimeRemainingColumn()] if remaining else columns


@contextmanager
def progress(label: str, unit: str, *, interactive: bool | None = None) -> Iterator[Tracker]:
    """A tracker for one long step; `interactive` defaults to whether stderr is a terminal."""
    tty = sys.stderr.isatty() if interactive is None else interactive
    if not tty:
        yield _Lines(label, unit)
        return
    with Progress(*bar_columns(unit), console=make_console(stderr=True),
                  transient=True) as bar:
        yield _Bar(bar, bar.add_task(label, total=None))


class _Bar:
    def __init__(self, bar: Progress, task: TaskID) -> None:
        self._bar, self._task = bar, task

    def start(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)

    def advance(self, done: int) -> None:
        self._bar.update(self._task, advance=done)


class _Lines:
    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.total: int | None = None
        self.done = 0
        self._last = time.monotonic()

    def start(self, total: int | None) -> None:
        self.total = total

    def advance(self, done: int) -> None:
        self.done += done
        now = time.monotonic()
        if now - self._last >= LINE_EVERY_SECONDS:
            of = f"/{self.total}" if self.total is not None else ""
            print(f"{self.label}: {self.done}{of} {self.unit}", file=sys.stderr, flush=True)
            self._last = now
