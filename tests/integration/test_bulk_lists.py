"""A list of keys travels as one parameter on both databases, whatever characters its strings hold."""

from __future__ import annotations

import pytest

from wengang.adapters.db.bulk import array_literal, listed, one_of, raw_cursor

AWKWARD = ["WG-1-1-A", 'a"b', "back\\slash", "com,ma", "{brace}", " lead and trail ", "NULL", "", "稳岗 返还", "x'y"]


def test_every_string_comes_back_as_it_went_in(db_store):
    with db_store.reading() as uow:
        conn = uow.connection
        sql = (f"SELECT value FROM json_each(?) WHERE {one_of(conn, 'value')}" if db_store.dialect == "sqlite"
               else f"SELECT v FROM unnest(%s::text[]) AS t(v) WHERE {one_of(conn, 'v')}")
        with raw_cursor(conn, sql) as cur:
            cur.execute(sql, (listed(conn, AWKWARD), listed(conn, AWKWARD[::2])))
            assert sorted(r[0] for r in cur.fetchall()) == sorted(AWKWARD[::2])


def test_integers_pass_as_integers_and_anything_else_is_refused():
    assert array_literal([3, 1, 2]) == "{3,1,2}" and array_literal([]) == "{}"
    for bad in ([1, None], [True, 2], [1.5], ["1", 2]):
        with pytest.raises(TypeError):
            array_literal(bad)
