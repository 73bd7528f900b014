"""Someone with the database, and without the key or the checkpoint folder, edits, rewrites or cuts the audit chain;
`audit verify` names each of these, on SQLite and PostgreSQL, and passes a chain nobody touched."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from wengang.adapters.anchors import FileAnchors
from wengang.adapters.db.tables import AUDIT_COLUMNS, audit_head, audit_log
from wengang.domain.audit import GENESIS, Draft, Entry, entry_hash
from wengang.services import audit

pytestmark = pytest.mark.slow
GUARDS = ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_rewind", "audit_head_no_delete")


def tamper(store, *statements) -> None:
    """Go around every guard of the log and its head, as a database administrator can, then run the statements."""
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        else:
            for trigger in GUARDS:
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            conn.execute(statement) if not isinstance(statement, str) else conn.exec_driver_sql(statement)


def entries(store) -> list[Entry]:
    """The log as stored, read past the ports."""
    with store.engine.connect() as conn:
        return [Entry(*r) for r in conn.execute(select(*(audit_log.c[c] for c in AUDIT_COLUMNS))
                                                .order_by(audit_log.c.seq))]


def reseal(store, from_seq: int, key: bytes | None, **change) -> None:
    """Edit entry `from_seq`, then compute its hash and every later one's again (and the head's) with `key`."""
    log = entries(store)
    prev = log[from_seq - 2].hash if from_seq > 1 else GENESIS
    statements = []
    for entry in log[from_seq - 1:]:
        entry = entry._replace(prev_hash=prev, **(change if entry.seq == from_seq else {}))
        entry = entry._replace(hash=entry_hash(*entry[:-1], key))
        prev = entry.hash
        statements.append(update(audit_log).where(audit_log.c.seq == entry.seq).values(**entry._asdict()))
    tamper(store, *statements, update(audit_head).values(hash=prev))


def found(store) -> list[tuple[int, str]]:
    """What `audit verify` names: (entry, kind) of each problem."""
    return [(p.seq, p.kind) for p in audit.verify_log(store=store).problems]


def note(store, n: int = 1) -> None:
    """One more committed change (and so one more checkpoint)."""
    with store.transaction() as uow:
        uow.audit.append([Draft("clerk", "note", "cycle:1", reason=f"备注 {i} / note {i}") for i in range(n)])
        uow.commit()


@pytest.fixture
def log(db_store, opened) -> list[Entry]:
    """The opened cycle's entries and three more commits: several checkpoints outside the database."""
    for _ in range(3):
        note(db_store, 2)
    return entries(db_store)


def test_a_chain_nobody_touched_verifies_keyed_from_its_first_entry_with_every_commit_anchored(db_store, log):
    result = audit.verify_log(store=db_store)
    assert result.ok and result.entries == len(log) and result.keyed_from == 1 and result.unkeyed == 0
    assert result.anchors == 4 and result.anchor_files == 1 and result.last_anchor_seq == log[-1].seq
    assert result.unanchored == 0


@pytest.mark.parametrize("key", [None, b"guessed".ljust(32, b"!")], ids=["plain-sha256", "made-up-key"])
def test_an_entry_edited_and_the_whole_tail_resealed_without_the_key_is_named(db_store, log, key):
    anchored = {a.seq for a in db_store.anchors.read()[0]}
    reseal(db_store, 4, key, reason="改过 / changed")
    assert found(db_store) == [problem for seq in range(4, len(log) + 1)
                               for problem in [(seq, "edited")] + [(seq, "rewritten")] * (seq in anchored)]


def test_a_tail_rewritten_even_with_the_key_is_named_at_each_checkpoint_it_passes(db_store, log):
    """Only the checkpoints outside the database can see this one: every hash is right."""
    reseal(db_store, len(log) - 3, db_store.audit_key(), reason="改过 / changed")
    assert found(db_store) == [(len(log) - 2, "rewritten"), (len(log), "rewritten")]


def test_a_tail_cut_and_the_head_moved_back_to_match_is_named_as_truncation(db_store, log):
    keep = log[len(log) - 4]
    tamper(db_store, audit_log.delete().where(audit_log.c.seq > keep.seq),
           update(audit_head).values(seq=keep.seq, hash=keep.hash))
    problems = audit.verify_log(store=db_store).problems
    assert [(p.seq, p.kind) for p in problems] == [(len(log), "truncated")]
    assert f"the log ends at #{keep.seq}" in problems[0].message and ".log:4" in problems[0].message


def test_everything_rewritten_plain_with_the_switch_point_moved_past_it_is_named(db_store, log):
    """Claiming every entry predates the key would let plain hashes pass; the checkpoints name the switch point."""
    reseal(db_store, 1, None, reason="改过 / changed")
    tamper(db_store, update(audit_head).values(keyed_from=len(log) + 1))
    kinds = {kind for _, kind in found(db_store)}
    assert "edited" not in kinds and {"rewritten", "keyed-from-moved"} <= kinds


def test_a_changed_chain_id_disowns_every_checkpoint_and_is_named(db_store, log):
    first_checkpoint = db_store.anchors.read()[0][0]
    tamper(db_store, update(audit_head).values(chain="0" * 32))
    assert found(db_store) == [(first_checkpoint.seq, "anchor-foreign")]


def test_an_edited_checkpoint_line_is_named(db_store, db_settings, log):
    day_file = next(db_settings.audit_anchor_path.glob("*.log"))
    lines = day_file.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace(" keyed=1 ", " keyed=2 ")
    day_file.write_text("".join(lines))
    assert [kind for _, kind in found(db_store)] == ["anchor-forged"]


def test_a_deleted_checkpoint_file_is_named(db_store, db_settings, log):
    clock = Clock()
    db_store.anchors = FileAnchors(db_settings.audit_anchor_path, db_store.keys, clock=clock)
    for _ in range(2):
        clock.now += dt.timedelta(days=1)
        note(db_store)
    (db_settings.audit_anchor_path / "2031-01-02.log").unlink()
    assert found(db_store) == [(len(log) + 2, "anchors-missing")]


class Clock:
    """A wall clock for the checkpoints that the test moves on a day at a time."""

    def __init__(self):
        self.now = dt.datetime(2031, 1, 1, 9, 30, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def test_entries_a_crash_left_without_a_checkpoint_are_counted_not_blamed(db_store, log, monkeypatch):
    def lost(**_):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(db_store.anchors, "record", lost)
    note(db_store, 3)                                    # committed; its checkpoint never written
    result = audit.verify_log(store=db_store)
    assert result.ok and result.unanchored == 3 and result.entries == len(log) + 3
    monkeypatch.undo()
    note(db_store)                                       # the next commit's checkpoint covers them again
    assert audit.verify_log(store=db_store).unanchored == 0
