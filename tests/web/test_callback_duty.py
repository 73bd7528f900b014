"""呼我必回 on the staff pages: the admin sets offices and who is on duty (the phone masked once saved), the queue
shows each request's office, its due time in Beijing time and an overdue one with a text label (not colour only)
and its escalation, filtered by office; revealing the number is a POST (CSRF, permission) that shows the callback's
history with the look in it."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.web.conftest import FIRST, STAFF, sign_in
from wengang import bootstrap
from wengang.adapters.db.people_tables import callbacks as callbacks_table
from wengang.services import callbacks, duty


def staff_client(client: TestClient, who: str) -> tuple[TestClient, str]:
    other = TestClient(client.app, raise_server_exceptions=False)
    return other, sign_in(other, STAFF[who], employer=False)


def local(moment: dt.datetime) -> str:
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def test_the_admin_sets_an_office_and_who_is_on_duty_and_sees_the_phone_masked(client, world_settings):
    admin, csrf = staff_client(client, "admin")
    clerk, ccsrf = staff_client(client, "clerk")
    assert clerk.get("/staff/duty").status_code == 403
    assert clerk.post("/staff/duty/offices", data={"code": "110105", "name": "朝阳区", "csrf": ccsrf}).status_code == 403
    page = admin.get("/staff/duty")
    assert page.status_code == 200 and "市级办公室" in page.text and "呼我必回值班" in page.text
    assert admin.post("/staff/duty/offices", data={"code": "110105", "name": "朝阳区专班", "csrf": csrf}).status_code == 200
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = admin.post("/staff/duty", data={"office": FIRST[2:8], "username": STAFF["clerk"], "phone": "13900001234",
                                           "starts_at": local(now - dt.timedelta(hours=1)),
                                           "ends_at": local(now + dt.timedelta(days=1)), "csrf": csrf})
    assert made.status_code == 200 and "139****1234" in made.text and "13900001234" not in made.text
    shown = admin.get("/staff/duty").text
    assert "朝阳区专班" in shown and "139****1234" in shown and "13900001234" not in shown and "值班中" in shown
    bad = admin.post("/staff/duty", data={"office": "city", "username": STAFF["clerk"], "phone": "123",
                                          "starts_at": local(now), "ends_at": local(now), "csrf": csrf})
    assert bad.status_code == 400
    store = bootstrap.store(world_settings)
    asked = callbacks.request("13812345678", "何时到账?", store=store, uscc=FIRST, url="https://x.example")
    with store.reading() as uow:
        texts = [n for n in uow.notifications.pending(limit=1000) if n.kind == "callback_duty"]
        assert uow.callbacks.get(asked.id).office == FIRST[2:8]
    assert [n.recipient for n in texts] == ["13900001234"] and "13812345678" not in texts[0].text


def test_the_queue_shows_office_due_time_and_an_overdue_label_and_the_number_is_revealed_with_its_history(
        client, world_settings):
    store = bootstrap.store(world_settings)
    duty.put_office(FIRST[2:8], "朝阳区专班", store=store, by=STAFF["admin"])
    late = callbacks.request("13812345678", "何时到账?", store=store)
    fresh = callbacks.request("13812345679", "政策咨询", store=store, uscc=FIRST)
    with store.engine.begin() as conn:                                  # the first one was due yesterday
        conn.execute(update(callbacks_table).where(callbacks_table.c.id == late.id).values(
            due_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=1)))
    assert callbacks.escalate_overdue(store=store) == [late.id]
    clerk, csrf = staff_client(client, "clerk")
    page = clerk.get("/staff/callbacks").text
    row = page.split(f'id="callback-{late.id}"')[1].split("</tr>")[0]
    assert "已超时" in row and "overdue" in row and "已转市级" in row and "市级办公室" in row
    other = page.split(f'id="callback-{fresh.id}"')[1].split("</tr>")[0]
    assert "朝阳区专班" in other and "已超时" not in other and "UTC" not in other and "138****5679" in other and "13812345679" not in page
    assert "答复期限(北京时间)" in page
    only_city = clerk.get("/staff/callbacks?office=city").text
    assert f'id="callback-{late.id}"' in only_city and f'id="callback-{fresh.id}"' not in only_city
    assert clerk.get("/staff/callbacks?office=drop;table").status_code == 422
    auditor, acsrf = staff_client(client, "auditor")
    assert auditor.post(f"/staff/callbacks/{fresh.id}/reveal", data={"csrf": acsrf}).status_code == 403
    assert clerk.post(f"/staff/callbacks/{fresh.id}/reveal", data={}).status_code in (400, 403)     # no CSRF
    shown = clerk.post(f"/staff/callbacks/{fresh.id}/reveal", data={"csrf": csrf})
    assert shown.status_code == 200 and "13812345679" in shown.text
    history = shown.text.split('id="callback-history"')[1]
    assert STAFF["clerk"] in history and "查看完整号码以回电" in history
