"""The test's side of the kill -9 trials: it is the bank, it SIGKILLs fault_runner.py and restarts it, and after every
kill it checks the books (`ledger check`) and the audit chain (`audit verify`) the restart will start from."""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from wengang import bootstrap
from wengang.adapters.banks.simulator import BankSimulator, Outcome
from wengang.adapters.db.store import SqlStore
from wengang.config import Settings
from wengang.services import audit, ledger

RUNNER = Path(__file__).with_name("fault_runner.py")
READY_SECONDS = 120          # at most, for the runner to start (import) or a killed run to be reaped


class Bank:
    """The bank, in the test's process: it never dies with the payment run, answers every file handed to it once
    (its answers appear whole), and remembers every payment it made, so a resend is refused (DU01 for a pain.001,
    AM05 for each payment of a CSV file)."""

    def __init__(self, folder: Path, seed: int):
        self.simulator = BankSimulator(seed=seed, reject_share=0.15, return_share=0.1)
        self.inbox, self.answers = folder / "inbox", folder / "answers"
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.answers.mkdir(parents=True, exist_ok=True)
        self.answered: set[str] = set()
        self.decided: dict[str, Outcome] = {}          # the bank's first word on each payment: its decision

    def serve(self) -> None:
        """Answer whatever arrived since the last look."""
        for sent in sorted(self.inbox.glob("send-*")):
            if sent.name in self.answered:
                continue
            [file] = list(sent.iterdir())
            aside = self.answers / f".{sent.name}"
            shutil.rmtree(aside, ignore_errors=True)
            aside.mkdir()
            answer = self.simulator.answer(file, aside)
            for e2e, outcome in answer.outcomes.items():
                self.decided.setdefault(e2e, outcome)
            os.replace(aside, self.answers / sent.name)
            self.answered.add(sent.name)


@dataclass(frozen=True)
class Plan:
    """One run and when to kill it: `seconds` after it was told to go, or at its `note`-th pause in a bulk statement
    (noted only by a keyed run); neither: let it finish."""

    seconds: float | None = None
    note: int | None = None
    keyed: bool = False

    @classmethod
    def at_note(cls, note: int) -> Plan:
        return cls(note=note, keyed=True)

    def __str__(self) -> str:
        if self.note is not None:
            return f"at bulk statement #{self.note}"
        return "never" if self.seconds is None else f"at {self.seconds * 1000:.0f} ms"


@dataclass
class Kill:
    """One SIGKILL: which trial and run, what was planned, where it landed (the run's last step, and for a keyed
    kill the bulk statement), and whether it landed inside that statement (killed before it went on)."""

    trial: int
    run: int
    plan: Plan
    at_ms: float
    step: str
    statement: str | None = None
    inside: bool = False

    def __str__(self) -> str:
        where = f"{self.step}" + (f" / {self.statement} ({'inside' if self.inside else 'after it'})"
                                  if self.statement else "")
        return f"trial {self.trial} run {self.run}: planned {self.plan}, killed at {self.at_ms:.0f} ms in {where}"


class RunnerFailed(AssertionError):
    """The payment run stopped with an error of its own (not our kill): a finding."""


@dataclass
class Run:
    """One payment run: the process forked for it, and the notes of its bulk statements when keyed."""

    pid: int
    keyed: bool
    notes: Path | None


class Runs:
    """Two fault_runner.py processes, one plain and one keyed (its runs note their bulk statements), each forking
    the runs it is asked for and saying how each ended; the test SIGKILLs the runs, never these two."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.notes, self.stderr, self.count = folder / "notes", folder / "stderr", 0
        self.runners, self.buffers = {}, {False: b"", True: b""}
        env = {k: v for k, v in os.environ.items() if k != "WENGANG_FAULT_PAUSE_FILE"}
        with self.stderr.open("w") as err:
            for keyed in (False, True):
                self.runners[keyed] = subprocess.Popen(
                    [sys.executable, str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                    bufsize=0, env={**env, "WENGANG_FAULT_PAUSE_FILE": str(self.notes)} if keyed else env)

    def start(self, keyed: bool, job: dict) -> Run:
        """Fork a run of `job`; a keyed run's notes start empty."""
        self.notes.unlink(missing_ok=True)
        self.runners[keyed].stdin.write(f"go {json.dumps(job)}\n".encode())
        self.count += 1
        return Run(int(self._line(keyed, READY_SECONDS)), keyed, self.notes if keyed else None)

    def ended(self, run: Run, wait: float) -> int | None:
        """The run's exit code once it has ended (-9: killed), else None after `wait` seconds."""
        line = self._line(run.keyed, wait)
        return None if line is None else int(line)

    def _line(self, keyed: bool, wait: float) -> str | None:
        out = self.runners[keyed].stdout.fileno()
        while b"\n" not in self.buffers[keyed]:
            if not select.select([out], [], [], wait)[0]:
                return None
            chunk = os.read(out, 4096)
            if not chunk:
                raise RunnerFailed(f"fault_runner.py stopped:\n{self.error()}")
            self.buffers[keyed] += chunk
        line, self.buffers[keyed] = self.buffers[keyed].split(b"\n", 1)
        return line.decode()

    def error(self) -> str:
        return self.stderr.read_text()[-4000:]

    def close(self) -> None:
        """Both runners end (they were only waiting for the next line): their CPU time is then counted."""
        for runner in self.runners.values():
            if not runner.stdin.closed:
                runner.stdin.close()
                runner.wait(READY_SECONDS)


@dataclass
class Trial:
    """One database copied from the template, one bank, and the runs of the payment run against them."""

    number: int
    settings: Settings
    cycle_id: int
    root: Path
    seed: int
    bank: Bank = field(init=False)
    runs: int = 0
    kills: list[Kill] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)        # how long each finished run worked (go → done)
    notes: list[int] = field(default_factory=list)            # how many bulk pauses each finished keyed run noted

    def __post_init__(self) -> None:
        self.bank = Bank(self.root / "bank", self.seed)

    def drive(self, runs: Runs, plan: Plan) -> Kill | None:
        """One run: answer as the bank until it ends or the plan kills it (then the bank answers what reached it)."""
        self.runs += 1
        steps = self.root / f"steps-{self.runs}"
        run = runs.start(plan.keyed, {"db": self.settings.operational_url, "data_dir": str(self.settings.data_dir),
                                      "cycle": self.cycle_id, "root": str(self.root), "steps": str(steps)})
        started = time.monotonic()
        while (code := runs.ended(run, 0.001)) is None:
            self.bank.serve()
            if (plan.seconds is not None and time.monotonic() - started >= plan.seconds) or (
                    plan.note is not None and _pauses(run.notes) >= plan.note):
                with contextlib.suppress(ProcessLookupError):      # it may have just finished by itself
                    os.kill(run.pid, signal.SIGKILL)
                code = runs.ended(run, READY_SECONDS)
                break
        if code == -signal.SIGKILL:
            kill = self._landed(run, plan, steps, (time.monotonic() - started) * 1000)
            self.kills.append(kill)
            self.bank.serve()
            return kill
        if code != 0:
            raise RunnerFailed(f"trial {self.number} run {self.runs} failed (exit {code}):\n{runs.error()}")
        self.seconds.append(int(steps.read_text().splitlines()[-1].split()[0]) / 1000)   # go → done
        if run.notes is not None:
            self.notes.append(_pauses(run.notes))
        return None

    def _landed(self, run: Run, plan: Plan, steps: Path, at_ms: float) -> Kill:
        done = steps.read_text().splitlines() if steps.exists() else []
        step = re.sub(r"C\d+-B\d+-\d+", "", done[-1].split(" ", 1)[1]).strip() if done else "starting up"
        kill = Kill(self.number, self.runs, plan, at_ms, step)
        if plan.note is not None:
            lines = run.notes.read_text().splitlines()
            paused = [i for i, line in enumerate(lines) if line.startswith("pause ")]
            at = paused[plan.note - 1]
            kill.statement = lines[at].removeprefix("pause ")
            kill.inside = at == len(lines) - 1        # no `resume` after it: killed inside the statement
        return kill


def _pauses(notes: Path) -> int:
    return notes.read_text().count("pause ") if notes.exists() else 0


def books(settings: Settings) -> tuple[ledger.LedgerReport, audit.Verification]:
    """`ledger check` and `audit verify` on the database as it stands (already migrated: opened as it is)."""
    store = SqlStore.open(settings.operational_url, migrate=False, keys=bootstrap.keys(settings),
                          anchors=bootstrap.anchors(settings))
    try:
        return ledger.check(store=store), audit.verify_log(store=store)
    finally:
        store.close()
