"""The publicity plan page: choose a split, preview its batches (nothing saved), save, then start a due batch as a
worker job; a batch not yet due and a member of staff without the duty are refused in words."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tests.builders import uscc
from tests.web.conftest import STAFF, TODAY, sign_in
from wengang import bootstrap
from wengang.domain.cases import State
from wengang.domain.ports import NewCase
from wengang.services import jobs, publicity_plan


def add_cycle(store, cases: int = 6) -> int:
    """A cycle with identified cases in two districts (630102 odd, 460105 even), amounts 100 × n, no list yet."""
    at = dt.datetime(2021, 10, 8, 1, 0)
    with store.transaction() as uow:
        cycle_id = uow.cycles.add(program="plan-test", pack="beijing-2021", as_of=at.date(), snapshot_id="s",
                                  run_id="r", rounds_required=0, opened_by="clerk", opened_at=at).id
        uow.cases.insert_many([NewCase("plan-test", cycle_id, uscc(900 + n, "91630102" if n % 2 else "91460105"),
                                       f"计划单位{n}", "eligible", Decimal(100 * n), 6000, "", "r", False, True, False,
                                       False, False, State.IDENTIFIED.value, "passed", None, 1)
                               for n in range(1, cases + 1)])
        uow.commit()
    return cycle_id


def test_preview_save_and_start_a_due_batch(client, world_settings):
    store = bootstrap.store(world_settings)
    cycle_id = add_cycle(store)
    url = f"/staff/cycles/{cycle_id}/publicity"
    csrf = sign_in(client, STAFF["reviewer"], employer=False)
    assert client.get(url).status_code == 200                                        # any staff may look
    later = (TODAY + dt.timedelta(days=5)).isoformat()
    form = {"csrf": csrf, "by": "district", "per": "", "first_day": TODAY.isoformat(), "every_days": "5"}
    assert client.post(f"{url}/plan", data=form, follow_redirects=False).status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, STAFF["clerk"], employer=False)
    page = client.get(url)
    assert "尚未排公示计划" in page.text and 'id="plan-form"' in page.text
    shown = client.get(url, params={"by": "district", "per": "", "first_day": TODAY.isoformat(), "every_days": "5"})
    rows = re.findall(r"<tr><td>(\d)</td><td>([^<]+)</td><td>([\d-]+)</td><td class=\"num\">(\d+)</td>"
                      r"<td class=\"num\">([\d,.]+)</td>", shown.text)
    assert rows == [("1", "海南省海口市秀英区", TODAY.isoformat(), "3", "1,200.00"),       # 460105, named from the
                    ("2", "青海省西宁市城东区", later, "3", "900.00")]                   # division data set: 630102
    assert "预览 (尚未保存)" in shown.text and publicity_plan.show(cycle_id, store=store).rows == []
    back = client.get(url, params={"by": "count", "per": "", "first_day": TODAY.isoformat(), "every_days": "5"})
    assert "按数量分批需要每批案件数" in back.text                                  # refused in words, in place
    saved = client.post(f"{url}/plan", data={**form, "csrf": csrf}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == url
    page = client.get(url).text
    assert page.count("已排定, 未开始") == 2 and "未到排定日期" in page and page.count('class="start"') == 1
    first, second = publicity_plan.show(cycle_id, store=store).rows
    early = client.post(f"{url}/{second.planned.id}/start", data={"csrf": csrf})
    assert early.status_code in (400, 409, 422) and "不能提前" in early.text and "Traceback" not in early.text
    sent = client.post(f"{url}/{first.planned.id}/start", data={"csrf": csrf}, follow_redirects=False)
    assert sent.status_code == 303 and re.fullmatch(r"/staff/jobs/\d+", sent.headers["location"])
    ran = jobs.run_next(store=store, handlers=bootstrap.job_handlers(world_settings), worker="w1", every=0.05)
    assert ran is not None and ran.state.value == "done", ran
    page = client.get(url).text
    assert "公示中" in page and f"C{cycle_id}-P1" in page and "已排定, 未开始" in page
    again = client.post(f"{url}/plan", data={**form, "csrf": csrf})
    assert again.status_code in (400, 409, 422) and "不能重新排计划" in again.text
    assert not re.search(r"\b(identified|planned|started|district)\b", re.sub(r"<[^>]+>", " ", page))   # no raw codes
