"""A decided table becomes the case process's units a slice at a time (a nation's ten million rows are never Python
values at once): the units are the same, in the same order, whatever the slice, the last slice short included."""

from __future__ import annotations

import pyarrow as pa

from wengang.services import cycles


def decided(n: int) -> pa.Table:
    return pa.table({
        "uscc": [f"U{i:04d}" for i in range(n)], "name": [f"单位{i}" if i % 4 else None for i in range(n)],
        "decision": ["eligible" if i % 3 else "ineligible" for i in range(n)],
        "amount_fen": pa.array([i * 101 for i in range(n)], pa.int64()), "ratio_units": [None] * n,
        "reasons": ["" if i % 3 else "R1" for i in range(n)], "labor_dispatch": [i % 5 == 0 for i in range(n)],
        "has_account": [i % 7 != 0 for i in range(n)], "size_class": ["micro" if i % 2 else "bogus" for i in range(n)],
        "headcount": pa.array([None if i % 2 else i for i in range(n)], pa.int64()),
        "insured_dec": pa.array([i + 1000 for i in range(n)], pa.int64()),
    })


def test_units_are_the_same_in_the_same_order_whatever_the_slice(monkeypatch):
    table = decided(10)
    kinds = {"U0003": ("retail", "enterprise")}
    whole = list(cycles.units(table, kinds))
    monkeypatch.setattr(cycles, "UNIT_SLICE", 3)              # 3 + 3 + 3 + 1
    assert list(cycles.units(table, kinds)) == whole
    assert [u.uscc for u in whole] == [f"U{i:04d}" for i in range(10)]
    assert whole[3].industry == "retail" and whole[4].industry is None
    assert [u.insured for u in whole[:3]] == [0, 1001, 2]      # the first known of the headcount columns
    assert whole[1].size_class == "micro" and whole[0].size_class is None
