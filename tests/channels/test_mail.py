"""The e-mail channel against a real SMTP server on loopback (aiosmtpd): accepted, refused, busy, down, deduplicated."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from wengang.adapters.channels.mail import SmtpSender, message_id
from wengang.adapters.channels.simulators.smtp import SmtpSimulator, free_port
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery

TEXT = ("您单位的稳岗返还已公示，查询码：K7Q2M9。\n"
        "Your employment subsidy has been published; look-up code: K7Q2M9.")


def mail(n: int, to: str = "") -> Delivery:
    return Delivery(f"n{n}-published", "email", to or f"hr{n}@example.com", "published", {"code": "K7Q2M9"},
                    TEXT, "稳岗返还已公示 / Subsidy published")


@pytest.fixture
def server(tmp_path: Path):
    sim = SmtpSimulator(tmp_path / "mailbox.jsonl", reject={"gone@example.com"}, busy={"full@example.com"})
    sim.start()
    yield sim
    sim.stop()


def sender(sim: SmtpSimulator, **kw) -> SmtpSender:
    return SmtpSender(sim.host, sim.port, "noreply@wengang.local", timeout=5, **kw)


def test_a_batch_is_delivered_over_one_session_with_its_key_as_message_id(server):
    handed = sender(server).send([mail(1), mail(2)])
    assert [(h.status, h.provider_id) for h in handed] == [
        (HANDED_SENT, "n1-published@wengang.local"), (HANDED_SENT, "n2-published@wengang.local")]
    kept = server.messages()
    assert [m["message_id"] for m in kept] == [message_id("n1-published"), message_id("n2-published")]
    assert kept[0]["rcpt_tos"] == ["hr1@example.com"] and kept[0]["mail_from"] == "noreply@wengang.local"
    assert kept[0]["subject"] == "稳岗返还已公示 / Subsidy published"
    assert kept[0]["body"].startswith("您单位的稳岗返还已公示，查询码：******。\nYour employment subsidy")
    assert "K7Q2M9" not in server.mailbox.read_text(encoding="utf-8")     # the file holds no code
    assert server.inbox("hr1@example.com")[0]["body"].strip() == TEXT   # the person reads it whole


def test_a_long_message_goes_through_whole(server):
    """A body longer than an SMTP line may be (1,000 bytes) is sent with CRLF lines and arrives whole: a payment
    failure's text with the programme's title in both languages once was refused as one 'line too long'."""
    long = "您单位的北京市失业保险费稳岗返还1,359.07元未能转入收款账户(户名与账号不符)。" * 12 + " / " + "Log in. " * 60
    handed = sender(server).send([mail(3)._replace(text=long)])
    assert [h.status for h in handed] == [HANDED_SENT]
    assert server.inbox("hr3@example.com")[0]["body"].strip() == long.strip()


def test_the_same_message_sent_twice_is_kept_once(server):
    s = sender(server)
    assert s.send([mail(1)])[0].status == HANDED_SENT
    again = s.send([mail(1), mail(1)])
    assert [h.status for h in again] == [HANDED_SENT, HANDED_SENT]
    assert len(server.messages()) == 1 and len(server.inbox("hr1@example.com")) == 1


def test_a_refused_recipient_fails_a_busy_one_is_retried_and_the_rest_goes_through(server, caplog):
    caplog.set_level(logging.INFO, logger="wengang.channels.mail")
    handed = sender(server).send([mail(1, "gone@example.com"), mail(2, "full@example.com"), mail(3),
                                  mail(4, "not an address")])
    assert [h.status for h in handed] == [HANDED_FAILED, HANDED_RETRY, HANDED_SENT, HANDED_FAILED]
    assert handed[0].error.startswith("recipient refused: 550")
    assert handed[1].error.startswith("recipient refused: 450")
    assert [m["rcpt_tos"] for m in server.messages()] == [["hr3@example.com"]]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "g***@example.com" in logged and "gone@example.com" not in logged and "hr3@" not in logged


def test_a_session_refused_with_421_or_no_server_at_all_is_a_retry(server):
    server.refuse_next(1)
    refused = sender(server).send([mail(1), mail(2)])
    assert [(h.status, h.error) for h in refused] == [(HANDED_RETRY, "server refused the session: 421")] * 2
    assert server.sessions_refused == 1 and server.messages() == []
    assert [h.status for h in sender(server).send([mail(1), mail(2)])] == [HANDED_SENT] * 2
    down = SmtpSender("127.0.0.1", free_port(), "noreply@wengang.local", timeout=2).send([mail(3)])
    assert down[0].status == HANDED_RETRY and down[0].error.startswith("server unreachable")
    assert sender(server).send([]) == []


def test_starttls_asked_of_a_server_without_it_is_a_retry_not_an_exception(server):
    assert sender(server, starttls=True).send([mail(1)])[0].status == HANDED_RETRY


def test_the_mailbox_remembers_message_ids_across_a_restart(tmp_path):
    box = tmp_path / "mailbox.jsonl"
    for _ in range(2):
        with SmtpSimulator(box) as sim:
            assert sender(sim).send([mail(5)])[0].status == HANDED_SENT
    assert len(SmtpSimulator(box).messages()) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, so STARTTLS is checked for real."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                       serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def test_starttls_and_login_against_a_server_that_requires_both(tmp_path, certificate):
    import ssl

    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    with SmtpSimulator(tmp_path / "mailbox.jsonl", tls_context=server_tls, users={"wengang": "pw"}) as sim:
        ok = sender(sim, starttls=True, tls_context=client_tls, username="wengang", password="pw").send([mail(1)])
        wrong = sender(sim, starttls=True, tls_context=client_tls, username="wengang", password="no").send([mail(2)])
        plain = sender(sim).send([mail(3)])
        untrusted = sender(sim, starttls=True, username="wengang", password="pw").send([mail(4)])
    assert ok[0].status == HANDED_SENT
    assert (wrong[0].status, wrong[0].error) == (HANDED_RETRY, "login refused: 535")
    assert plain[0].status == HANDED_RETRY and untrusted[0].status == HANDED_RETRY
    assert [m["message_id"] for m in sim.messages()] == [message_id("n1-published")]
