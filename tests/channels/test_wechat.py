"""The WeChat channel against its simulator: access tokens, template messages, dedup, events pushed back signed."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from wengang.adapters.channels.signing import BadSignature
from wengang.adapters.channels.simulators.http import LoopbackServer, Response
from wengang.adapters.channels.simulators.wechat import WeChatSimulator, event_xml
from wengang.adapters.channels.wechat import WeChatSender, event_signature, parse_wechat_event
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery

APPID, SECRET, TOKEN = "wx0123456789abcdef", "app-secret-0123", "server-token"
TEMPLATES = {"TPL-published": "{{first.DATA}}\n单位：{{unit.DATA}}\n查询码：{{code.DATA}}\n{{remark.DATA}}"}
EVENTS = {"published": "TPL-published"}


def openid(n: int) -> str:
    return f"o6_bmjrPTlm6_2sgVt7hMZ{n:06d}"


def message(n: int, event: str = "published") -> Delivery:
    return Delivery(f"n{n}-{event}", "wechat", openid(n), event,
                    {"first": "稳岗返还已公示 / Subsidy published", "unit": f"单位{n}", "code": "K7Q2M9",
                     "remark": "点击查看 / Tap to see"}, "…")


@pytest.fixture
def wechat(tmp_path: Path, callback):
    callback.check = lambda req: parse_wechat_event(req.query, req.body, TOKEN)
    sim = WeChatSimulator(tmp_path / "wechat.jsonl", appid=APPID, secret=SECRET, templates=TEMPLATES, token=TOKEN,
                          callback_url=callback.url, unfollowed={openid(43)}, blocked={openid(44)},
                          system_fails={openid(45)})
    sim.start()
    yield sim
    sim.stop()


def sender(url: str, **kw) -> WeChatSender:
    return WeChatSender(url, APPID, kw.pop("secret", SECRET), EVENTS, link="https://wengang.local/e/progress", **kw)


def test_messages_are_taken_with_one_token_and_their_events_come_back_signed(wechat, callback):
    with sender(wechat.url) as s:
        handed = s.send([message(1), message(2)]) + s.send([message(3)])
        assert s.token_fetches == 1
    assert [h.status for h in handed] == [HANDED_SENT] * 3
    logged = wechat.messages()
    assert [m["client_msg_id"] for m in logged] == ["n1-published", "n2-published", "n3-published"]
    assert logged[0]["url"] == "https://wengang.local/e/progress"
    assert "查询码：******" in logged[0]["text"] and "K7Q2M9" not in wechat.log_path.read_text(encoding="utf-8")
    assert "查询码：K7Q2M9" in wechat.screen(openid(1))[0]
    assert wechat.flush_events()
    got = {r.provider_id: r for r in callback.taken}
    assert set(got) == {h.provider_id for h in handed}
    assert all(r.delivered and r.at.tzinfo is None for r in got.values())


def test_the_same_client_msg_id_twice_is_one_message_with_the_same_msgid(wechat, callback):
    with sender(wechat.url) as s:
        first, again = s.send([message(1)]), s.send([message(1)])
    assert first[0].provider_id == again[0].provider_id
    assert len(wechat.messages()) == 1
    assert wechat.flush_events() and len(callback.taken) == 1


def test_a_user_not_following_or_an_unknown_openid_or_template_fails_and_a_block_fails_later(wechat, callback):
    bad_openid = message(5)._replace(recipient="not-an-openid")
    with sender(wechat.url) as s:
        handed = s.send([message(43), bad_openid, message(6, "paid"), message(44), message(45)])
    with WeChatSender(wechat.url, APPID, SECRET, {"published": "TPL-unknown"}) as s:
        handed += s.send([message(7)])
    assert [(h.status, (h.error or "").split(" ")[0]) for h in handed] == [
        (HANDED_FAILED, "43004"), (HANDED_FAILED, "40003"), (HANDED_FAILED, "no"), (HANDED_SENT, ""),
        (HANDED_SENT, ""), (HANDED_FAILED, "40037")]
    assert wechat.flush_events()
    by_id = {r.provider_id: r for r in callback.taken}
    assert (by_id[handed[3].provider_id].delivered, by_id[handed[3].provider_id].error) == (False, "failed:user block")
    assert by_id[handed[4].provider_id].error == "failed: system failed"


def test_an_expired_or_unknown_token_is_fetched_again_once_and_the_message_goes(wechat):
    with sender(wechat.url) as s:
        s.send([message(1)])
        wechat.expire_tokens()
        assert s.send([message(2)])[0].status == HANDED_SENT
        assert s.token_fetches == 2
    later = [time.time()]
    with sender(wechat.url, clock=lambda: later[0]) as s:
        s.send([message(3)])
        later[0] += 7200 - 200                          # within five minutes of expiry: fetched ahead
        s.send([message(4)])
        assert s.token_fetches == 2
    with sender(wechat.url, secret="wrong") as s:
        refused = s.send([message(9)])
    assert refused[0].status == HANDED_RETRY and refused[0].error.startswith("no access token: 40125")


def test_system_busy_rate_limit_and_a_server_down_are_retries(wechat, tmp_path):
    with sender(wechat.url) as s:
        wechat.fail_next(1)
        busy = s.send([message(1), message(2)])
    assert [(h.status, h.error) for h in busy] == [(HANDED_RETRY, "-1 system error"), (HANDED_SENT, None)]
    fixed = time.time()
    with WeChatSimulator(tmp_path / "w2.jsonl", appid=APPID, secret=SECRET, templates=TEMPLATES,
                         max_per_second=1, clock=lambda: fixed) as sim, sender(sim.url) as s:
        limited = s.send([message(1), message(2)])
    assert [h.status for h in limited] == [HANDED_SENT, HANDED_RETRY] and limited[1].error.startswith("45009")
    server = LoopbackServer(lambda req: Response(200, b"{}")).start()
    url = server.url
    server.stop()
    with sender(url) as s:
        assert [h.status for h in s.send([message(1)])] == [HANDED_RETRY]
    server = LoopbackServer(lambda req: Response(502, b"bad gateway")).start()
    try:
        with sender(server.url) as s:
            assert s.send([message(1)])[0].error == "no access token: WeChat answered HTTP 502"
    finally:
        server.stop()


def test_events_wait_while_the_callback_is_down(wechat, callback):
    callback.down = True
    with sender(wechat.url) as s:
        s.send([message(1)])
    time.sleep(0.2)
    assert not callback.taken and wechat.pusher.failures >= 1
    callback.down = False
    assert wechat.flush_events() and len(callback.taken) == 1


def test_an_event_is_refused_when_tampered_signed_with_another_token_or_stale():
    now = int(time.time())
    body = event_xml("gh_wengang00001", openid(1), now, 200163836, "success")
    query = {"signature": event_signature(TOKEN, str(now), "12345"), "timestamp": str(now), "nonce": "12345"}
    receipt = parse_wechat_event(query, body, TOKEN)
    assert receipt is not None and (receipt.provider_id, receipt.delivered, receipt.key) == ("200163836", True, None)
    with pytest.raises(BadSignature):
        parse_wechat_event({**query, "nonce": "54321"}, body, TOKEN)
    with pytest.raises(BadSignature):
        parse_wechat_event(query, body, "another-token")
    old = str(now - 16 * 60)
    with pytest.raises(BadSignature):
        parse_wechat_event({"signature": event_signature(TOKEN, old, "1"), "timestamp": old, "nonce": "1"}, body,
                           TOKEN)
    with pytest.raises(BadSignature):
        parse_wechat_event({}, body, TOKEN)
    follow = (b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>"
              b"<MsgType>event</MsgType><Event>subscribe</Event></xml>")
    assert parse_wechat_event(query, follow, TOKEN) is None
    with pytest.raises(BadSignature):
        parse_wechat_event(query, b"<xml><not closed>", TOKEN)
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<xml><MsgType>event</MsgType><Event>&b;</Event></xml>")
    assert parse_wechat_event(query, bomb, TOKEN) is None          # entities are not expanded


def test_no_openid_app_secret_or_token_in_our_log_lines(wechat, caplog):
    caplog.set_level(logging.DEBUG)
    with sender(wechat.url) as s:
        s.send([message(1)])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "o6_b****0001" in text
    assert openid(1) not in text and SECRET not in text and "access_token=***" in text
