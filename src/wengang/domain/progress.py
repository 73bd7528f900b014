"""A progress port: long steps say where they are; the CLI draws it as a bar (pure, so every layer can use it)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the name of each step as it starts and how far a long step has come."""

    def step(self, label: str) -> None: ...

    def advance(self, done: int, total: int) -> None: ...


class Silent:
    """For tests and library use: progress goes nowhere."""

    def step(self, label: str) -> None:
        return None

    def advance(self, done: int, total: int) -> None:
        return None
