"""The one composition root: which settings, stores and adapters a command or the web app runs with."""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from wengang import messages
from wengang.adapters.analytics import DuckAnalytics
from wengang.adapters.anchors import FileAnchors
from wengang.adapters.attachments import FileAttachments
from wengang.adapters.banks.adapter import BankFileAdapter
from wengang.adapters.banks.simulator import BankSimulator
from wengang.adapters.channels.mail import SmtpSender
from wengang.adapters.channels.outbox import OutboxFile, OutboxSender
from wengang.adapters.channels.secrets import SmsCodes
from wengang.adapters.channels.signing import BadSignature
from wengang.adapters.channels.sms_gateway import SmsGatewaySender, parse_sms_receipts
from wengang.adapters.channels.wechat import WeChatSender, event_signature, parse_wechat_event
from wengang.adapters.clock import clock_for
from wengang.adapters.db.engine import current_revision
from wengang.adapters.db.store import SqlStore
from wengang.adapters.keys import KeyFile
from wengang.adapters.sealer import AesGcmSealer
from wengang.config import Settings, load_settings
from wengang.domain.contact import Receipt
from wengang.domain.errors import StoreUnavailable
from wengang.domain.jobs import JobKind
from wengang.domain.ports import Analytics, AttachmentFiles, Banks, Channel, Clock, Sender
from wengang.services import callbacks, delivery, job_steps, notify, publicity_plan, reminders, tell
from wengang.services.jobs import Handler

log = logging.getLogger(__name__)
SMS_TEMPLATES, WECHAT_TEMPLATES = messages.SMS_TEMPLATES, messages.WECHAT_TEMPLATES

_STORES: dict[tuple, SqlStore] = {}   # by database, key, anchor folder and clock (a demo step's clock)
STORE_ERRORS = (DBAPIError,)   # what a command reports as a database error instead of a stack trace


def settings() -> Settings:
    """The settings of this process, read from the environment when asked for (never at import)."""
    return load_settings()


def open_store(settings: Settings | None = None) -> SqlStore:
    """A fresh operational store (SQLite file or PostgreSQL), migrated to the newest revision, its audit chain keyed
    by the key outside the database and checkpointed to the anchor folder after every commit that moved it."""
    settings = settings or load_settings()
    url, master = settings.operational_url, keys(settings)
    try:
        return SqlStore.open(url, keys=master, anchors=anchors(settings, master), clock=clock(settings))
    except OperationalError as err:
        shown = make_url(url).render_as_string(hide_password=True)
        raise StoreUnavailable(f"无法打开业务数据库 / cannot open the operational database {shown}: "
                               f"{str(err.orig).strip().splitlines()[0] if err.orig else err}") from None


def store(settings: Settings | None = None) -> SqlStore:
    """The process's store for these settings (database, key, anchor folder, clock), opened and migrated once."""
    settings = settings or load_settings()
    wired = (settings.operational_url, str(settings.key_path), str(settings.audit_anchor_path), settings.clock_start)
    if wired not in _STORES:
        _STORES[wired] = open_store(settings)
    return _STORES[wired]


def close_stores() -> None:
    """Dispose every cached engine (end of a command, end of a test)."""
    while _STORES:
        _STORES.popitem()[1].close()


def upgrade_database(settings: Settings | None = None) -> str | None:
    """`wengang db upgrade`: migrate to head; the revision the database is now at."""
    opened = open_store(settings)
    try:
        return current_revision(opened.engine)
    finally:
        opened.close()


def clock(settings: Settings | None = None) -> Clock:
    """The clock units of work take their time from: the system's, unless a demo set WENGANG_CLOCK_START."""
    return clock_for((settings or load_settings()).clock_start)


def keys(settings: Settings | None = None) -> KeyFile:
    """The master key of these settings (created on first use for the embedded default)."""
    return KeyFile((settings or load_settings()).key_path)


def anchors(settings: Settings | None = None, master: KeyFile | None = None) -> FileAnchors:
    """The audit chain's checkpoints outside the database: a file per day in the settings' anchor folder."""
    settings = settings or load_settings()
    return FileAnchors(settings.audit_anchor_path, master or keys(settings))


def sealer(settings: Settings | None = None) -> AesGcmSealer:
    """What seals a secret on its way out (activation codes): AES-GCM under the key file's "seal" key."""
    return AesGcmSealer(keys(settings).key("seal"))


def outbox(settings: Settings | None = None) -> OutboxFile:
    """The outbox file channel of these settings, holding the key that opens its sealed messages (as a gateway)."""
    settings = settings or load_settings()
    return OutboxFile(settings.outbox_path, sealer=sealer(settings))


def analytics(settings: Settings | None = None) -> Analytics:
    """The analytical store of these settings (the DuckDB file beside the embedded stores), as pages read it."""
    settings = settings or load_settings()
    return DuckAnalytics(settings.analytics_path, clock(settings))


def attachments(settings: Settings | None = None) -> AttachmentFiles:
    """Where attached files are kept: the settings' attachments folder, each content once by its SHA-256."""
    return FileAttachments((settings or load_settings()).attachments_path)


def senders(settings: Settings | None = None) -> dict[str, Sender]:
    """Who carries each channel's messages: the SMS gateway, the SMTP server and the WeChat account the settings set
    up; a channel without one hands its messages to the outbox file's gateway."""
    settings = settings or load_settings()
    box = deliveries_outbox(settings)
    found: dict[str, Sender] = {c: OutboxSender(c, box, sealer(settings)) for c in ("sms", "email", "wechat")}
    if settings.sms_url:
        found["sms"] = _sms_gateway(settings)
    if settings.smtp_host:
        found["email"] = SmtpSender(settings.smtp_host, settings.smtp_port, settings.smtp_from,
                                    starttls=settings.smtp_starttls, username=settings.smtp_username,
                                    password=settings.smtp_password.get_secret_value() or None)
    if settings.wechat_appid:
        found["wechat"] = WeChatSender(settings.wechat_api_url, settings.wechat_appid,
                                       settings.wechat_secret.get_secret_value(), WECHAT_TEMPLATES,
                                       link=f"{settings.public_url.rstrip('/')}/portal")
    return found


def sms_receipts(body: bytes, signature: str, settings: Settings) -> list[Receipt] | None:
    """The SMS gateway's receipts in one post, or None when it is not signed with our callback secret (or too old)."""
    secret = settings.sms_callback_secret.get_secret_value().encode()
    try:
        return parse_sms_receipts(body, signature, secret) if secret else None
    except BadSignature:
        return None


def wechat_echo(query: Mapping[str, str], settings: Settings) -> str | None:
    """WeChat's check of this server's address: the `echostr` to echo, or None when the signature is not ours."""
    token = settings.wechat_token.get_secret_value()
    signed = event_signature(token, query.get("timestamp", ""), query.get("nonce", "")) if token else ""
    return query.get("echostr", "") if token and hmac.compare_digest(signed, query.get("signature", "")) else None


def wechat_receipt(query: Mapping[str, str], body: bytes, settings: Settings) -> tuple[bool, Receipt | None]:
    """An event WeChat pushed: whether it is signed with our token, and the receipt it carries (None: another
    event)."""
    token = settings.wechat_token.get_secret_value()
    if not token:
        return False, None
    try:
        return True, parse_wechat_event(query, body, token)
    except BadSignature:
        return False, None


def deliveries_outbox(settings: Settings | None = None) -> OutboxFile:
    """The outbox file the default senders write, holding the key that opens it (as its gateway does)."""
    settings = settings or load_settings()
    return OutboxFile(settings.deliveries_path, sealer=sealer(settings))


def _sms_gateway(settings: Settings) -> SmsGatewaySender:
    return SmsGatewaySender(settings.sms_url or "", settings.sms_access_key_id,
                            settings.sms_access_key_secret.get_secret_value(), settings.sms_sign_name, SMS_TEMPLATES)


def channel(settings: Settings | None = None) -> Channel:
    """The channel sealed codes (activation, look-up) leave through: the SMS gateway the settings set up, opened on
    the way out; without one, the settings' outbox file, still sealed, where a gateway picks them up."""
    settings = settings or load_settings()
    if settings.sms_url:
        return SmsCodes(_sms_gateway(settings), sealer(settings))
    return OutboxFile(settings.outbox_path)


def banks() -> Banks:
    """Bank files as the banks take and send them: pain.001 or CSV out, pain.002, camt.054 or CSV back."""
    return BankFileAdapter()


def bank_simulator(*, seed: int, reject_share: float, return_share: float) -> BankSimulator:
    """A bank that answers our files as a real one would, deterministic by seed (`wengang bank simulate`)."""
    return BankSimulator(seed=seed, reject_share=reject_share, return_share=return_share)


SLOW_DUE_SECONDS = 60.0       # the day's scheduled steps, escalations, reminders and telling: once a minute at most
DELIVERY_SECONDS = 5.0        # how often the worker hands waiting codes and messages over (a callback's SMS at once)


def due_work(settings: Settings | None = None) -> Callable[[], None]:
    """What the worker does on its own, each time it is called (every DELIVERY_SECONDS): hand over waiting codes and
    messages; and, once SLOW_DUE_SECONDS have passed since it last did, start the planned publicity batches due
    today, escalate overdue callbacks, queue reminders and tell every unit the steps done since it last looked."""
    settings = settings or load_settings()
    last_slow: list[float] = []
    ways: dict[str, Any] = {}                      # the channels, made once: each keeps its HTTP connections

    def slow() -> None:
        started, passed = publicity_plan.start_due(store=store(settings))
        for batch in started:
            log.info("公示批次 %s 按计划开始 / publicity batch started as planned", batch.number)
        for planned, why in passed:
            log.warning("计划批次 %s 未能开始 / planned batch not started: %s", planned.id, why)
        escalated = callbacks.escalate_overdue(store=store(settings), url=settings.public_url)
        if escalated:
            log.warning("呼我必回超时转市级 / callbacks escalated to the city office: %s", escalated)
        reminders.remind(store=store(settings), settings=settings)
        told = tell.tell(store=store(settings), settings=settings, analytics=analytics(settings))
        if told.total:
            log.info("已告知 %s 条步骤消息 / %s step messages queued", told.total, told.total)

    def due() -> None:
        if not ways:
            ways.update(codes=channel(settings), senders=senders(settings))
        if not last_slow or time.monotonic() - last_slow[-1] >= SLOW_DUE_SECONDS:
            last_slow[:] = [time.monotonic()]
            slow()
        try:
            notify.send_codes(store=store(settings), channel=ways["codes"])
        except Exception:  # noqa: BLE001 - the gateway away: the codes stay sealed and pending for the next round
            log.warning("验证码未能发送, 下一轮重试 / codes not sent; the next round tries again", exc_info=True)
        sent = delivery.deliver(store=store(settings), analytics=analytics(settings),
                                senders=ways["senders"], budget=20.0)
        if sent.fanned or sent.handed:
            log.info("投递 / delivery: %s fanned out, %s handed over", sent.fanned, sent.handed)
    return due


def job_handlers(settings: Settings | None = None) -> dict[JobKind, Handler]:
    """What the worker process runs for each kind of job, on this process's store and ports."""
    settings = settings or load_settings()
    return job_steps.handlers(store=store(settings), analytics=analytics(settings), settings=settings,
                              banks=banks())


def channel_simulators(settings: Settings, folder: Path, *, sms_port: int, smtp_port: int, wechat_port: int,
                       receipts: str) -> Callable[[], None]:
    """The demo's phones, mailboxes and WeChat, each a faithful simulator on loopback (never in production): the SMS
    gateway with every event's template registered, posting signed receipts to `receipts`/sms/receipts; the SMTP
    server; WeChat's API, pushing its events to `receipts`/wechat/events. Their logs land in `folder`. Returns what
    stops them."""
    from wengang.adapters.channels.simulators.sms import SmsGatewaySimulator
    from wengang.adapters.channels.simulators.smtp import SmtpSimulator
    from wengang.adapters.channels.simulators.wechat import WeChatSimulator

    texts = {event: messages.operator_template(event) for event in messages.EVENTS}
    sms = SmsGatewaySimulator(
        folder / "sms.jsonl", access_keys={settings.sms_access_key_id: settings.sms_access_key_secret.get_secret_value()},
        templates={SMS_TEMPLATES[e]: t for e, t in texts.items()}, sign_names=(settings.sms_sign_name,),
        callback_url=f"{receipts.rstrip('/')}/sms/receipts",
        callback_secret=settings.sms_callback_secret.get_secret_value().encode())
    mail = SmtpSimulator(folder / "mailbox.jsonl")
    wechat = WeChatSimulator(
        folder / "wechat.jsonl", appid=settings.wechat_appid or "", secret=settings.wechat_secret.get_secret_value(),
        templates={WECHAT_TEMPLATES[e]: re.sub(r"\$\{(\w+)\}", r"{{\1.DATA}}", t) for e, t in texts.items()},
        token=settings.wechat_token.get_secret_value(), callback_url=f"{receipts.rstrip('/')}/wechat/events")
    sms.start(port=sms_port)
    mail.start(port=smtp_port)
    wechat.start(port=wechat_port)

    def stop() -> None:
        for simulator in (sms, mail, wechat):
            simulator.stop()
    return stop
