"""The call list and the specialists' portfolios on the web (issue 16.4): who may see and who may act, phones
masked on the page and shown whole only on an audited look, filters, assigning in bulk, each call's outcome."""

from __future__ import annotations

from tests.builders import uscc
from tests.conftest import CITY
from tests.web.conftest import FIRST
from tests.web.test_flows import staff_client
from wengang import bootstrap
from wengang.domain.contact import HANDED_FAILED, Handed
from wengang.services import delivery, tell

DISPATCH = uscc(CITY["dispatch"])


def told_and_failed(settings) -> None:
    """Every step told; the copies to the first unit's contacts failed for good (so it was not reached)."""
    store = bootstrap.store(settings)
    tell.tell(store=store, settings=settings)
    delivery.fan_out(store=store, analytics=bootstrap.analytics(settings))
    with store.transaction() as uow:
        for n in uow.notifications.of_unit(FIRST, limit=20):
            copies = uow.deliveries.of_notification(n.id)
            uow.deliveries.save_handed([d.handed(Handed(d.key, HANDED_FAILED, error="x"), uow.now())
                                        for d in copies])
        uow.commit()


def test_the_call_list_shows_why_with_phones_masked_and_a_clerk_assigns_and_records(client, facts, world_settings):
    told_and_failed(world_settings)
    cycle = facts["paid_cycle"]
    clerk, csrf = staff_client(client, "clerk")
    page = clerk.get(f"/staff/calls?cycle={cycle}").text
    assert "已告知, 但无一条送达" in page and "待单位确认" in page and "dispatch有限公司" in page
    assert "138****5678" in page and "13812345678" not in page and "not_reached" not in page.split("<tbody>")[1]
    narrowed = clerk.get(f"/staff/calls?cycle={cycle}&reason=not_confirmed").text
    assert "dispatch有限公司" in narrowed and "eligible有限公司" not in narrowed
    assert clerk.get(f"/staff/calls?cycle={cycle}&reason=bored").status_code == 422
    assert "dispatch有限公司" in clerk.get(f"/staff/calls?cycle={cycle}&page=99").text       # past the end: the last
    assert clerk.get(f"/staff/calls?cycle={cycle}&page=0").status_code == 422
    done = clerk.post("/staff/calls/assign", data={"csrf": csrf, "cycle": cycle, "uscc": [DISPATCH, FIRST]},
                      follow_redirects=True)
    mine = clerk.get(f"/staff/calls?cycle={cycle}&mine=true").text
    assert done.status_code == 200 and mine.count('class="caller">clerk-wang<') == 2
    clerk.post(f"/staff/calls/{DISPATCH}/outcome", data={"csrf": csrf, "cycle": cycle, "outcome": "no_answer",
                                                        "note": "另一个号码 13900001111"})
    page = clerk.get(f"/staff/calls?cycle={cycle}&mine=true").text
    assert "无人接听" in page and "139****1111" in page and "13900001111" not in page
    refused = clerk.post(f"/staff/calls/{DISPATCH}/outcome", data={"csrf": csrf, "cycle": cycle,
                                                                  "outcome": "call_back"})
    assert refused.status_code == 400 and "call back needs a time" in refused.text
    clerk.post(f"/staff/calls/{DISPATCH}/outcome", data={"csrf": csrf, "cycle": cycle, "outcome": "reached"})
    assert "dispatch有限公司" not in clerk.get(f"/staff/calls?cycle={cycle}&mine=true").text
    shown = clerk.post(f"/staff/calls/{FIRST}/reveal", data={"csrf": csrf, "cycle": cycle})
    assert shown.status_code == 200 and "13812345678" in shown.text


def test_only_callers_act_and_employers_never_see_the_list(client, facts):
    cycle = facts["paid_cycle"]
    approver, csrf = staff_client(client, "approver")
    assert approver.get(f"/staff/calls?cycle={cycle}").status_code == 200            # every staff member reads
    assert 'id="assign-form"' not in approver.get(f"/staff/calls?cycle={cycle}").text
    refused = approver.post("/staff/calls/assign", data={"csrf": csrf, "cycle": cycle, "uscc": [DISPATCH]})
    assert refused.status_code == 403
    assert client.get("/staff/calls", follow_redirects=False).status_code in (302, 303, 401)


def test_a_specialist_is_named_and_their_portfolio_shows_each_units_next_step(client, facts):
    cycle = facts["paid_cycle"]
    clerk, csrf = staff_client(client, "clerk")
    named = clerk.post("/staff/specialists", data={"csrf": csrf, "uscc": DISPATCH, "to": "reviewer-li",
                                                   "key": "true", "cycle": cycle}, follow_redirects=True)
    assert named.status_code == 200 and "dispatch有限公司" in named.text and "重点企业" in named.text
    assert "请联系实际用工单位登录确认" in named.text                 # the unit's next step in words
    desk = clerk.get(f"/staff/specialists?cycle={cycle}").text
    assert 'href="/staff/specialists/reviewer-li' in desk
    bad = clerk.post("/staff/specialists", data={"csrf": csrf, "uscc": DISPATCH, "to": "approver-zhao"})
    assert bad.status_code == 400
    assert clerk.get("/staff/specialists/nobody-here").status_code == 404


def test_the_dashboard_shows_reach_by_event_and_channel_and_how_units_were_served(client, facts, world_settings):
    told_and_failed(world_settings)
    clerk, _ = staff_client(client, "clerk")
    board = clerk.get(f"/staff/dashboard?cycle={facts['paid_cycle']}").text      # the figures at once, reach after
    assert f'hx-get="/staff/dashboard/reach?cycle={facts["paid_cycle"]}"' in board and 'id="reach"' not in board
    page = clerk.get(f"/staff/dashboard/reach?cycle={facts['paid_cycle']}").text
    assert 'id="reach"' in page and "自助 (登录或查询进度)" in page and "回电用时(分, 中位/P90)" in page
    assert clerk.get("/staff/dashboard/reach?cycle=999999").status_code == 404
    assert clerk.get("/staff/dashboard/reach").status_code == 422
    lines = page.split('id="reach-lines"')[1]
    assert "短信" in lines and "失败" in lines and "identified" not in lines
