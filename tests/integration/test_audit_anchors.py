"""Checkpoint files outside the database: signed, linked lines that several processes append to, one at a time."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pickle
import re

import pytest

from wengang.adapters.anchors import FileAnchors
from wengang.adapters.keys import KeyFile
from wengang.domain.audit import GENESIS

CHAIN = "c0ffee" * 5 + "00"
DAY = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


class Clock:
    """A wall clock the test moves (the adapter's own is the real one)."""

    def __init__(self, now: dt.datetime = DAY):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def head(seq: int) -> str:
    """A head hash that says which seq it belongs to."""
    return f"{seq:064x}"


def record(anchors: FileAnchors, *seqs: int) -> None:
    """Checkpoints as commits ending at these seqs would leave them."""
    for seq in seqs:
        anchors.record(chain=CHAIN, seq=seq, head_hash=head(seq), keyed_from=1)


@pytest.fixture
def keys(tmp_path) -> KeyFile:
    return KeyFile(tmp_path / "keys" / "master.key")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def anchors(tmp_path, keys, clock) -> FileAnchors:
    return FileAnchors(tmp_path / "anchors", keys, clock=clock)


def found(anchors: FileAnchors) -> tuple[list[int], list[tuple[int, str, str]]]:
    """The checkpoints read back, and each problem as (seq, kind, the file:line its message names)."""
    lines, problems, _ = anchors.read()
    return [a.seq for a in lines], [(p.seq, p.kind, re.search(r"\d{4}-\d\d-\d\d\.log:\d+", p.message)[0])
                                    for p in problems]


def test_each_commit_appends_one_signed_line_linked_to_the_one_before(anchors, tmp_path):
    record(anchors, 3, 7, 8)
    text = (tmp_path / "anchors" / "2026-12-03.log").read_text()
    assert text.count("\n") == 3 and text.startswith("2026-12-03T08:00:00.000000Z chain=") and " seq=3 " in text
    lines, problems, files = anchors.read()
    assert problems == [] and files == 1 and [a.seq for a in lines] == [3, 7, 8]
    assert lines[0].prev == GENESIS and lines[1].prev == lines[0].mac and lines[2].prev == lines[1].mac
    assert lines[2].hash == head(8) and lines[2].where == "2026-12-03.log:3" and lines[2].keyed_from == 1


def test_a_new_day_starts_a_new_file_that_links_to_the_last_line_of_the_day_before(anchors, clock, tmp_path):
    record(anchors, 1, 2)
    clock.now += dt.timedelta(days=2)                     # a day without commits has no file: that is no gap
    record(anchors, 3)
    assert sorted(p.name for p in (tmp_path / "anchors").glob("*.log")) == ["2026-12-03.log", "2026-12-05.log"]
    assert found(anchors) == ([1, 2, 3], [])


def test_writers_that_do_not_know_each_other_still_link_their_lines(tmp_path, keys, clock):
    """Two processes (here: two adapters) appending in turn each read the other's last line before writing."""
    first, second = (FileAnchors(tmp_path / "anchors", keys, clock=clock) for _ in range(2))
    record(first, 1)
    record(second, 2)
    record(first, 3)
    clock.now += dt.timedelta(days=1)
    record(second, 4)
    record(first, 5)
    assert found(first) == ([1, 2, 3, 4, 5], [])


def _append_many(folder, key_path, start: int) -> None:
    """A process of its own appending a hundred checkpoints (every other seq)."""
    anchors = FileAnchors(folder, KeyFile(key_path))
    for seq in range(start, start + 200, 2):
        anchors.record(chain=CHAIN, seq=seq, head_hash=head(seq), keyed_from=1)


def test_processes_appending_at_the_same_time_take_turns(tmp_path, keys):
    keys.key("anchor")                                    # the key file exists before the processes start
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(tmp_path / "anchors", keys.path, n)) for n in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    seqs, problems = found(FileAnchors(tmp_path / "anchors", keys))
    assert problems == [] and sorted(seqs) == list(range(1, 201))


def test_an_edited_line_is_named_with_its_file_and_line(anchors, tmp_path):
    record(anchors, 1, 2, 3)
    path = tmp_path / "anchors" / "2026-12-03.log"
    path.write_text(path.read_text().replace(f"hash={head(2)}", f"hash={head(9)}"))
    assert found(anchors) == ([1, 3], [(2, "anchor-forged", "2026-12-03.log:2")])


def test_a_deleted_file_is_named_at_the_first_line_after_it(anchors, clock, tmp_path):
    for seq in (1, 2, 3):
        record(anchors, seq)
        clock.now += dt.timedelta(days=1)
    (tmp_path / "anchors" / "2026-12-04.log").unlink()
    assert found(anchors) == ([1, 3], [(3, "anchors-missing", "2026-12-05.log:1")])
    (tmp_path / "anchors" / "2026-12-03.log").unlink()     # the first file: the first line left is not the first
    assert found(anchors) == ([3], [(3, "anchors-missing", "2026-12-05.log:1")])


def test_deleted_lines_inside_a_file_are_named(anchors, tmp_path):
    record(anchors, 1, 2, 3, 4)
    path = tmp_path / "anchors" / "2026-12-03.log"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1] + lines[3:]))
    assert found(anchors) == ([1, 4], [(4, "anchors-missing", "2026-12-03.log:2")])


def test_a_torn_last_line_is_reported_and_the_next_checkpoint_starts_a_line_of_its_own(anchors, tmp_path):
    record(anchors, 1)
    path = tmp_path / "anchors" / "2026-12-03.log"
    with path.open("a") as fh:
        fh.write("2026-12-03T08:00:01.000000Z chain=" + CHAIN[:9])    # a crash in the middle of a write
    writer = FileAnchors(tmp_path / "anchors", anchors._keys, clock=anchors._clock)    # after a restart
    record(writer, 2)
    assert found(anchors) == ([1, 2], [(0, "anchor-unreadable", "2026-12-03.log:2")])


def test_a_line_signed_with_another_key_is_forged(anchors, tmp_path, clock):
    record(anchors, 1)
    impostor = FileAnchors(tmp_path / "anchors", KeyFile(tmp_path / "other.key"), clock=clock)
    record(impostor, 2)
    assert found(anchors) == ([1], [(2, "anchor-forged", "2026-12-03.log:2")])


def test_the_adapter_travels_to_a_worker_process_and_keeps_linking(anchors):
    record(anchors, 1)
    copy = pickle.loads(pickle.dumps(anchors))
    record(copy, 2)
    record(anchors, 3)
    assert found(anchors) == ([1, 2, 3], [])


def test_no_folder_yet_reads_as_no_checkpoints(anchors):
    assert anchors.read() == ([], [], 0)


def test_a_file_the_check_cannot_read_is_named_not_a_stack_trace(anchors, tmp_path):
    record(anchors, 1)
    (tmp_path / "anchors" / "2026-12-04.log").mkdir()           # a name it lists but cannot read as a file
    lines, problems, files = anchors.read()
    assert [a.seq for a in lines] == [1] and files == 2
    assert [(p.kind, "2026-12-04.log" in p.message) for p in problems] == [("anchors-unreadable", True)]
