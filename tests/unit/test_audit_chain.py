"""The audit chain without a database: canonical keyed hashing, and every kind of tampering found and named."""

from __future__ import annotations

import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wengang.domain.audit import GENESIS, Draft, Entry, canonical, chain, entry_hash, verify

AT = "2021-09-01T08:00:00.000000Z"
KEY = bytes(range(32))              # the audit key, held outside the database
OTHER_KEY = bytes(range(1, 33))     # a key someone guessed or made up


def drafts(first: int, last: int) -> list[Draft]:
    return [Draft("clerk", "case_opened", f"case:{i}", i, None, "identified", "符合条件 / eligible",
                  {"uscc": f"U{i}", "amount": "1440.00"}) for i in range(first, last + 1)]


def log(n: int = 5, key: bytes | None = KEY) -> list[Entry]:
    return list(chain(drafts(1, n), after_seq=0, after_hash=GENESIS, at=AT, key=key))


def rows(entries: list[Entry]) -> list[tuple]:
    return [tuple(e) for e in entries]


def found(entries, head=None, *, key=KEY, keyed_from=1, anchored=None):
    return [(p.seq, p.kind) for p in verify(rows(entries), head=head, key=key, keyed_from=keyed_from,
                                            anchored=anchored)]


def resealed(entry: Entry, key: bytes | None, **changes) -> Entry:
    """An entry edited and its hash computed again, as whoever edits it can (with a key, or without one)."""
    edited = entry._replace(**changes)
    return edited._replace(hash=entry_hash(*edited[:-1], key))


def test_canonical_json_is_one_spelling_per_value():
    assert canonical({"b": 1, "a": "稳岗"}) == '{"a":"稳岗","b":1}' == canonical({"a": "稳岗", "b": 1})


def test_the_plain_hash_is_sha256_of_the_canonical_entry_with_the_previous_hash():
    entry = log(1, key=None)[0]
    body = json.dumps({"seq": 1, "at": AT, "actor": "clerk", "event": "case_opened", "subject": "case:1",
                       "case": 1, "from": None, "to": "identified", "reason": "符合条件 / eligible",
                       "data": {"uscc": "U1", "amount": "1440.00"}, "prev": GENESIS},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.hash == hashlib.sha256(body.encode()).hexdigest()
    assert entry.prev_hash == GENESIS and entry.data == '{"amount":"1440.00","uscc":"U1"}'


def test_the_keyed_hash_is_hmac_sha256_of_the_same_canonical_entry_under_the_key():
    plain, keyed = log(1, key=None)[0], log(1)[0]
    body = json.dumps({"seq": 1, "at": AT, "actor": "clerk", "event": "case_opened", "subject": "case:1",
                       "case": 1, "from": None, "to": "identified", "reason": "符合条件 / eligible",
                       "data": {"uscc": "U1", "amount": "1440.00"}, "prev": GENESIS},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert keyed.hash == hmac.new(KEY, body, hashlib.sha256).hexdigest() != plain.hash
    assert keyed[:-1] == plain[:-1]   # the same canonical body: only the hash differs


def test_entries_link_and_a_clean_log_verifies():
    entries = log()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert found(entries, head=(5, entries[-1].hash)) == []
    assert found([], head=(0, GENESIS)) == []


def test_appending_continues_the_chain():
    first = log(2)
    more = list(chain([Draft("system", "e", "cycle:1")], after_seq=2, after_hash=first[-1].hash, at=AT, key=KEY))
    assert more[0].seq == 3 and found(first + more, head=(3, more[0].hash)) == []


@pytest.mark.parametrize("field", ["actor", "reason", "data", "at", "to_state", "case_id"])
def test_an_edited_entry_is_named(field):
    entries = log()
    value = 99 if field == "case_id" else "tampered"
    entries[2] = entries[2]._replace(**{field: value})
    assert found(entries, head=(5, entries[-1].hash)) == [(3, "edited")]


def test_data_respelled_with_the_same_meaning_is_still_an_edit():
    entries = log()
    entries[1] = entries[1]._replace(data='{"uscc": "U2", "amount": "1440.00"}')
    assert found(entries, head=(5, entries[-1].hash)) == [(2, "edited")]


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link():
    entries = log()
    entries[2] = resealed(entries[2], KEY, reason="改过 / changed")     # even by someone holding the key
    assert found(entries, head=(5, entries[-1].hash)) == [(4, "broken-link")]


def test_rewriting_the_whole_tail_is_caught_by_the_head():
    entries = log()
    entries[4] = resealed(entries[4], KEY, reason="改过 / changed")
    head = (5, log()[-1].hash)
    assert found(entries, head=head) == [(5, "edited")]


@pytest.mark.parametrize("key", [None, OTHER_KEY], ids=["plain-sha256", "another-key"])
def test_an_edit_resealed_without_the_key_is_named_even_with_the_tail_and_head_rewritten(key):
    """What someone with only the database can do: edit, recompute every hash after it, move the head along."""
    entries = log()
    entries[2] = resealed(entries[2], key, reason="改过 / changed")
    for i in (3, 4):
        entries[i] = resealed(entries[i], key, prev_hash=entries[i - 1].hash)
    assert found(entries, head=(5, entries[-1].hash)) == [(3, "edited"), (4, "edited"), (5, "edited")]


def test_entries_before_the_key_are_checked_plain_and_pinned_by_the_first_keyed_one():
    """A database upgraded with three plain entries, keyed from #4 on: both kinds verify, each its own way."""
    old = list(chain(drafts(1, 3), after_seq=0, after_hash=GENESIS, at=AT, key=None))
    new = list(chain(drafts(4, 5), after_seq=3, after_hash=old[-1].hash, at=AT, key=KEY))
    entries = old + new
    assert found(entries, head=(5, new[-1].hash), keyed_from=4) == []
    assert found(entries, head=(5, new[-1].hash), keyed_from=3) == [(3, "edited")]   # one past: #3 is plain
    rewritten = list(entries)
    rewritten[1] = resealed(entries[1], None, reason="改过 / changed")
    rewritten[2] = resealed(entries[2], None, prev_hash=rewritten[1].hash)
    assert found(rewritten, head=(5, new[-1].hash), keyed_from=4) == [(4, "broken-link")]


def test_moving_the_switch_point_up_makes_keyed_entries_fail_the_plain_check():
    entries = log()
    assert found(entries, head=(5, entries[-1].hash), keyed_from=4) == [(1, "edited"), (2, "edited"),
                                                                         (3, "edited")]


def anchor(seq: int, digest: str, where: str = "2026-12-03.log:1") -> dict[int, list]:
    return {seq: [SimpleNamespace(hash=digest, at="2026-12-03T08:00:00Z", where=where)]}


def test_an_anchored_entry_rewritten_with_the_key_and_a_consistent_head_is_named_by_its_anchor():
    """Even someone holding the key cannot move an entry a checkpoint outside the database has seen."""
    original = log()
    entries = list(original)
    entries[2] = resealed(entries[2], KEY, reason="改过 / changed")
    for i in (3, 4):
        entries[i] = resealed(entries[i], KEY, prev_hash=entries[i - 1].hash)
    head = (5, entries[-1].hash)
    assert found(entries, head=head) == []                                        # the database alone: clean
    assert found(entries, head=head, anchored=anchor(4, original[3].hash)) == [(4, "rewritten")]
    assert found(entries, head=head, anchored=anchor(2, original[1].hash)) == []  # before the rewrite: it holds


def test_a_tail_cut_with_the_head_moved_back_is_named_by_the_anchors_beyond_it():
    entries = log()
    cut = entries[:3]
    anchored = {**anchor(2, entries[1].hash), **anchor(4, entries[3].hash), **anchor(5, entries[4].hash)}
    assert found(cut, head=(3, cut[-1].hash)) == []
    assert found(cut, head=(3, cut[-1].hash), anchored=anchored) == [(5, "truncated")]
    assert found(entries, head=(5, entries[-1].hash), anchored=anchored) == []    # the boundary: nothing cut
    del entries[3]
    assert (4, "missing") in found(entries, head=(5, entries[-1].hash), anchored=anchored)


def test_a_deleted_entry_is_named():
    entries = log()
    del entries[1]
    assert found(entries, head=(5, entries[-1].hash)) == [(3, "missing"), (3, "broken-link")]


def test_reordered_entries_are_named():
    entries = log()
    entries[1], entries[2] = entries[2], entries[1]
    problems = found(entries, head=(5, entries[-1].hash))
    assert (3, "reordered") in problems or (3, "broken-link") in problems
    assert problems[0][0] == 3


def test_entries_cut_from_the_end_are_noticed():
    entries = log()
    head = (5, entries[-1].hash)
    assert found(entries[:4], head=head) == [(5, "truncated")]
    assert found(entries, head=(4, entries[3].hash)) == [(4, "truncated")]   # the boundary, one past
    assert found([], head=(1, "x" * 64)) == [(1, "truncated")]


text = st.text(max_size=40)
maybe = st.none() | text


@settings(max_examples=300, deadline=None)
@given(seq=st.integers(1, 10**12), at=text, actor=text, event=text, subject=text,
       case_id=st.none() | st.integers(1, 10**12), from_state=maybe, to_state=maybe, reason=text,
       data=st.dictionaries(text, text, max_size=4), prev=text)
def test_the_fast_spelling_is_exactly_json_dumps(seq, at, actor, event, subject, case_id, from_state, to_state,
                                                 reason, data, prev):
    """The hand-spelled canonical JSON must be byte for byte what json.dumps(sort_keys=True) writes."""
    def dumps(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    assert canonical(data) == dumps(data)
    body = dumps({"seq": seq, "at": at, "actor": actor, "event": event, "subject": subject, "case": case_id,
                  "from": from_state, "to": to_state, "reason": reason, "data": data, "prev": prev})
    assert entry_hash(seq, at, actor, event, subject, case_id, from_state, to_state, reason, dumps(data),
                      prev) == hashlib.sha256(body.encode()).hexdigest()
    assert entry_hash(seq, at, actor, event, subject, case_id, from_state, to_state, reason, dumps(data),
                      prev, KEY) == hmac.new(KEY, body.encode(), hashlib.sha256).hexdigest()
