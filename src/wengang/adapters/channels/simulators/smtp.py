"""A real SMTP server on loopback (aiosmtpd) that stands for the recipients' mailboxes, for tests and the demo.

Each message received is appended to a JSON-lines mailbox file (envelope, Message-ID, subject, the decoded
text body), once per Message-ID (a resend is accepted and not kept twice, as a mailbox that deduplicates). An
activation or look-up code in a body is written in stars (the file is a copy on disk; the whole text is kept in
memory only, `inbox(address)`). It can refuse given addresses with 550, answer given addresses 450 (mailbox
busy: try later) and refuse the next K sessions with 421. Given a TLS context it offers STARTTLS (and then
requires it); given users it requires a login (over TLS only, when it has TLS)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import socket
import ssl
import threading
from collections.abc import Iterable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# A code shown after its label ("激活码：K7Q2M9", "look-up code K7Q2M9"): what the mailbox file never holds.
CODE_AFTER_LABEL = re.compile(r"((?:码|code)\s*[:：]?\s*)([A-Za-z0-9-]{4,})", re.IGNORECASE)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class _Server(SMTP):
    """aiosmtpd's server, which can refuse a session with 421 before its greeting."""

    simulator: SmtpSimulator

    async def _handle_client(self) -> None:
        if self.simulator._refuse_session():
            await self.push("421 4.3.2 Service not available, try again later")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()


class _Controller(Controller):
    simulator: SmtpSimulator

    def factory(self) -> SMTP:
        server = _Server(self.handler, **self.SMTP_kwargs)
        server.simulator = self.simulator
        return server


class SmtpSimulator:
    def __init__(self, mailbox: Path, *, reject: Iterable[str] = (), busy: Iterable[str] = (),
                 hide: re.Pattern[str] = CODE_AFTER_LABEL, tls_context: ssl.SSLContext | None = None,
                 users: Mapping[str, str] | None = None):
        self.mailbox = Path(mailbox)
        self.reject, self.busy, self.hide = {a.lower() for a in reject}, {a.lower() for a in busy}, hide
        self.sessions_refused = 0
        self._refuse_next = 0
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._inboxes: dict[str, list[dict[str, Any]]] = {}
        if self.mailbox.is_file():
            self._seen = {m["message_id"] for m in self.messages()}
        self.tls_context, self.users = tls_context, dict(users) if users is not None else None
        self._controller: _Controller | None = None
        self.host, self.port = "127.0.0.1", 0

    def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        self.host, self.port = host, port or free_port(host)
        self.mailbox.parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {}
        if self.tls_context is not None:
            options.update(tls_context=self.tls_context, require_starttls=True)
        if self.users is not None:
            options.update(authenticator=self._authenticate, auth_required=True,
                           auth_require_tls=self.tls_context is not None)
        self._controller = _Controller(self, hostname=host, port=self.port, server_hostname="mail.wengang.local",
                                       **options)
        self._controller.simulator = self
        self._controller.start()
        return self.host, self.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse_next(self, sessions: int) -> None:
        """Answer 421 to the next `sessions` connections."""
        with self._lock:
            self._refuse_next = sessions

    def _refuse_session(self) -> bool:
        with self._lock:
            if self._refuse_next > 0:
                self._refuse_next -= 1
                self.sessions_refused += 1
                return True
            return False

    def messages(self) -> list[dict[str, Any]]:
        """The mailbox file: one line per message kept (codes in stars)."""
        if not self.mailbox.is_file():
            return []
        return [json.loads(line) for line in self.mailbox.read_text(encoding="utf-8").splitlines() if line]

    def inbox(self, address: str) -> list[dict[str, Any]]:
        """What the address's owner reads (whole texts, in memory only)."""
        with self._lock:
            return list(self._inboxes.get(address.lower(), ()))

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: object) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.users is not None:
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if login in self.users and self.users[login] == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    # -- aiosmtpd's handler hooks -------------------------------------------------------------------------------
    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.reject:
            return "550 5.1.1 Mailbox unavailable: no such user"
        if address.lower() in self.busy:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        message: EmailMessage = email.message_from_bytes(
            raw if isinstance(raw, bytes) else raw.encode("utf-8"), policy=email.policy.default)
        message_id = str(message.get("Message-ID", "")).strip()
        part = message.get_body(("plain",))
        body = (part.get_content() if part is not None else "").replace("\r\n", "\n")   # as a mail client shows it
        with self._lock:
            if message_id and message_id in self._seen:
                return "250 2.0.0 OK: already delivered"
            if message_id:
                self._seen.add(message_id)
            row = {"at": dt.datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"), "mail_from": envelope.mail_from,
                   "rcpt_tos": list(envelope.rcpt_tos), "message_id": message_id,
                   "subject": str(message.get("Subject", "")), "body": body}
            for address in envelope.rcpt_tos:
                self._inboxes.setdefault(address.lower(), []).append(row)
            kept = {**row, "body": self.hide.sub(lambda m: m.group(1) + "*" * len(m.group(2)), body)}
            with self.mailbox.open("a", encoding="utf-8") as out:
                out.write(json.dumps(kept, ensure_ascii=False) + "\n")
        return "250 2.0.0 OK: queued"
