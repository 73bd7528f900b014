"""Rich output shared by the commands: a progress bar per step, errors in red, Chinese first."""

from __future__ import annotations

import datetime as dt
import time
from typing import NoReturn

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def print_wide(renderable) -> None:
    """Piped or in make's log, money tables get 120 columns instead of Rich's 80, so no amount is cut."""
    if console.is_terminal or console.width >= 120:
        console.print(renderable)
    else:
        Console(highlight=False, width=120, file=console.file).print(renderable)


class BarProgress:
    """Implements the services' Progress port: each step gets its own line with elapsed time."""

    def __init__(self, title: str):
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err_console, transient=False,
        )
        self._title = title
        self._task: TaskID | None = None
        self._started = 0.0

    def __enter__(self) -> BarProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()
        self._progress.stop()

    def _finish(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            total = task.total or 1
            self._progress.update(self._task, total=total, completed=total)

    def step(self, label: str) -> None:
        self._finish()
        self._task = self._progress.add_task(label, total=None)
        self._started = time.perf_counter()

    def advance(self, done: int, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=total, completed=done)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a clear error and leave with a non-zero code; never a stack trace for bad input."""
    import typer

    err_console.print(f"[bold red]错误 / error:[/] {message}")
    raise typer.Exit(code)


def parse_date(text: str | None, default: dt.date | None = None) -> dt.date:
    """A YYYY-MM-DD option, or a usage error that says so (exit 2, never a stack trace)."""
    import typer

    if text is None and default is not None:
        return default
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise typer.BadParameter(f"日期应为 YYYY-MM-DD / not a date: {text!r}") from None
