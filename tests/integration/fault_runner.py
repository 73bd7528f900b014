"""The payment run of one cycle in processes of its own, for test_payment_faults.py to SIGKILL anywhere and restart.

Started once by the test, it imports everything; for each `go` line on stdin it forks a process (a run starts in
milliseconds, not the seconds an import takes) that runs: prepare → approve (another person; a second above the
threshold) → write each batch's file → send it to the bank (a folder the test answers from, as a bank that never
dies) → wait for the answer → reconcile every answer the bank ever gave. Every step is safe to repeat; every file is
sent again on every run, as an operator who cannot know what reached the bank before a crash would. Each step is
noted in the steps file, so the test can say where a kill landed. Keyed (WENGANG_FAULT_PAUSE_FILE set), the bulk
write statements SQLAlchemy runs are noted in that file too, like the bulk row streams of wengang.adapters.db.bulk,
pausing inside each on SQLite."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from sqlalchemy import event

from wengang import bootstrap
from wengang.config import Settings
from wengang.services import payments, reconcile

BANK_FILES = bootstrap.banks()   # what writes and reads bank files, as the CLI gets it

APPROVERS = ("approver", "approver-2")
BANK_WAIT_SECONDS = 120
PAUSE_SECONDS = 0.02
PROGRESS_EVERY = 500          # SQLite virtual-machine steps between looks at whether a noted statement runs


class Steps:
    """Append-only notes of where the run is (milliseconds since `go`, step), each written straight to the file (a
    kill loses none)."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.started = time.monotonic()

    def note(self, step: str) -> None:
        os.write(self.fd, f"{(time.monotonic() - self.started) * 1000:.0f} {step}\n".encode())


def run(store, settings: Settings, cycle_id: int, root: Path, steps: Steps) -> None:
    """The whole payment run, restartable from any point."""
    steps.note("prepare")
    payments.prepare_batches(cycle_id, store=store, analytics=bootstrap.analytics(settings),
                             settings=settings, by="clerk")
    for batch in payments.list_batches(store=store, cycle_id=cycle_id):
        while batch.status == "prepared":
            by = next(a for a in APPROVERS if a not in (batch.prepared_by, batch.approved_by))
            steps.note(f"approve {batch.number}")
            batch = payments.approve_batch(batch.number, store=store, settings=settings, by=by)
    for batch in payments.list_batches(store=store, cycle_id=cycle_id):
        steps.note(f"write {batch.number}")
        written = payments.write_files(batch.number, store=store, banks=BANK_FILES, settings=settings,
                                       out_dir=root / "out", by="clerk")
        steps.note(f"send {batch.number}")
        sent = send(written.path, root / "bank")
        steps.note(f"wait for the bank {batch.number}")
        wait_for(root / "bank" / "answers" / sent)
    answers = sorted((root / "bank" / "answers").glob("send-*/*"),
                     key=lambda p: ("returns" in p.name, "camt" in p.name, p.parent.name, p.name))
    for path in answers:
        steps.note(f"reconcile {'returns' if 'returns' in path.name else path.name.split('.')[-2]}")
        reconcile.ingest([path], store=store, banks=BANK_FILES, settings=settings, by="clerk")
    steps.note("done")


def send(path: Path, bank: Path) -> str:
    """Hand a file to the bank: a numbered folder appears in its inbox whole (made aside, then renamed)."""
    inbox = bank / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    name = f"send-{len(list(inbox.glob('send-*'))) + 1:04d}"
    aside = inbox / f".{name}"
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir()
    shutil.copyfile(path, aside / path.name)
    os.replace(aside, inbox / name)
    return name


def wait_for(answer: Path) -> None:
    """The bank's answer folder (it appears whole)."""
    deadline = time.monotonic() + BANK_WAIT_SECONDS
    while not answer.is_dir():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the bank did not answer {answer.name}")
        time.sleep(0.002)


def note_bulk_statements(engine, notes_path: str) -> None:
    """Note each bulk write SQLAlchemy runs (an INSERT … SELECT, an UPDATE of a list, an executemany) in the pause
    file: on SQLite from inside it (a progress handler, pausing there); on PostgreSQL as it is sent, and again
    when it returns."""
    sqlite = engine.dialect.name == "sqlite"
    running: dict[int, list] = {}            # driver connection → [label, noted]

    def note(line: str) -> None:
        with open(notes_path, "a", encoding="utf-8") as notes:
            notes.write(line + "\n")

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        bulky = executemany or "SELECT" in words[1:] or "json_each" in statement or "ANY(" in statement
        if words[0] not in ("INSERT", "UPDATE", "DELETE") or not bulky:
            return
        label = "sql " + " ".join(words[:2 if words[0] == "UPDATE" else 3]).replace('"', "")
        running[id(conn.connection.dbapi_connection)] = [label, not sqlite]
        if not sqlite:
            note(f"pause {label}")

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        done = running.pop(id(conn.connection.dbapi_connection), None)
        if done is not None and not sqlite:
            note(f"resume {done[0]}")

    if sqlite:
        @event.listens_for(engine, "checkout")
        def watch(dbapi_connection, record, proxy):
            key = id(dbapi_connection)

            def inside() -> int:
                current = running.get(key)
                if current is not None and not current[1]:
                    current[1] = True
                    note(f"pause {current[0]}")
                    time.sleep(PAUSE_SECONDS)
                    note(f"resume {current[0]}")
                return 0

            dbapi_connection.set_progress_handler(inside, PROGRESS_EVERY)


def job(given: dict) -> None:
    """One payment run, in a process forked for it."""
    steps = Steps(Path(given["steps"]))
    steps.note("open the store")
    settings = Settings(data_dir=Path(given["data_dir"]), database_url=given["db"])
    store = bootstrap.open_store(settings)
    if os.environ.get("WENGANG_FAULT_PAUSE_FILE"):
        note_bulk_statements(store.engine, os.environ["WENGANG_FAULT_PAUSE_FILE"])
    run(store, settings, given["cycle"], Path(given["root"]), steps)
    store.close()


def main() -> int:
    """Import everything once, then for each `go {run as JSON}` line fork a process for the run: say its pid, wait
    for it, say how it ended (its exit code; -9 when the test killed it). A run's errors go to stderr (exit 1)."""
    import alembic.command  # noqa: F401 - imported once here, not in every run
    import pandas  # noqa: F401 - (DuckDB imports it when the accounts are read from the snapshot)

    for line in sys.stdin:
        word, _, given = line.partition(" ")
        if word != "go":
            return 2
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open(os.devnull, os.O_RDWR), 0)
            os.dup2(2, 1)
            code = 0
            try:
                job(json.loads(given))
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        print(pid, flush=True)
        print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
