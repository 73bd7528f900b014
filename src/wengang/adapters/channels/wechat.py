"""WeChat template messages (模板消息) through the official account API, in its request shape:

- `GET /cgi-bin/token?grant_type=client_credential&appid=..&secret=..` → `{"access_token", "expires_in": 7200}`;
  the token is cached and fetched again five minutes before it expires, and at once when an answer says it is
  invalid or expired (errcode 40001, 40014, 42001);
- `POST /cgi-bin/message/template/send?access_token=..` with `{touser, template_id, url, data: {key: {value}},
  client_msg_id}` (client_msg_id is our idempotency key: WeChat sends one message per id) → `{"errcode": 0,
  "errmsg": "ok", "msgid": ..}`. 43004 (the user does not follow the account), 40003 (no such openid), 40037 (no
  such template) and 47003 (a value refused) fail for good; -1 (system busy), 45009 (rate limit) and anything
  else are a retry;
- later WeChat pushes the `TEMPLATESENDJOBFINISH` event (XML) to the account's server URL, signed with the
  `signature` / `timestamp` / `nonce` query (sha1 of the sorted token, timestamp and nonce):
  `parse_wechat_event` checks it and reads the event as a Receipt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
from lxml import etree

from wengang.adapters.channels.signing import MAX_AGE_SECONDS, BadSignature, same
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery, Handed, Receipt

log = logging.getLogger("wengang.channels.wechat")

TOKEN_EXPIRED = frozenset({40001, 40014, 42001})
PERMANENT = frozenset({43004, 40003, 40037, 47003, 43101, 40036})
EVENT = "TEMPLATESENDJOBFINISH"
REFRESH_BEFORE = 300                    # seconds before a token's expiry when it is fetched again


class _NoSecretsInUrls(logging.Filter):
    """httpx logs each request's URL; WeChat's carry the app secret and the access token in the query."""

    SECRET = re.compile(r"((?:secret|access_token)=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "secret=" in message or "access_token=" in message:
            record.msg, record.args = self.SECRET.sub(r"\1***", message), ()
        return True


for _name in ("httpx", "httpcore"):
    if not any(isinstance(f, _NoSecretsInUrls) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_NoSecretsInUrls())


def mask_openid(openid: str) -> str:
    return openid[:4] + "****" + openid[-4:] if len(openid) > 8 else "****"


def event_signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's server signature: sha1 of token, timestamp and nonce, sorted and joined."""
    return hashlib.sha1("".join(sorted((token, timestamp, nonce))).encode("utf-8")).hexdigest()


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def parse_wechat_event(query: Mapping[str, str], body: bytes, token: str, *, now: float | None = None,
                       max_age: float = MAX_AGE_SECONDS) -> Receipt | None:
    """The receipt a pushed TEMPLATESENDJOBFINISH event carries, once its signature checks out (constant time)
    and its timestamp is less than `max_age` seconds off; None for any other message or event (a follow, a
    text). Raises BadSignature otherwise, or when the body is not WeChat's XML."""
    stamp, nonce, given = query.get("timestamp", ""), query.get("nonce", ""), query.get("signature", "")
    if not stamp.isdigit() or not nonce or not given:
        raise BadSignature("微信事件缺少签名 / WeChat event without its signature")
    if not same(event_signature(token, stamp, nonce), given):
        raise BadSignature("微信事件签名不符 / WeChat event signature does not match")
    if abs((time.time() if now is None else now) - int(stamp)) > max_age:
        raise BadSignature("微信事件签名已过期 / WeChat event signature is stale")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as err:
        raise BadSignature("微信事件无法读取 / unreadable WeChat event") from err
    fields = {child.tag: (child.text or "").strip() for child in root if isinstance(child.tag, str)}
    if fields.get("MsgType") != "event" or fields.get("Event") != EVENT:
        return None
    status = fields.get("Status", "")
    created = fields.get("CreateTime", "")
    at = (dt.datetime.fromtimestamp(int(created), dt.UTC) if created.isdigit() else dt.datetime.now(dt.UTC))
    delivered = status == "success"
    return Receipt(fields.get("MsgID", fields.get("MsgId", "")), delivered, at.replace(tzinfo=None), None,
                   None if delivered else (status or "failed"))


class _TokenRefused(Exception):
    pass


class WeChatSender:
    """The `Sender` for WeChat: one template message per Delivery (WeChat has no batch call), over a kept-alive
    connection, with the access token cached across batches. Never raises for a message."""

    channel = "wechat"

    def __init__(self, base_url: str, appid: str, secret: str, templates: Mapping[str, str], *,
                 link: str | None = None, timeout: float = 10.0, clock: Callable[[], float] = time.time,
                 client: httpx.Client | None = None):
        self.base = base_url.rstrip("/")
        self.appid, self.secret, self.templates, self.link = appid, secret, dict(templates), link
        self.clock = clock
        self.client = client or httpx.Client(timeout=timeout)
        self._token: tuple[str, float] | None = None      # (token, expires at)
        self._lock = threading.Lock()
        self.token_fetches = 0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> WeChatSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, batch: Sequence[Delivery]) -> list[Handed]:
        out = []
        for d in batch:
            h = self._one(d)
            log.info("wechat %s %s → %s %s", d.key, mask_openid(d.recipient), h.status, h.error or "")
            out.append(h)
        return out

    def _one(self, d: Delivery) -> Handed:
        template = self.templates.get(d.event)
        if template is None:
            return Handed(d.key, HANDED_FAILED, None, f"no WeChat template for event {d.event!r}")
        payload: dict[str, Any] = {"touser": d.recipient, "template_id": template,
                                   "data": {k: {"value": str(v)} for k, v in d.params.items()},
                                   "client_msg_id": d.key}
        if self.link:
            payload["url"] = self.link
        for attempt in range(2):
            try:
                token = self._access_token(fresh=attempt > 0)
            except _TokenRefused as err:
                return Handed(d.key, HANDED_RETRY, None, str(err))
            answer, problem = self._call("POST", "/cgi-bin/message/template/send", {"access_token": token},
                                         payload)
            if answer is None:
                return Handed(d.key, HANDED_RETRY, None, problem)
            code = int(answer.get("errcode", -1))
            if code == 0:
                return Handed(d.key, HANDED_SENT, str(answer.get("msgid")))
            if code in TOKEN_EXPIRED and attempt == 0:
                with self._lock:
                    self._token = None
                continue
            error = f"{code} {answer.get('errmsg', '')}".strip()
            return Handed(d.key, HANDED_FAILED if code in PERMANENT else HANDED_RETRY, None, error)
        return Handed(d.key, HANDED_RETRY, None, "access token refused twice")

    def _access_token(self, *, fresh: bool = False) -> str:
        with self._lock:
            if not fresh and self._token is not None and self.clock() < self._token[1] - REFRESH_BEFORE:
                return self._token[0]
            answer, problem = self._call("GET", "/cgi-bin/token", {
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            if answer is None:
                raise _TokenRefused(f"no access token: {problem}")
            if "access_token" not in answer:
                raise _TokenRefused(f"no access token: {answer.get('errcode')} {answer.get('errmsg', '')}")
            self.token_fetches += 1
            self._token = (str(answer["access_token"]), self.clock() + int(answer.get("expires_in", 7200)))
            return self._token[0]

    def _call(self, method: str, path: str, query: Mapping[str, str],
              payload: Mapping[str, Any] | None = None) -> tuple[dict[str, Any] | None, str]:
        try:
            response = self.client.request(method, self.base + path, params=dict(query), json=payload)
        except httpx.TimeoutException:
            return None, "WeChat timed out"
        except httpx.HTTPError as err:
            return None, f"WeChat unreachable: {type(err).__name__}"
        if response.status_code != 200:
            return None, f"WeChat answered HTTP {response.status_code}"
        try:
            answer = response.json()
        except ValueError:
            return None, "WeChat answered without JSON"
        return (answer, "") if isinstance(answer, dict) else (None, "WeChat answered something else")
