"""The audit chain without a database: canonical hashing, and every kind of tampering found and named."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wengang.domain.audit import GENESIS, Draft, Entry, canonical, chain, entry_hash, verify

AT = "2021-09-01T08:00:00.000000Z"


def log(n: int = 5) -> list[Entry]:
    drafts = [Draft("clerk", "case_opened", f"case:{i}", i, None, "identified", "符合条件 / eligible",
                    {"uscc": f"U{i}", "amount": "1440.00"}) for i in range(1, n + 1)]
    return list(chain(drafts, after_seq=0, after_hash=GENESIS, at=AT))


def rows(entries: list[Entry]) -> list[tuple]:
    return [tuple(e) for e in entries]


def found(entries, head=None):
    return [(p.seq, p.kind) for p in verify(rows(entries), head=head)]


def test_canonical_json_is_one_spelling_per_value():
    assert canonical({"b": 1, "a": "稳岗"}) == '{"a":"稳岗","b":1}' == canonical({"a": "稳岗", "b": 1})


def test_the_hash_is_sha256_of_the_canonical_entry_with_the_previous_hash():
    entry = log(1)[0]
    body = json.dumps({"seq": 1, "at": AT, "actor": "clerk", "event": "case_opened", "subject": "case:1",
                       "case": 1, "from": None, "to": "identified", "reason": "符合条件 / eligible",
                       "data": {"uscc": "U1", "amount": "1440.00"}, "prev": GENESIS},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.hash == hashlib.sha256(body.encode()).hexdigest()
    assert entry.prev_hash == GENESIS and entry.data == '{"amount":"1440.00","uscc":"U1"}'


def test_entries_link_and_a_clean_log_verifies():
    entries = log()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert found(entries, head=(5, entries[-1].hash)) == []
    assert found([], head=(0, GENESIS)) == []


def test_appending_continues_the_chain():
    first = log(2)
    more = list(chain([Draft("system", "e", "cycle:1")], after_seq=2, after_hash=first[-1].hash, at=AT))
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
    e = entries[2]._replace(reason="改过 / changed")
    entries[2] = e._replace(hash=entry_hash(*e[:-1]))
    assert found(entries, head=(5, entries[-1].hash)) == [(4, "broken-link")]


def test_rewriting_the_whole_tail_is_caught_by_the_head():
    entries = log()
    e = entries[4]._replace(reason="改过 / changed")
    entries[4] = e._replace(hash=entry_hash(*e[:-1]))
    head = (5, log()[-1].hash)
    assert found(entries, head=head) == [(5, "edited")]


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
