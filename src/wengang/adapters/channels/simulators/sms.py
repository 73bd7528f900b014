"""An SMS gateway that answers like Aliyun Dysms (see `sms_gateway` for the wire), for tests and the demo.

It checks every request's signature, timestamp and nonce; takes SendSms and SendBatchSms; deduplicates on OutId
(the same OutId twice → the same BizId, and the message reaches the phone once); keeps a JSON-lines log of what
reached each phone (the number, as an operator would, and the template filled in, with every secret value in
stars: the log never holds an activation code); and posts delivery receipts back, in batches, signed, again and
again until the callback takes them. It can be told to fail numbers (not in service → a failed receipt), to
throttle above N requests a second (isv.BUSINESS_LIMIT_CONTROL) and to answer 503 to the next K calls.

What each phone shows (the whole text, secrets included) is kept in memory only, for the last few thousand
phones: `screen(number)` (and `GET /_sim/phone?number=...`) is the demo's stand-in for the handset."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from wengang.adapters.channels.signing import MAX_AGE_SECONDS, SECRET_PARAMS, masked_params, same
from wengang.adapters.channels.simulators.http import LoopbackServer, Pusher, Request, Response
from wengang.adapters.channels.sms_gateway import (
    BEIJING,
    OK,
    RECEIPT_SIGNATURE_HEADER,
    THROTTLED,
    TIME_FORMAT,
    looks_like_mobile,
    sign_receipts,
    sign_request,
)

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
DELIVERED = ("DELIVERED", "用户接收成功")
NOT_IN_SERVICE = ("MOBILE_NOT_ON_SERVICE", "停机或空号")
SCREEN_PHONES, SCREEN_DEPTH = 5000, 20


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def compiled(template: str) -> str:
    """An Aliyun template (`${name}` placeholders) as a str.format pattern, filled in C."""
    parts = PLACEHOLDER.split(template)            # text, name, text, name, …, text
    return "".join(part.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + part + "}"
                   for i, part in enumerate(parts))


def fill(template: str, params: Mapping[str, str]) -> str:
    return compiled(template).format_map(_Blank(params))


class SmsGatewaySimulator:
    def __init__(self, log_path: Path, *, access_keys: Mapping[str, str], templates: Mapping[str, str],
                 sign_names: Iterable[str] = ("稳岗返还",), callback_url: str | None = None,
                 callback_secret: bytes = b"", not_in_service: Iterable[str] = (),
                 max_per_second: int | None = None, secret_params: Iterable[str] = SECRET_PARAMS,
                 receipt_batch: int = 1000, clock: Callable[[], float] = time.time):
        self.log_path = Path(log_path)
        self.access_keys = {k: v.encode() for k, v in access_keys.items()}
        self.templates, self.sign_names = dict(templates), set(sign_names)
        self._formats = {code: compiled(text) for code, text in self.templates.items()}
        self._names = {code: tuple(PLACEHOLDER.findall(text)) for code, text in self.templates.items()}
        self.callback_url, self.callback_secret = callback_url, callback_secret
        self.not_in_service = set(not_in_service)
        self.max_per_second, self.secret_params, self.clock = max_per_second, frozenset(secret_params), clock
        self.requests = 0                            # every call, answered or refused
        self.resent = 0                              # messages handed again under an OutId already taken
        self._fail_next = 0
        self._lock = threading.Lock()
        self._nonces: dict[str, float] = {}
        self._window: tuple[int, int] = (0, 0)      # (second, requests in it)
        self._sent: dict[str, str] = {}              # OutId → BizId
        self._serial = itertools.count(1)
        self._screens: OrderedDict[str, list[tuple[str, str, dict[str, str]]]] = OrderedDict()
        self._reload()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("a", encoding="utf-8")
        self._http = httpx.Client(timeout=5.0)
        self.pusher: Pusher[dict[str, Any]] = Pusher(self._post_receipts, batch=receipt_batch)
        self._server: LoopbackServer | None = None

    # -- running -----------------------------------------------------------------------------------------------
    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0: a free port) and start posting receipts; the gateway's base URL."""
        self._server = LoopbackServer(self.handle, host, port).start()
        self.pusher.start()
        return self._server.url

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return self._server.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self.pusher.stop()
        self._http.close()
        self._log.close()

    def __enter__(self) -> SmsGatewaySimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a test tells it ------------------------------------------------------------------------------
    def fail_next(self, calls: int) -> None:
        """Answer 503 to the next `calls` requests (whatever they are)."""
        with self._lock:
            self._fail_next = calls

    def hold_receipts(self) -> None:
        """Keep the receipts of what it takes from now on, as an operator whose reports come late."""
        self.pusher.hold()

    def release_receipts(self) -> None:
        """Post every receipt held, and those that follow as they come."""
        self.pusher.release()

    def flush_receipts(self, timeout: float = 10.0) -> bool:
        """Wait until every receipt so far has been taken by the callback."""
        return self.pusher.flush(timeout)

    # -- what it shows -------------------------------------------------------------------------------------
    def messages(self) -> list[dict[str, Any]]:
        """The log: one line per message that reached a phone (secrets in stars)."""
        self._log.flush()
        if not self.log_path.is_file():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]

    def screen(self, number: str) -> list[str]:
        """The whole texts the phone shows (in memory only), latest last."""
        with self._lock:
            shown = list(self._screens.get(number, ()))
        return [f"【{sign}】" + self._formats[code].format_map(_Blank(values)) for sign, code, values in shown]

    # -- the gateway ------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        with self._lock:
            self.requests += 1
            if self._fail_next > 0:
                self._fail_next -= 1
                return _answer({"Code": "ServiceUnavailable", "Message": "服务暂不可用"}, 503)
        if request.method == "GET" and request.path == "/_sim/phone":
            return _answer({"number": request.query.get("number", ""),
                            "messages": self.screen(request.query.get("number", ""))})
        if request.method != "POST" or request.path != "/":
            return _answer({"Code": "InvalidAction.NotFound", "Message": "no such API"}, 404)
        try:
            params = _params(request)
        except (ValueError, UnicodeDecodeError):
            return _answer({"Code": "isv.INVALID_PARAMETERS", "Message": "unreadable body", "RequestId": _rid()},
                           400)
        refused = self._check_signature(request, params)
        if refused is not None:
            return _answer({"Code": refused, "Message": "request refused", "RequestId": _rid()}, 400)
        if self._throttled():
            return _answer({"Code": THROTTLED, "Message": "触发流控 / flow control", "RequestId": _rid()})
        action = params.get("Action")
        try:
            if action == "SendSms":
                return self._send_one(params)
            if action == "SendBatchSms":
                return self._send_batch(params)
        except (ValueError, TypeError, KeyError) as err:
            return _answer({"Code": "isv.INVALID_PARAMETERS", "Message": type(err).__name__, "RequestId": _rid()})
        return _answer({"Code": "InvalidAction.NotFound", "Message": "no such action", "RequestId": _rid()}, 404)

    def _check_signature(self, request: Request, params: Mapping[str, str]) -> str | None:
        h = request.headers
        key_id, stamp, nonce = h.get("x-acs-access-key-id", ""), h.get("x-acs-date", ""), h.get(
            "x-acs-signature-nonce", "")
        secret = self.access_keys.get(key_id)
        if secret is None:
            return "InvalidAccessKeyId.NotFound"
        auth = dict(p.strip().split("=", 1) for p in h.get("authorization", "").removeprefix("HMAC-SHA256 ")
                    .split(",") if "=" in p)
        expected = sign_request(secret, request.method, request.path, params, stamp, nonce)
        if auth.get("Credential") != key_id or not same(expected, auth.get("Signature", "")):
            return "SignatureDoesNotMatch"
        try:
            at = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
        except ValueError:
            return "InvalidTimeStamp.Format"
        now = self.clock()
        if abs(now - at) > MAX_AGE_SECONDS:
            return "InvalidTimeStamp.Expired"
        with self._lock:
            if not nonce or nonce in self._nonces:
                return "SignatureNonceUsed"
            self._nonces[nonce] = now
            if len(self._nonces) > 100_000:          # forget nonces older than the timestamps it accepts
                self._nonces = {n: t for n, t in self._nonces.items() if now - t <= MAX_AGE_SECONDS}
        return None

    def _throttled(self) -> bool:
        if self.max_per_second is None:
            return False
        with self._lock:
            second = int(self.clock())
            seen = self._window[1] + 1 if self._window[0] == second else 1
            self._window = (second, seen)
            return seen > self.max_per_second

    def _problem(self, sign: str, code: str, phone: str, values: Mapping[str, str]) -> str | None:
        if sign not in self.sign_names:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        if code not in self._names:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        if any(name not in values for name in self._names[code]):
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        if not looks_like_mobile(phone):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        return None

    def _send_one(self, params: Mapping[str, str]) -> Response:
        code = params["TemplateCode"]
        values = json.loads(params.get("TemplateParam") or "{}")
        problem = self._problem(params["SignName"], code, params["PhoneNumbers"], values)
        if problem is not None:
            return _answer({"Code": problem, "Message": problem, "RequestId": _rid()})
        with self._lock:
            biz, receipt = self._take(params["PhoneNumbers"], params["SignName"], code, values,
                                      params.get("OutId", ""), self._now())
            self._log.flush()
        if receipt:
            self.pusher.put([receipt])
        return _answer({"Code": OK, "Message": "OK", "BizId": biz, "RequestId": _rid()})

    def _send_batch(self, params: Mapping[str, str]) -> Response:
        phones: list[str] = json.loads(params["PhoneNumberJson"])
        signs: list[str] = json.loads(params["SignNameJson"])
        values: list[dict[str, str]] = json.loads(params.get("TemplateParamJson") or "[]") or [{}] * len(phones)
        out_ids: list[str] = json.loads(params.get("OutIdJson") or "[]") or [""] * len(phones)
        if not 1 <= len(phones) <= 100 or not len(phones) == len(signs) == len(values) == len(out_ids):
            return _answer({"Code": "isv.INVALID_PARAMETERS", "Message": "one sign, value set and OutId per "
                            "number, at most 100 numbers", "RequestId": _rid()})
        code = params["TemplateCode"]
        if code not in self._names:
            return _answer({"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "no such template",
                            "RequestId": _rid()})
        results, receipts = [], []
        with self._lock:
            now = self._now()
            for phone, sign, vals, out_id in zip(phones, signs, values, out_ids, strict=True):
                problem = self._problem(sign, code, phone, vals)
                if problem is not None:
                    results.append({"OutId": out_id, "Code": problem, "Message": problem})
                    continue
                biz, receipt = self._take(phone, sign, code, vals, out_id, now)
                results.append({"OutId": out_id, "Code": OK, "BizId": biz})
                if receipt:
                    receipts.append(receipt)
            self._log.flush()
        self.pusher.put(receipts)
        return _answer({"Code": OK, "Message": "OK", "BizId": results[0].get("BizId", ""), "RequestId": _rid(),
                        "Results": results})

    def _now(self) -> tuple[float, str]:
        now = self.clock()
        return now, dt.datetime.fromtimestamp(now, BEIJING).strftime(TIME_FORMAT)

    def _take(self, phone: str, sign: str, code: str, values: Mapping[str, str], out_id: str,
              now: tuple[float, str]) -> tuple[str, dict[str, Any] | None]:
        """One message reaches its phone, unless its OutId did already (then: its BizId, no second text)."""
        if out_id and out_id in self._sent:
            self.resent += 1
            return self._sent[out_id], None
        biz = f"{int(now[0])}{next(self._serial):09d}^0"
        if out_id:
            self._sent[out_id] = biz
        shown = self._formats[code].format_map(_Blank(masked_params(values, self.secret_params)))
        sent_at = now[1]
        self._log.write(json.dumps({"at": sent_at, "phone": phone, "sign": sign, "template": code,
                                    "out_id": out_id, "biz_id": biz, "text": f"【{sign}】{shown}"},
                                   ensure_ascii=False) + "\n")
        screen = self._screens.get(phone)
        if screen is None:
            screen = self._screens[phone] = []
            if len(self._screens) > SCREEN_PHONES:
                self._screens.popitem(last=False)
        screen.append((sign, code, dict(values)))
        del screen[:-SCREEN_DEPTH]
        if not self.callback_url:
            return biz, None
        err_code, err_msg = NOT_IN_SERVICE if phone in self.not_in_service else DELIVERED
        return biz, {"phone_number": phone, "send_time": sent_at, "report_time": sent_at,
                     "success": phone not in self.not_in_service, "err_code": err_code, "err_msg": err_msg,
                     "sms_size": "1", "biz_id": biz, "out_id": out_id}

    def _post_receipts(self, receipts: Sequence[dict[str, Any]]) -> bool:
        assert self.callback_url is not None
        body = json.dumps(list(receipts), ensure_ascii=False).encode("utf-8")
        try:
            answer = self._http.post(self.callback_url, content=body, headers={
                "Content-Type": "application/json",
                RECEIPT_SIGNATURE_HEADER: sign_receipts(body, self.callback_secret, time.time())})
        except httpx.HTTPError:
            return False
        return answer.is_success

    def _reload(self) -> None:
        """Remember the OutIds of a log kept from an earlier run, so a resend after a restart is still one text."""
        if self.log_path.is_file():
            for line in self.log_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    if row.get("out_id"):
                        self._sent[row["out_id"]] = row["biz_id"]


def _params(request: Request) -> dict[str, str]:
    """The request's parameters: a JSON object, or a form as Aliyun's RPC API takes them."""
    if request.headers.get("content-type", "").startswith("application/json"):
        params = json.loads(request.body)
        if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
            raise ValueError("parameters are an object of strings")
        return params
    return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))


def _rid() -> str:
    return str(uuid.uuid4()).upper()


def _answer(payload: Mapping[str, Any], status: int = 200) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
