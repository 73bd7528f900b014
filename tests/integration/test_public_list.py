"""The public list on both databases: found by part of a name or the start of a credit code through the cases'
indexed query path, only the units of that list, paged with a total; a bad phone stores no objection; a reference
follows its objection and no other."""

from __future__ import annotations

import pytest

from tests.builders import uscc
from tests.conftest import CITY, PUBLISHED_ON
from wengang.domain.errors import NotFound, Refused
from wengang.services import objection_follow, objections
from wengang.services.public import batches, list_page

pytestmark = pytest.mark.slow
START = PUBLISHED_ON
KEY = b"k" * 32




def test_a_name_or_a_code_finds_units_of_the_list_with_a_total_and_pages(db_store, published):
    every = list_page("C1-P1", store=db_store)
    assert every.total == published.entries == len(every.rows) == 3 and every.pages == 1
    assert every.batch.label == "2021年第1批" and [b.label for b in batches(store=db_store)] == ["2021年第1批"]
    name, code = every.rows[1].name, every.rows[1].uscc
    by_name = list_page("C1-P1", store=db_store, query=name[1:4])
    assert name in [r.name for r in by_name.rows] and by_name.total == len(by_name.rows)
    assert all(name[1:4].lower() in r.name.lower() for r in by_name.rows)
    by_code = list_page("C1-P1", store=db_store, query=code.lower())
    assert [r.uscc for r in by_code.rows] == [code] and by_code.total == 1
    not_listed = uscc(CITY["flagged_later"])                      # a case of the cycle that is not on the list
    assert list_page("C1-P1", store=db_store, query=not_listed).total == 0
    two = [list_page("C1-P1", store=db_store, size=2, page=p) for p in (1, 2)]
    assert [len(p.rows) for p in two] == [2, 1] and two[0].pages == 2 and two[0].has_next and not two[1].has_next
    assert [r.no for r in two[0].rows + two[1].rows] == [1, 2, 3]


def test_a_bad_phone_stores_nothing_and_a_reference_follows_only_its_objection(db_store, published):
    code = uscc(CITY["eligible"])
    for bad in ("12812345678", "138123", "电话"):
        with pytest.raises(Refused, match="11位手机号"):
            objections.add("C1-P1", code, store=db_store, contact=bad, text="不实", raised_on=START)
    with db_store.reading() as uow:
        assert uow.objections.of_batch(published.id) == []
    made, ref = objection_follow.raise_public("C1-P1", code, store=db_store, key=KEY, contact="0571-87654321",
                                             text="不实", raised_on=START)
    seen = objection_follow.follow(ref.lower(), store=db_store, key=KEY)
    assert (seen.status, seen.contact, seen.label) == ("open", "057****4321", "2021年第1批")
    with pytest.raises(NotFound):
        objection_follow.follow(ref, store=db_store, key=b"x" * 32)                  # another key: not ours
    with pytest.raises(NotFound):
        objection_follow.follow(f"{made.id + 1}-{ref.split('-')[1]}", store=db_store, key=KEY)
    objections.decide(made.id, store=db_store, sustain=False, reason="经核实正常经营", by="reviewer")
    after = objection_follow.follow(ref, store=db_store, key=KEY)
    assert (after.status, after.reason) == ("dismissed", "经核实正常经营") and after.decided_at is not None
