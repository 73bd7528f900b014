"""The objections list like every other list (issue 14): how many are open, a search by unit name or credit code,
and pages; a page past the last shows the last."""

from __future__ import annotations

import re

from tests.web.conftest import TODAY
from tests.web.test_flows import staff_client
from wengang import bootstrap
from wengang.services import dashboard, objections, publicity


def test_open_objections_have_a_total_a_search_and_pages(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    _, rows = publicity.public_rows(facts["open_list"], store=store)
    for _, name, uscc, *_ in rows:
        objections.add(facts["open_list"], uscc, store=store, contact="13900001111", text=f"{name} 已停业",
                       raised_on=TODAY)
    cycle = facts["open_cycle"]
    every = dashboard.objection_page(cycle, store=store).total
    assert every >= len(rows) >= 2
    reviewer, _ = staff_client(client, "reviewer")
    page = reviewer.get(f"/staff/objections?cycle={cycle}").text
    assert f"共 {every} 件待处理" in page and "第 1 / 1 页" in page
    name, uscc = rows[0][1], rows[0][2]
    by_name = reviewer.get(f"/staff/objections?cycle={cycle}&q={name}").text
    assert re.search(r'id="objection-total">共 \d+ 件待处理', by_name) and name in by_name
    shown = dashboard.objection_page(cycle, store=store, search=uscc[:12].lower())
    assert shown.total >= 1 and all(o.uscc.startswith(uscc[:12]) for o in shown.rows)   # a credit code, any case
    two = dashboard.objection_page(cycle, store=store, per_page=2, page=1)
    last = dashboard.objection_page(cycle, store=store, per_page=2, page=99)
    assert (two.pages, len(two.rows)) == (-(-every // 2), 2) and last.page == two.pages
    assert [o.id for o in last.rows] == [o.id for o in dashboard.open_objections(cycle, store=store)][
        (two.pages - 1) * 2:]
    assert dashboard.objection_page(cycle, store=store, search="无此单位").total == 0
