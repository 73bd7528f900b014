"""The AuditAnchors port on a folder of day files: one fsync'd O_APPEND line per commit, outside the database.

Production points WENGANG_AUDIT_ANCHOR_DIR at storage the database administrator cannot write (another machine,
WORM storage); several processes append to it, one at a time under a lock file, each line linked to the one before."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from wengang.domain.audit import GENESIS, Problem
from wengang.domain.audit_anchors import Anchor, anchor_line, mac_of, read_anchors
from wengang.domain.ports import Keys

TAIL_BYTES = 4096      # enough for the last line of a file (a line is under 400 bytes)


def _utcnow() -> dt.datetime:
    """The real wall clock (UTC): checkpoints say when they were written, whatever clock the business uses."""
    return dt.datetime.now(dt.UTC)


class FileAnchors:
    """Checkpoint lines in `<folder>/<UTC date>.log`, signed with the keys' "anchor" key."""

    def __init__(self, folder: Path, keys: Keys, *, clock: Callable[[], dt.datetime] = _utcnow):
        self.folder, self._keys, self._clock = Path(folder), keys, clock
        self._lock = threading.Lock()
        self._last: tuple[str, int, str] | None = None    # (file, its size after our line, our line's HMAC)

    def __getstate__(self) -> dict:
        """Picklable for a worker process (a lock is not; the worker makes its own)."""
        return {"folder": self.folder, "keys": self._keys, "clock": self._clock}

    def __setstate__(self, state: dict) -> None:
        FileAnchors.__init__(self, state["folder"], state["keys"], clock=state["clock"])

    def record(self, *, chain: str, seq: int, head_hash: str, keyed_from: int) -> None:
        """Append the checkpoint of a head a commit left and make it durable before returning."""
        now = self._clock()
        name = f"{now:%Y-%m-%d}.log"
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            guard = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(guard, fcntl.LOCK_EX)    # other processes: read the last line and append, one at a time
                self._append(name, now, chain, seq, head_hash, keyed_from)
            finally:
                os.close(guard)                      # closing releases the lock

    def _append(self, name: str, now: dt.datetime, chain: str, seq: int, head_hash: str, keyed_from: int) -> None:
        """One line, linked to the last one written by anyone, in one write(2) and fsync'd (the lock is held)."""
        path = self.folder / name
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            size = os.fstat(fd).st_size
            if self._last and self._last[:2] == (name, size):     # nobody wrote since our last line: no read
                prev, lead = self._last[2], ""
            else:
                prev = self._previous(name, size)
                lead = "\n" if size and not self._ends_line(path, size) else ""   # after a torn line: a new one
            line, mac = anchor_line(self._keys.key("anchor"), at=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                                    chain=chain, seq=seq, head_hash=head_hash, keyed_from=keyed_from, prev=prev)
            data = lead + line + "\n"
            os.write(fd, data.encode("ascii"))
            os.fsync(fd)
            self._last = (name, size + len(data), mac)
        finally:
            os.close(fd)
        if created:
            self._sync_folder()

    def _previous(self, name: str, size: int) -> str:
        """The HMAC of the last good line written so far: this file's, or else the newest earlier file's."""
        candidates = [name] if size else []
        candidates += sorted((p.name for p in self.folder.glob("*.log") if p.name < name), reverse=True)
        for candidate in candidates:
            for text in reversed(self._tail(self.folder / candidate)):
                mac = mac_of(text)
                if mac:
                    return mac
        return GENESIS

    @staticmethod
    def _tail(path: Path) -> list[str]:
        """The last lines of a file (a checkpoint is under 400 bytes: no need to read the day)."""
        with path.open("rb") as fh:
            fh.seek(max(0, path.stat().st_size - TAIL_BYTES))
            return fh.read().decode("ascii", "replace").splitlines()

    @staticmethod
    def _ends_line(path: Path, size: int) -> bool:
        """Whether the file's last write was whole (a crash mid-write leaves a line without its newline)."""
        with path.open("rb") as fh:
            fh.seek(size - 1)
            return fh.read(1) == b"\n"

    def _sync_folder(self) -> None:
        """A new day file's name is durable too, not only its content."""
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> tuple[list[Anchor], list[Problem], int]:
        """Every checkpoint line in written order, checked (HMAC, link); the problems; how many files were read."""
        unreadable: list[Problem] = []
        try:
            files = sorted(self.folder.glob("*.log")) if self.folder.is_dir() else []
        except OSError as err:
            return [], [_unreadable(self.folder, err)], 0
        anchors, problems = read_anchors(self._keys.key("anchor"), self._lines(files, unreadable))
        return anchors, unreadable + problems, len(files)

    @staticmethod
    def _lines(files: list[Path], unreadable: list[Problem]) -> Iterator[tuple[str, int, str]]:
        """(file, line number, text) of every line, day by day; a byte that is not ASCII reads as unreadable."""
        for path in files:
            try:
                with path.open("r", encoding="ascii", errors="replace", newline="\n") as fh:
                    for number, text in enumerate(fh, 1):
                        yield path.name, number, text.rstrip("\n")
            except OSError as err:
                unreadable.append(_unreadable(path, err))


def _unreadable(path: Path, err: OSError) -> Problem:
    """A checkpoint file or folder the check could not read: named, never a stack trace."""
    return Problem(0, "anchors-unreadable", f"锚点无法读取 / cannot read {path}: {err.strerror or err}")
