"""The SMS channel against its simulator: Aliyun-shaped signed requests, batches, dedup on OutId, receipts back."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from pathlib import Path

import httpx
import pytest

from wengang.adapters.channels.signing import BadSignature
from wengang.adapters.channels.simulators.http import LoopbackServer, Response
from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator
from wengang.adapters.channels.sms_gateway import (
    RECEIPT_SIGNATURE_HEADER,
    SmsGatewaySender,
    acs_date,
    parse_sms_receipts,
    sign_receipts,
    sign_request,
)
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery

KEY_ID, KEY_SECRET, CALLBACK_SECRET = "LTAI-wengang", "access-secret", b"receipt-secret"
TEMPLATES = {"SMS_100001": "您单位的稳岗返还已公示，查询码${code}。/ Your subsidy is published; look-up code ${code}.",
             "SMS_100002": "${name}的稳岗返还${amount}元已拨付。/ Subsidy of CNY ${amount} paid to ${name}."}
EVENTS = {"published": "SMS_100001", "paid": "SMS_100002"}


def delivery(n: int, phone: str = "", event: str = "paid", **params: str) -> Delivery:
    values = params or ({"code": "K7Q2M9"} if event == "published" else {"name": f"单位{n}", "amount": "1200.00"})
    return Delivery(f"n{n}-{event}", "sms", phone or f"139{n:08d}", event, values, "…")


@pytest.fixture
def gateway(tmp_path: Path, callback):
    callback.check = lambda req: parse_sms_receipts(req.body, req.headers[RECEIPT_SIGNATURE_HEADER.lower()],
                                                    CALLBACK_SECRET)
    sim = SmsGatewaySimulator(tmp_path / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET}, templates=TEMPLATES,
                              callback_url=callback.url, callback_secret=CALLBACK_SECRET,
                              not_in_service={"13900000044"})
    sim.start()
    yield sim
    sim.stop()


def sender(url: str, **kw) -> SmsGatewaySender:
    return SmsGatewaySender(url, KEY_ID, kw.pop("secret", KEY_SECRET), "【稳岗返还】", kw.pop("templates", EVENTS),
                            **kw)


def receipts(callback) -> list:
    return [r for batch in callback.taken for r in batch]


def test_a_batch_is_taken_one_biz_id_a_message_and_receipts_come_back_signed(gateway, callback):
    batch = [delivery(1), delivery(2), delivery(3, event="published")]
    with sender(gateway.url) as s:
        handed = s.send(batch)
    assert [h.status for h in handed] == [HANDED_SENT] * 3
    assert [h.key for h in handed] == [d.key for d in batch]
    assert len({h.provider_id for h in handed}) == 3
    logged = gateway.messages()
    assert [m["out_id"] for m in sorted(logged, key=lambda m: m["out_id"])] == sorted(d.key for d in batch)
    published = next(m for m in logged if m["template"] == "SMS_100001")
    assert published["text"].startswith("【稳岗返还】您单位的稳岗返还已公示，查询码******。")
    assert "K7Q2M9" not in gateway.log_path.read_text(encoding="utf-8")      # the secret reached the phone only
    assert "K7Q2M9" in gateway.screen("13900000003")[-1]
    assert gateway.flush_receipts()
    got = {r.key: r for r in receipts(callback)}
    assert set(got) == {d.key for d in batch}
    assert all(got[h.key].provider_id == h.provider_id and got[h.key].delivered for h in handed)
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert all(r.at.tzinfo is None and abs((r.at - utc_now).total_seconds()) < 60 for r in got.values())


def test_the_same_message_sent_twice_reaches_the_phone_once_with_the_same_biz_id(gateway, callback):
    with sender(gateway.url) as s:
        first = s.send([delivery(1), delivery(2)])
        again = s.send([delivery(1)])                   # a resend after a crash: one message, as SendSms
        twice_in_a_batch = s.send([delivery(1), delivery(2)])
    assert again[0].provider_id == first[0].provider_id
    assert [h.provider_id for h in twice_in_a_batch] == [h.provider_id for h in first]
    assert [m["out_id"] for m in gateway.messages()] == ["n1-paid", "n2-paid"]
    assert gateway.flush_receipts()
    assert sorted(r.key for r in receipts(callback)) == ["n1-paid", "n2-paid"]


def test_a_resend_after_the_simulator_restarts_is_still_one_text(tmp_path):
    log = tmp_path / "sms.jsonl"
    for _ in range(2):
        with SmsGatewaySimulator(log, access_keys={KEY_ID: KEY_SECRET}, templates=TEMPLATES) as sim, \
                sender(sim.url) as s:
            assert s.send([delivery(7)])[0].status == HANDED_SENT
    assert len(SmsGatewaySimulator(log, access_keys={}, templates={}).messages()) == 1


def test_invalid_number_template_or_sign_fail_for_good_and_the_rest_of_the_batch_is_taken(gateway):
    with sender(gateway.url) as s:
        handed = s.send([delivery(1), delivery(2, phone="1234"), delivery(3, event="unknown-step")])
    assert [h.status for h in handed] == [HANDED_SENT, HANDED_FAILED, HANDED_FAILED]
    assert handed[1].error.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    assert "no SMS template" in handed[2].error
    with sender(gateway.url, templates={"paid": "SMS_999999"}) as s:
        assert [h.error.split(":")[0] for h in s.send([delivery(5), delivery(6)])] == ["isv.SMS_TEMPLATE_ILLEGAL"] * 2
    with SmsGatewaySender(gateway.url, KEY_ID, KEY_SECRET, "别的签名", EVENTS) as s:
        assert {(h.status, h.error.split(":")[0]) for h in s.send([delivery(8)])} == {
            (HANDED_FAILED, "isv.SMS_SIGNATURE_ILLEGAL")}
    with sender(gateway.url) as s:
        missing = s.send([delivery(9, event="paid", name="某单位")])
    assert missing[0].status == HANDED_FAILED and missing[0].error.startswith("isv.TEMPLATE_MISSING_PARAMETERS")
    assert [m["out_id"] for m in gateway.messages()] == ["n1-paid"]


def test_a_number_not_in_service_is_taken_then_its_receipt_says_it_failed(gateway, callback):
    with sender(gateway.url) as s:
        handed = s.send([delivery(44), delivery(45)])
    assert [h.status for h in handed] == [HANDED_SENT, HANDED_SENT]
    assert gateway.flush_receipts()
    got = {r.key: r for r in receipts(callback)}
    assert not got["n44-paid"].delivered and got["n44-paid"].error.startswith("MOBILE_NOT_ON_SERVICE")
    assert got["n45-paid"].delivered and got["n45-paid"].error is None


def test_receipts_wait_while_the_callback_is_down_and_are_posted_again(gateway, callback):
    callback.down = True
    with sender(gateway.url) as s:
        s.send([delivery(1), delivery(2)])
    time.sleep(0.3)
    assert gateway.pusher.failures >= 1 and not callback.taken
    callback.down = False
    assert gateway.flush_receipts(timeout=10)
    assert sorted(r.key for r in receipts(callback)) == ["n1-paid", "n2-paid"]


def test_receipts_held_by_a_late_reporting_gateway_all_come_once_released(gateway, callback):
    gateway.hold_receipts()
    with sender(gateway.url) as s:
        s.send([delivery(1), delivery(2)])
        s.send([delivery(3)])
    time.sleep(0.3)
    assert not callback.taken and gateway.pusher.attempts == 0
    gateway.release_receipts()
    assert gateway.flush_receipts(timeout=10)
    assert sorted(r.key for r in receipts(callback)) == ["n1-paid", "n2-paid", "n3-paid"]


def test_a_receipt_post_is_refused_when_tampered_signed_with_another_secret_or_stale():
    body = json.dumps([{"phone_number": "13900000001", "send_time": "2021-09-01 10:00:00",
                        "report_time": "2021-09-01 10:00:05", "success": True, "err_code": "DELIVERED",
                        "err_msg": "用户接收成功", "biz_id": "1^0", "out_id": "n1-paid"}]).encode()
    now = time.time()
    signature = sign_receipts(body, CALLBACK_SECRET, now)
    [receipt] = parse_sms_receipts(body, signature, CALLBACK_SECRET)
    assert (receipt.provider_id, receipt.key, receipt.delivered) == ("1^0", "n1-paid", True)
    assert receipt.at.isoformat() == "2021-09-01T02:00:05"              # Beijing time → naive UTC
    with pytest.raises(BadSignature):
        parse_sms_receipts(body.replace(b"true", b"false"), signature, CALLBACK_SECRET)
    with pytest.raises(BadSignature):
        parse_sms_receipts(body, signature, b"another-secret")
    with pytest.raises(BadSignature):
        parse_sms_receipts(body, sign_receipts(body, CALLBACK_SECRET, now - 16 * 60), CALLBACK_SECRET)
    with pytest.raises(BadSignature):
        parse_sms_receipts(body, "v1=abc", CALLBACK_SECRET)
    with pytest.raises(BadSignature):
        parse_sms_receipts(b"{}", sign_receipts(b"{}", CALLBACK_SECRET, now), CALLBACK_SECRET)


def test_the_gateway_refuses_a_bad_signature_a_stale_timestamp_or_a_reused_nonce_and_the_sender_retries(gateway):
    with sender(gateway.url, secret="not-the-secret") as s:
        bad = s.send([delivery(1)])
    with sender(gateway.url, clock=lambda: time.time() - 16 * 60) as s:
        stale = s.send([delivery(2), delivery(3)])
    assert [(h.status, h.error.split(":")[0]) for h in bad + stale] == [
        (HANDED_RETRY, "SignatureDoesNotMatch")] + [(HANDED_RETRY, "InvalidTimeStamp.Expired")] * 2
    params = {"Action": "SendSms", "PhoneNumbers": "13900000004", "SignName": "稳岗返还",
              "TemplateCode": "SMS_100002", "TemplateParam": '{"name":"甲","amount":"1"}', "OutId": "n4-paid"}
    stamp, nonce = acs_date(time.time()), uuid.uuid4().hex
    headers = {"x-acs-access-key-id": KEY_ID, "x-acs-date": stamp, "x-acs-signature-nonce": nonce,
               "Authorization": f"HMAC-SHA256 Credential={KEY_ID},Signature="
                                f"{sign_request(KEY_SECRET.encode(), 'POST', '/', params, stamp, nonce)}"}
    first = httpx.post(gateway.url + "/", data=params, headers=headers)
    replayed = httpx.post(gateway.url + "/", data=params, headers=headers)
    assert first.json()["Code"] == "OK"
    assert (replayed.status_code, replayed.json()["Code"]) == (400, "SignatureNonceUsed")
    assert [m["out_id"] for m in gateway.messages()] == ["n4-paid"]


def test_flow_control_and_503_are_retries_and_a_later_send_gets_through(tmp_path):
    fixed = time.time()
    with SmsGatewaySimulator(tmp_path / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET}, templates=TEMPLATES,
                             max_per_second=2, clock=lambda: fixed) as sim, \
            sender(sim.url, batch_size=1, concurrency=1, clock=lambda: fixed) as s:
        handed = s.send([delivery(n) for n in range(1, 5)])
        assert [h.status for h in handed] == [HANDED_SENT, HANDED_SENT, HANDED_RETRY, HANDED_RETRY]
        assert handed[2].error.startswith("isv.BUSINESS_LIMIT_CONTROL")
    with SmsGatewaySimulator(tmp_path / "sms2.jsonl", access_keys={KEY_ID: KEY_SECRET}, templates=TEMPLATES) as sim, \
            sender(sim.url) as s:
        sim.fail_next(1)
        down = s.send([delivery(1), delivery(2)])
        assert [(h.status, h.error) for h in down] == [(HANDED_RETRY, "gateway answered HTTP 503")] * 2
        assert [h.status for h in s.send([delivery(1), delivery(2)])] == [HANDED_SENT] * 2


def test_a_gateway_down_or_too_slow_is_a_retry_not_an_exception():
    server = LoopbackServer(lambda req: Response(200, b'{"Code": "OK"}')).start()
    url = server.url
    server.stop()
    with sender(url) as s:
        assert [h.status for h in s.send([delivery(1), delivery(2)])] == [HANDED_RETRY] * 2

    def slow(req):
        time.sleep(1.0)
        return Response(200, b'{"Code": "OK", "BizId": "1"}')
    server = LoopbackServer(slow).start()
    try:
        with sender(server.url, timeout=0.2) as s:
            assert [(h.status, h.error) for h in s.send([delivery(1)])] == [(HANDED_RETRY, "gateway timed out")]
    finally:
        server.stop()


def test_our_log_lines_mask_the_number(gateway, caplog):
    caplog.set_level(logging.DEBUG, logger="wengang.channels.sms")
    with sender(gateway.url) as s:
        s.send([delivery(1), delivery(2, phone="1234567")])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "139****0001" in text and "13900000001" not in text and "1234567" not in text


def test_throughput_of_the_batch_endpoint_with_receipts(tmp_path, callback, capsys):
    """Not a timed test: prints messages/s for 20,000 SMS through SendBatchSms, receipts included, to size the
    benchmark of 500,000."""
    callback.check = lambda req: len(parse_sms_receipts(req.body, req.headers[RECEIPT_SIGNATURE_HEADER.lower()],
                                                        CALLBACK_SECRET))
    n = 20_000
    batch = [delivery(i) for i in range(n)]
    with SmsGatewaySimulator(tmp_path / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET}, templates=TEMPLATES,
                             callback_url=callback.url, callback_secret=CALLBACK_SECRET) as sim, \
            sender(sim.url) as s:
        start = time.perf_counter()
        handed = []
        for i in range(0, n, 5000):                       # the delivery loop hands a few thousand at a time
            handed += s.send(batch[i:i + 5000])
        sent = time.perf_counter() - start
        assert sim.flush_receipts(timeout=60)
        done = time.perf_counter() - start
    assert sum(h.status == HANDED_SENT for h in handed) == n
    assert sum(callback.taken) == n
    with capsys.disabled():
        print(f"\nSMS throughput: {n} messages handed in {sent:.2f} s ({n / sent:,.0f}/s); with every receipt "
              f"back in {done:.2f} s ({n / done:,.0f}/s); 500,000 would take about {500_000 * done / n:.0f} s")
