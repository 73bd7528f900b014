"""Codes by SMS (issue 16.3): with an SMS gateway set up, a look-up code leaves through it as soon as the page is
answered and an activation code on the worker's round, each opened from its seal only on the way out; the phone
shows the code, while the database, the gateway's log and every file hold it masked or sealed. A busy gateway keeps
the code sealed and pending for the next round, and a resend reaches the phone once."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from tests.web.conftest import FIRST, csrf_of
from wengang import bootstrap
from wengang.adapters.channels.secrets import GatewayBusy
from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator
from wengang.messages import SMS_TEMPLATES, operator_template
from wengang.services import notify, people
from wengang.web.app import create_app
from wengang.web.settings import WebSettings

KEY_ID, KEY_SECRET = "wengang", "access-secret"
PHONE, OPTED_OUT = "13812345678", "15900001111"


@pytest.fixture
def gateway(tmp_path):
    sim = SmsGatewaySimulator(tmp_path / "phones" / "sms.jsonl", access_keys={KEY_ID: KEY_SECRET},
                              templates={code: operator_template(event) for event, code in SMS_TEMPLATES.items()})
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def sms_settings(world_settings, gateway):
    return world_settings.model_copy(update={"sms_url": gateway.url, "sms_access_key_id": KEY_ID,
                                             "sms_access_key_secret": SecretStr(KEY_SECRET)})


def dump(settings) -> str:
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        rows = "\n".join(str(tuple(r)) for t in ("lookup_codes", "activation_codes", "notifications", "audit_log",
                                                 "deliveries") for r in conn.execute(text(f"SELECT * FROM {t}")))
    engine.dispose()
    return rows


def files_under(*folders) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for f in folders for p in f.rglob("*")
                     if p.is_file() and p.suffix in (".jsonl", ".json", ".log", ".txt"))


def test_a_look_up_code_reaches_the_phone_at_once_and_is_in_clear_nowhere(sms_settings, gateway, tmp_path):
    with TestClient(create_app(sms_settings, WebSettings(cookie_secure=False))) as client:
        client.get("/lookup")
        asked = client.post("/lookup", data={"uscc": FIRST, "csrf": csrf_of(client)})
        assert asked.status_code == 200 and "138****5678" in asked.text
        shown = gateway.screen(PHONE)                                     # the page answered: the text has arrived
        assert len(shown) == 1 and shown[0].startswith("【稳岗返还】查询验证码 ")         # signed once, by the gateway
        code = re.search(r"查询验证码 (\d{6})", shown[0]).group(1)
        opened = client.post("/lookup/code", data={"uscc": FIRST, "code": code, "phones": "138****5678",
                                                   "csrf": csrf_of(client)}, follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/lookup/progress"
    bootstrap.close_stores()
    stored = dump(sms_settings)
    assert "查询验证码 ******" in stored and code not in stored
    logged = files_under(tmp_path, sms_settings.data_dir)
    assert "SMS_WG_LOOKUP_CODE" in logged and "******" in logged and code not in logged
    with bootstrap.store(sms_settings).reading() as uow:
        sent = uow.notifications.of_kind("lookup_code")
    assert sent and all(n.status == "sent" and n.sealed is None for n in sent)     # the seal wiped once handed over
    bootstrap.close_stores()


def test_a_busy_gateway_keeps_the_code_sealed_and_the_next_round_texts_it_once(sms_settings, gateway):
    store = bootstrap.store(sms_settings)
    people.invite_staff("clerk-new", "clerk", store=store, by="admin", phone=PHONE,
                        sealer=bootstrap.sealer(sms_settings))
    codes = bootstrap.channel(sms_settings)
    gateway.fail_next(10)                                                 # the gateway answers 503 for a while
    with pytest.raises(GatewayBusy):
        notify.send_codes(store=store, channel=codes)
    with store.reading() as uow:
        pending = [n for n in uow.notifications.of_kind("activation_code") if n.status != "sent"]
    assert [(n.status, n.sealed is not None) for n in pending] == [("pending", True)]     # still sealed, not lost
    assert gateway.screen(PHONE) == []
    gateway.fail_next(0)
    assert notify.send_codes(store=store, channel=codes) == 1             # the worker's next round
    again = bootstrap.channel(sms_settings)                               # a crash before recording, and a resend:
    message = {"id": pending[0].id, "kind": "activation_code", "channel": "sms", "sealed": pending[0].sealed,
               "seal_context": notify.seal_context("activation_code", None)}
    assert again.send([message]) == 1                                     # the gateway takes it again …
    texts = gateway.screen(PHONE)
    assert len(texts) == 1 and "clerk-new 的激活码 " in texts[0] and "/staff/activate" in texts[0]   # … once
    code = re.search(r"激活码 ([A-Z0-9]{10})", texts[0]).group(1)
    assert code not in dump(sms_settings)
    assert people.activate_staff("clerk-new", code, "Wg-Strong-Pass-9", store=store).username == "clerk-new"
    bootstrap.close_stores()
