"""Audit chain and reconciliation: the fast versions give what the plain versions gave, record for record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import domain_reference as ref
from tests.unit.domain_reference import outcome, same
from wengang.domain import audit, reconciliation
from wengang.domain.audit import GENESIS, Draft
from wengang.domain.payments import PaymentStatus, StatusRecord
from wengang.domain.reconciliation import Expected, Issue

many = settings(max_examples=400, deadline=None)
# Keys of every length HMAC distinguishes: none (the plain scheme), empty, the usual 32 bytes, a whole block, longer.
keys = (st.none() | st.just(b"") | st.binary(min_size=32, max_size=32) | st.binary(min_size=64, max_size=64)
        | st.binary(min_size=65, max_size=100) | st.binary(max_size=70))

# ---- audit ----

text = st.text(max_size=12) | st.sampled_from(["clerk", "case_opened", "符合条件 / eligible", "\ud800", '"\\', ""])
odd = st.integers(-5, 5) | st.booleans() | st.floats(allow_nan=False) | st.just(["x"]) | st.just(b"x")
flat = st.dictionaries(text, text, max_size=5)
scalars = text | st.integers() | st.none() | st.booleans()
data = (flat | st.dictionaries(text | st.integers(0, 3), scalars, max_size=4)
        | st.dictionaries(text, st.lists(text, max_size=2) | flat | st.decimals(allow_nan=False), max_size=3)
        | st.none() | st.just({}) | st.just([]) | st.just(0) | st.just("") | st.lists(text, max_size=3)
        | st.just({1: "a", "b": "c"}) | st.just({"d": dt.date(2021, 7, 1)}) | st.just({"a": {1, 2}}))


@many
@given(value=data)
def test_canonical_matches_the_plain_version(value):
    same(audit.canonical, ref.canonical, value)


def test_a_circular_value_fails_alike():
    loop: dict = {"a": "b"}
    loop["self"] = loop
    same(audit.canonical, ref.canonical, loop)


@many
@given(seq=st.integers(0, 10**12) | st.just("1") | st.just(1.5), at=text | st.none() | odd, actor=text | odd,
       event=text | st.none(), subject=text | st.none() | odd,
       case_id=st.none() | st.integers(-3, 10**12) | st.booleans() | st.sampled_from(["12", "x", 1.9]),
       from_state=text | st.none() | odd, to_state=text | st.none(), reason=text | odd,
       data_text=st.sampled_from(['{"a":"b"}', "{}", "null", "x"]) | st.integers(),
       prev=st.just(GENESIS) | text | st.none(), key=keys)
def test_entry_hash_matches_the_plain_version(seq, at, actor, event, subject, case_id, from_state, to_state,
                                              reason, data_text, prev, key):
    same(audit.entry_hash, ref.entry_hash, seq, at, actor, event, subject, case_id, from_state, to_state, reason,
         data_text, prev, key)


def placed(chain, drafts, **kwargs):
    """Every entry a chain yields, as rows, and how it ended (it may fail part-way, after yielding some)."""
    rows = []
    try:
        for entry in chain(drafts, **kwargs):
            rows.append((type(entry), tuple(entry)))
    except Exception as exc:   # whatever it was: the point is to compare it
        return rows, (type(exc), str(exc))
    return rows, None


drafts = st.builds(Draft, text, text, text | st.none() | odd, st.none() | st.integers(1, 10**9),
                   st.none() | text, st.none() | text, text, data)
loose = drafts.map(lambda d: SimpleNamespace(**d._asdict()))   # not a Draft, with a Draft's fields


@many
@given(items=st.lists(drafts | loose, max_size=6), after_seq=st.integers(0, 10**6),
       after_hash=st.just(GENESIS) | text | st.none(), at=text | st.none() | odd, key=keys)
def test_chain_matches_the_plain_version(items, after_seq, after_hash, at, key):
    kwargs = dict(after_seq=after_seq, after_hash=after_hash, at=at, key=key)
    assert placed(audit.chain, items, **kwargs) == placed(ref.chain, items, **kwargs)


# ---- reconciliation ----

IDS = [f"WG-{n}-1-X" for n in range(1, 6)]
statuses = st.sampled_from(list(PaymentStatus)) | st.sampled_from(["paid", "rejected", "pending", "returned"])
amounts = st.sampled_from([None, Decimal("100.00"), Decimal("100.0"), Decimal("100.01"), Decimal("200.00")])
batches = st.sampled_from(["C1-B102-1", "C1-B313-1"])
records = st.builds(StatusRecord, st.sampled_from(IDS + ["WG-99-1-Z"]), statuses, amounts,
                    st.none() | st.just("AC04"), st.none() | st.just(dt.date(2021, 7, 2)), st.just("t"),
                    st.none() | batches)
refusals = st.none() | st.none() | st.just((Issue.NOT_SENT, "never sent")) | st.just((Issue.WRONG_FORMAT, "csv"))
expected = st.dictionaries(st.sampled_from(IDS), st.builds(Expected, st.sampled_from([Decimal("100.00"),
                                                                                       Decimal("200.00")]),
                                                           statuses, batches, refusals), max_size=5)


@settings(max_examples=800, deadline=None)
@given(want=expected, recs=st.lists(records, max_size=25))
def test_reconcile_matches_the_plain_version(want, recs):
    assert outcome(reconciliation.reconcile, want, recs) == outcome(ref.reconcile, want, recs)


def test_reconcile_fails_alike_on_a_status_it_cannot_read():
    for want, recs in [({IDS[0]: Expected(Decimal("1.00"), "bogus")}, [StatusRecord(IDS[0], PaymentStatus.PAID)]),
                       ({IDS[0]: Expected(Decimal("1.00"), "paid")}, [StatusRecord(IDS[0], ["paid"])])]:
        assert outcome(reconciliation.reconcile, want, recs) == outcome(ref.reconcile, want, recs)
        assert outcome(reconciliation.reconcile, want, recs)[0] == "raised"
