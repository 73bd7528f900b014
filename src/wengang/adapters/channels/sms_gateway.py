"""SMS through an HTTP SMS gateway, in the shape of Aliyun Dysms (阿里云短信服务): `SendSms` for one message and
`SendBatchSms` for up to 100 of one template, each a signed form POST; the gateway answers
`{"Code": "OK", "BizId": ..., "RequestId": ...}` or an error code, and later posts delivery receipts back.

The wire, as this module speaks it (and `simulators/sms.py` checks it):

- a request is `POST /` with `Action` (SendSms | SendBatchSms), then for SendSms `PhoneNumbers`, `SignName`
  (稳岗返还, without the brackets), `TemplateCode`, `TemplateParam` (JSON of the values), `OutId` (our idempotency
  key); for SendBatchSms `PhoneNumberJson`, `SignNameJson`, `TemplateCode`, `TemplateParamJson` and `OutIdJson`
  (one per number: Aliyun takes a single OutId per batch, this gateway one per message, and answers one result
  per message in `Results`). The parameters travel as a form body, as Aliyun's RPC API takes them, or (what this
  sender does: percent-encoding 100 numbers' JSON costs more than the rest of the request) as one JSON object;
- signed with HMAC-SHA256 (the access-key secret) over METHOD, path, the parameters sorted by name (as one
  compact JSON object: unambiguous, and cheap on both sides), the `x-acs-date` timestamp and the
  `x-acs-signature-nonce`, one per line; the signature goes in
  `Authorization: HMAC-SHA256 Credential=<access key id>,Signature=<base64>`. The gateway refuses a bad
  signature, a timestamp more than 15 minutes off and a nonce it has seen;
- receipts come back as a JSON list in Aliyun's SmsReport shape (`phone_number, send_time, report_time, success,
  err_code, err_msg, biz_id, out_id`, times in Beijing time) with the header `X-Sms-Signature: t=<unix
  time>,v1=<base64 HMAC-SHA256 of "<t>." + body>` under the callback secret: `parse_sms_receipts` checks it.

A message's recipient is in clear only on the wire; every log line here masks it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from wengang.adapters.channels.signing import MAX_AGE_SECONDS, BadSignature, hmac_sha256_b64, same
from wengang.domain.contact import HANDED_FAILED, HANDED_RETRY, HANDED_SENT, Delivery, Handed, Receipt
from wengang.domain.identifiers import mask_phone

log = logging.getLogger("wengang.channels.sms")

BATCH_LIMIT = 100                                   # numbers per SendBatchSms, as Aliyun allows
RECEIPT_SIGNATURE_HEADER = "X-Sms-Signature"
BEIJING = dt.timezone(dt.timedelta(hours=8))
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"                   # the receipts' send_time / report_time, Beijing time

OK = "OK"
THROTTLED = "isv.BUSINESS_LIMIT_CONTROL"
# Refused for good: the same message would be refused again.
PERMANENT = frozenset({
    "isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.SMS_CONTENT_ILLEGAL",
})
# Anything else (flow control, an account out of credit, a bad request signature or clock, 5xx) is worth a retry:
# the delivery loop backs off and gives up after its own number of tries.


def sorted_params(params: Mapping[str, str]) -> str:
    """The parameters sorted by name, as compact JSON: what the signature covers, and the JSON body as sent."""
    return _json({k: params[k] for k in sorted(params)})


def canonical(method: str, path: str, params: Mapping[str, str], timestamp: str, nonce: str) -> str:
    """The string a request's signature covers."""
    return "\n".join((method.upper(), path, sorted_params(params), timestamp, nonce))


def sign_request(secret: bytes, method: str, path: str, params: Mapping[str, str], timestamp: str,
                 nonce: str) -> str:
    return hmac_sha256_b64(secret, canonical(method, path, params, timestamp, nonce))


def acs_date(at: float) -> str:
    """The x-acs-date header: ISO 8601 UTC to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


def sign_receipts(body: bytes, secret: bytes, at: float) -> str:
    """The X-Sms-Signature header the gateway puts on a receipts post."""
    stamp = str(int(at))
    return f"t={stamp},v1={hmac_sha256_b64(secret, stamp.encode() + b'.' + body)}"


def parse_sms_receipts(body: bytes, signature: str, secret: bytes, *, now: float | None = None,
                       max_age: float = MAX_AGE_SECONDS) -> list[Receipt]:
    """The receipts of one post from the gateway, once its X-Sms-Signature checks out (constant time) and is
    less than `max_age` seconds old (a replayed post is refused too). Raises BadSignature otherwise, or when
    the body is not a list of reports."""
    fields = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
    stamp, given = fields.get("t", ""), fields.get("v1", "")
    if not stamp.isdigit() or not given:
        raise BadSignature("回执签名格式不对 / malformed receipt signature")
    if not same(hmac_sha256_b64(secret, stamp.encode() + b"." + body), given):
        raise BadSignature("回执签名不符 / receipt signature does not match")
    if abs((time.time() if now is None else now) - int(stamp)) > max_age:
        raise BadSignature("回执签名已过期 / receipt signature is stale")
    try:
        reports = json.loads(body)
        if not isinstance(reports, list):
            raise TypeError("not a list")
        return [_receipt(r) for r in reports]
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise BadSignature(f"回执内容无法读取 / unreadable receipts: {type(err).__name__}") from err


def _receipt(report: Mapping[str, Any]) -> Receipt:
    delivered = report["success"] in (True, "true", "True", 1)
    at = report.get("report_time") or report.get("send_time")
    when = _utc(at) if at else dt.datetime.now(dt.UTC).replace(tzinfo=None)
    error = None if delivered else " ".join(str(x) for x in (report.get("err_code"), report.get("err_msg")) if x)
    return Receipt(str(report["biz_id"]), delivered, when, report.get("out_id") or None, error or None)


@functools.lru_cache(maxsize=4096)
def _utc(beijing: str) -> dt.datetime:
    """A receipt's Beijing time as naive UTC (a post of a thousand receipts carries a few distinct seconds)."""
    return dt.datetime.strptime(beijing, TIME_FORMAT).replace(tzinfo=BEIJING).astimezone(dt.UTC).replace(tzinfo=None)


def handed_for(key: str, code: str, biz_id: str | None, message: str | None = None) -> Handed:
    """One answer code as the delivery loop reads it."""
    if code == OK:
        return Handed(key, HANDED_SENT, biz_id)
    error = f"{code}: {message}" if message else code
    return Handed(key, HANDED_FAILED if code in PERMANENT else HANDED_RETRY, None, error)


class SmsGatewaySender:
    """The `Sender` for SMS: groups a batch by template, sends up to 100 numbers a request (SendBatchSms; a lone
    message goes as SendSms), several requests at once over one kept-alive connection pool, and maps each
    message's answer to a Handed. Never raises for a message: a gateway down or slow is a retry for the messages
    it carried."""

    channel = "sms"

    def __init__(self, base_url: str, access_key_id: str, access_key_secret: str | bytes, sign_name: str,
                 templates: Mapping[str, str], *, batch_size: int = BATCH_LIMIT, concurrency: int = 4,
                 timeout: float = 10.0, clock: Callable[[], float] = time.time,
                 client: httpx.Client | None = None):
        if not 1 <= batch_size <= BATCH_LIMIT:
            raise ValueError(f"batch_size must be 1..{BATCH_LIMIT}")
        self.url = base_url.rstrip("/") + "/"
        self.path = httpx.URL(self.url).path or "/"
        self.key_id = access_key_id
        self.secret = access_key_secret.encode() if isinstance(access_key_secret, str) else access_key_secret
        self.sign_name, self.templates = sign_name.strip("【】[] "), dict(templates)
        self.batch_size, self.concurrency, self.clock = batch_size, max(1, concurrency), clock
        self.client = client or httpx.Client(
            timeout=timeout, limits=httpx.Limits(max_connections=self.concurrency,
                                                 max_keepalive_connections=self.concurrency))
        # Kept for the sender's life: a pool started for each batch cost a few ms of thread starts per batch.
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="wengang-sms")

    def close(self) -> None:
        self._pool.shutdown()
        self.client.close()

    def __enter__(self) -> SmsGatewaySender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, batch: Sequence[Delivery]) -> list[Handed]:
        answers: dict[int, Handed] = {}
        groups: dict[str, list[int]] = {}
        for i, d in enumerate(batch):
            code = self.templates.get(d.event)
            if code is None:
                answers[i] = Handed(d.key, HANDED_FAILED, None, f"no SMS template for event {d.event!r}")
            else:
                groups.setdefault(code, []).append(i)
        chunks = [(code, idx[s:s + self.batch_size]) for code, idx in groups.items()
                  for s in range(0, len(idx), self.batch_size)]
        if len(chunks) <= 1 or self.concurrency == 1:
            results = [self._send_chunk(code, [batch[i] for i in idx]) for code, idx in chunks]
        else:
            results = list(self._pool.map(lambda c: self._send_chunk(c[0], [batch[i] for i in c[1]]), chunks))
        for (_, idx), handed in zip(chunks, results, strict=True):
            answers.update(zip(idx, handed, strict=True))
        out = [answers[i] for i in range(len(batch))]
        if log.isEnabledFor(logging.INFO):
            counts = {s: sum(1 for h in out if h.status == s) for s in (HANDED_SENT, HANDED_RETRY, HANDED_FAILED)}
            log.info("sms batch of %d: %s", len(out), counts)
        return out

    def _send_chunk(self, template: str, chunk: list[Delivery]) -> list[Handed]:
        if len(chunk) == 1:
            d = chunk[0]
            params = {"Action": "SendSms", "PhoneNumbers": d.recipient, "SignName": self.sign_name,
                      "TemplateCode": template, "TemplateParam": _json(d.params), "OutId": d.key}
        else:
            params = {"Action": "SendBatchSms", "TemplateCode": template,
                      "PhoneNumberJson": _json([d.recipient for d in chunk]),
                      "SignNameJson": _json([self.sign_name] * len(chunk)),
                      "TemplateParamJson": _json([d.params for d in chunk]),
                      "OutIdJson": _json([d.key for d in chunk])}
        answer, problem = self._post(params)
        if answer is None:
            return self._all(chunk, HANDED_RETRY, problem)
        code = str(answer.get("Code", ""))
        if code != OK:
            out = [handed_for(d.key, code, None, answer.get("Message")) for d in chunk]
        elif len(chunk) == 1:
            out = [Handed(chunk[0].key, HANDED_SENT, str(answer.get("BizId")))]
        else:
            out = self._per_message(chunk, answer)
        self._log(chunk, out)
        return out

    def _per_message(self, chunk: list[Delivery], answer: Mapping[str, Any]) -> list[Handed]:
        results = answer.get("Results")
        if not isinstance(results, list) or len(results) != len(chunk):
            return self._all(chunk, HANDED_RETRY, "gateway answered without one result per message")
        if all(isinstance(r, dict) and r.get("OutId") == d.key and r.get("Code") == OK and r.get("BizId")
               for r, d in zip(results, chunk, strict=True)):      # the usual answer: every one taken, in order
            return [Handed(d.key, HANDED_SENT, str(r["BizId"])) for r, d in zip(results, chunk, strict=True)]
        by_key = {str(r.get("OutId")): r for r in results if isinstance(r, dict)}
        out = []
        for d in chunk:
            r = by_key.get(d.key)
            if r is None:
                out.append(Handed(d.key, HANDED_RETRY, None, "no result for this message"))
            else:
                out.append(handed_for(d.key, str(r.get("Code", "")), str(r.get("BizId") or "") or None,
                                      r.get("Message")))
        return out

    def _post(self, params: dict[str, str]) -> tuple[dict[str, Any] | None, str]:
        """The gateway's JSON answer, or None and why it is worth a retry (down, slow, 429, 5xx, not JSON)."""
        stamp, nonce = acs_date(self.clock()), uuid.uuid4().hex
        body = sorted_params(params)
        signature = hmac_sha256_b64(self.secret, "\n".join(("POST", self.path, body, stamp, nonce)))
        headers = {"x-acs-access-key-id": self.key_id, "x-acs-date": stamp, "x-acs-signature-nonce": nonce,
                   "Authorization": f"HMAC-SHA256 Credential={self.key_id},Signature={signature}",
                   "Content-Type": "application/json; charset=utf-8"}
        try:
            response = self.client.post(self.url, content=body.encode("utf-8"), headers=headers)
        except httpx.TimeoutException:
            return None, "gateway timed out"
        except httpx.HTTPError as err:
            return None, f"gateway unreachable: {type(err).__name__}"
        if response.status_code == 429 or response.status_code >= 500:
            return None, f"gateway answered HTTP {response.status_code}"
        try:
            answer = response.json()
        except ValueError:
            return None, f"gateway answered HTTP {response.status_code} without JSON"
        if not isinstance(answer, dict):
            return None, "gateway answered something other than an object"
        return answer, ""

    @staticmethod
    def _all(chunk: Iterable[Delivery], status: str, error: str) -> list[Handed]:
        return [Handed(d.key, status, None, error) for d in chunk]

    @staticmethod
    def _log(chunk: list[Delivery], out: list[Handed]) -> None:
        if log.isEnabledFor(logging.DEBUG):
            for d, h in zip(chunk, out, strict=True):
                log.debug("sms %s %s → %s %s", d.key, mask_phone(d.recipient), h.status, h.error or "")


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def looks_like_mobile(number: str) -> bool:
    """A mainland mobile number (what the gateway accepts)."""
    return re.fullmatch(r"1[3-9]\d{9}", number) is not None
