"""E-mail over SMTP: one connection per batch (STARTTLS and login when configured), one message per Delivery with
`Message-ID: <key@wengang.local>` (the idempotency key: a mailbox that has the id already keeps one copy), the
subject and a text/plain UTF-8 body (Chinese, then English, as rendered).

SMTP has no delivery receipts: a message the server accepted (250 after DATA) is as delivered as this channel
can tell. A 4xx (greylisting, mailbox busy, the server closing with 421) or a dropped connection is a retry; a
recipient refused with 5xx (no such mailbox) or a message refused with 5xx is failed for good."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery, Handed

log = logging.getLogger("wengang.channels.mail")

MESSAGE_ID_DOMAIN = "wengang.local"
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "CST")
ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")


def message_id(key: str) -> str:
    """`<key@wengang.local>`; a key with characters a Message-ID cannot hold is replaced by its digest."""
    left = key if re.fullmatch(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+", key) else hashlib.sha256(
        key.encode()).hexdigest()[:32]
    return f"<{left}@{MESSAGE_ID_DOMAIN}>"


def mask_address(address: str) -> str:
    """An e-mail address for a log line: its first character and its domain (z***@example.com)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class SmtpSender:
    """The `Sender` for e-mail. Never raises for a message: a server down, refusing the session or dropping the
    connection midway makes the messages not yet accepted a retry."""

    channel = "email"

    def __init__(self, host: str, port: int, from_address: str, *, from_name: str = "稳岗返还 Employment Subsidy",
                 starttls: bool = False, username: str | None = None, password: str | None = None,
                 timeout: float = 10.0, tls_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(SHANGHAI)):
        self.host, self.port, self.from_address, self.from_name = host, port, from_address, from_name
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout, self.tls_context, self.local_hostname = timeout, tls_context, local_hostname
        self._clock = clock

    def send(self, batch: Sequence[Delivery]) -> list[Handed]:
        if not batch:
            return []
        try:
            smtp = self._open()
        except smtplib.SMTPConnectError as err:
            return self._log([Handed(d.key, HANDED_RETRY, None, f"server refused the session: {err.smtp_code}")
                              for d in batch], batch)
        except smtplib.SMTPAuthenticationError as err:
            return self._log([Handed(d.key, HANDED_RETRY, None, f"login refused: {err.smtp_code}")
                              for d in batch], batch)
        except (OSError, smtplib.SMTPException) as err:
            return self._log([Handed(d.key, HANDED_RETRY, None, f"server unreachable: {type(err).__name__}")
                              for d in batch], batch)
        out: list[Handed] = []
        try:
            for d in batch:
                try:
                    out.append(self._one(smtp, d))
                except (smtplib.SMTPServerDisconnected, OSError) as err:
                    out += [Handed(x.key, HANDED_RETRY, None, f"connection lost: {type(err).__name__}")
                            for x in batch[len(out):]]
                    break
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        return self._log(out, batch)

    def _open(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout, local_hostname=self.local_hostname)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self.tls_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def message(self, d: Delivery) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.from_name, self.from_address))
        msg["To"] = d.recipient
        msg["Subject"] = d.subject or "稳岗返还通知 / Employment subsidy notice"
        msg["Message-ID"] = message_id(d.key)
        msg["Date"] = format_datetime(self._clock().astimezone(SHANGHAI))
        msg.set_content(d.text, charset="utf-8")
        return msg

    def _one(self, smtp: smtplib.SMTP, d: Delivery) -> Handed:
        if not ADDRESS.fullmatch(d.recipient):
            return Handed(d.key, HANDED_FAILED, None, "not an e-mail address")
        code, answer = smtp.mail(self.from_address)
        if code != 250:
            smtp.rset()
            return Handed(d.key, HANDED_RETRY, None, _said("sender refused", code, answer))
        code, answer = smtp.rcpt(d.recipient)
        if code not in (250, 251):
            smtp.rset()
            return Handed(d.key, HANDED_FAILED if code >= 500 else HANDED_RETRY, None,
                          _said("recipient refused", code, answer))
        code, answer = smtp.data(self.message(d).as_bytes(policy=SMTP))   # CRLF: smtplib sends bytes as they are
        if code != 250:
            return Handed(d.key, HANDED_FAILED if code >= 500 else HANDED_RETRY, None,
                          _said("message refused", code, answer))
        return Handed(d.key, HANDED_SENT, message_id(d.key).strip("<>"))

    @staticmethod
    def _log(out: list[Handed], batch: Sequence[Delivery]) -> list[Handed]:
        if log.isEnabledFor(logging.INFO):
            for d, h in zip(batch, out, strict=True):
                log.info("email %s %s → %s %s", d.key, mask_address(d.recipient), h.status, h.error or "")
        return out


def _said(what: str, code: int, answer: bytes) -> str:
    text = answer.decode("utf-8", "replace")
    text = re.sub(r"[^@\s<>]+@[^@\s<>]+", lambda m: mask_address(m.group(0)), text)   # no address in an error
    return f"{what}: {code} {text}"[:200]
