"""一网 (issue 16.4): the push list shows every qualifying unit of a cycle and what it was told — how many steps, the
last one in words, how many copies reached its contacts — and exports as a spreadsheet whose export is audited."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from tests.clocks import in_sending_hours
from tests.services.test_delivery import Provider
from tests.web.conftest import FIRST
from tests.web.test_flows import staff_client
from wengang import bootstrap
from wengang.domain.contact import Receipt
from wengang.services import delivery, tell


def test_the_push_list_shows_what_each_qualifying_unit_was_told_and_exports(client, world_settings, facts):
    store = bootstrap.store(world_settings)
    tell.tell(store=store, settings=world_settings)
    delivery.fan_out(store=store, analytics=bootstrap.analytics(world_settings))
    sms = Provider("sms")
    with in_sending_hours(store):
        delivery.send_due(store=store, senders={"sms": sms})
    delivery.apply_receipts([Receipt(f"P-{key}", True, dt.datetime(2026, 1, 1)) for key in sms.got], store=store)
    cycle = facts["open_cycle"]
    clerk, _ = staff_client(client, "clerk")
    page = clerk.get(f"/staff/push?cycle={cycle}").text
    assert re.search(r'id="push-total">共 \d+ 家单位', page)
    with store.reading() as uow:
        mine = uow.cases.find(cycle, FIRST)
    row = re.search(rf'<tr id="push-{mine.id}">.*?</tr>', page, re.S).group(0)
    assert "列入公示" in row and "已送达 2" in row and FIRST in row     # told two steps, each reached its one mobile
    others = re.findall(r'<tr id="push-\d+">.*?</tr>', page, re.S)
    assert any("无联系人" in r for r in others)                                  # a unit that named nobody shows it
    sheet = clerk.get(f"/staff/push.xlsx?cycle={cycle}")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("application/vnd.openxml")
    ws = load_workbook(io.BytesIO(sheet.content)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert any(FIRST in r for r in values) and any("列入公示 / put on a list" in r for r in values)
    with store.reading() as uow:
        assert any(e.event == "push_list_exported" for e in uow.audit.since(0, ["push_list_exported"], 10))
    found = clerk.get(f"/staff/push?cycle={cycle}&q={FIRST[:14]}").text
    assert f'id="push-{mine.id}"' in found
