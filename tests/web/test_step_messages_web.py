"""A step's message from the database to a phone and back (issue 16): told from the audit log, fanned out to the
unit's registered mobile, sent through the real SMS sender to the gateway simulator under the template registered
for its event (the operator's text reads as the inbox), and the gateway's signed receipt posted to our receipt route
marks it delivered; a receipt not signed with our secret is refused and changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.clocks import in_sending_hours
from tests.web.conftest import FIRST
from wengang import bootstrap
from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator
from wengang.adapters.channels.sms_gateway import RECEIPT_SIGNATURE_HEADER
from wengang.messages import SMS_TEMPLATES, operator_template
from wengang.services import delivery, tell

KEY_ID, KEY_SECRET, CALLBACK_SECRET = "wengang", "access-secret", "receipt-secret"


def test_a_told_step_reaches_the_phone_and_its_receipt_comes_back(client, world_settings, tmp_path, callback):
    settings = world_settings.model_copy(update={
        "sms_access_key_id": KEY_ID, "sms_access_key_secret": SecretStr(KEY_SECRET),
        "sms_callback_secret": SecretStr(CALLBACK_SECRET)})
    store = bootstrap.store(world_settings)
    sim = SmsGatewaySimulator(tmp_path / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET},
                              templates={code: operator_template(event) for event, code in SMS_TEMPLATES.items()},
                              callback_url=callback.url, callback_secret=CALLBACK_SECRET.encode())
    sim.start()
    try:
        settings = settings.model_copy(update={"sms_url": sim.url})
        told = tell.tell(store=store, settings=settings)
        assert told.total > 0
        with in_sending_hours(store):
            sent = delivery.deliver(store=store, analytics=bootstrap.analytics(settings),
                                    senders={"sms": bootstrap.senders(settings)["sms"]})
        assert sent.sent.get("sms", 0) >= 1 and not sent.failed
        shown = sim.screen("13812345678")
        assert shown and all(s.startswith("【稳岗返还】") for s in shown)
        with store.reading() as uow:
            inbox = [n.text.split(" / ")[0] for n in uow.notifications.of_unit(FIRST, limit=50)
                     if n.params is not None]
        assert {s.removeprefix("【稳岗返还】") for s in shown} <= set(inbox)    # the phone reads as the inbox
        assert "15900001111" not in str(sim.messages())                        # opted out: never texted
        assert sim.flush_receipts()
    finally:
        sim.stop()
    posted = callback.requests
    assert posted
    client.app.state.settings = settings                    # the server knows the gateway's callback secret
    app = TestClient(client.app)
    forged = app.post("/api/v1/channels/sms/receipts", content=posted[0].body,
                      headers={RECEIPT_SIGNATURE_HEADER: "t=1,v1=forged"})
    assert forged.status_code == 403
    for request in posted:
        reply = app.post("/api/v1/channels/sms/receipts", content=request.body,
                         headers={RECEIPT_SIGNATURE_HEADER: request.headers[RECEIPT_SIGNATURE_HEADER.lower()]})
        assert reply.status_code == 200, reply.text
    with store.reading() as uow:
        counts = uow.deliveries.counts()
    assert counts.get(("sms", "delivered"), 0) == sent.sent["sms"] and ("sms", "sent") not in counts
