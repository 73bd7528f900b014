"""WeChat's official-account API for template messages, as `wechat` speaks it, for tests and the demo.

It hands out access tokens (7200 s; `expire_tokens()` makes every token so far answer 42001), checks the
template and the openid, deduplicates on client_msg_id (the same id twice → the same msgid, one message), keeps
a JSON-lines log of what reached each user (the template filled in, secrets in stars), and pushes the
TEMPLATESENDJOBFINISH event (XML, signed in the query with the account's token) to the callback URL, again until
it is taken. It can be told: who does not follow the account (43004), who blocked its messages (taken, then
`failed:user block`), whose message the system fails (`failed: system failed`), to answer -1 to the next K calls,
and to rate-limit above N sends a second (45009)."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from wengang.adapters.channels.signing import SECRET_PARAMS, masked_params
from wengang.adapters.channels.simulators.http import LoopbackServer, Pusher, Request, Response
from wengang.adapters.channels.wechat import EVENT, event_signature

OPENID = re.compile(r"[A-Za-z0-9_-]{28}")
FIELD = re.compile(r"\{\{(\w+)\.DATA\}\}")
SUCCESS, USER_BLOCK, SYSTEM_FAILED = "success", "failed:user block", "failed: system failed"


class WeChatSimulator:
    def __init__(self, log_path: Path, *, appid: str, secret: str, templates: Mapping[str, str],
                 token: str = "", callback_url: str | None = None, account: str = "gh_wengang00001",
                 unfollowed: Iterable[str] = (), blocked: Iterable[str] = (), system_fails: Iterable[str] = (),
                 max_per_second: int | None = None, secret_params: Iterable[str] = SECRET_PARAMS,
                 clock: Callable[[], float] = time.time):
        self.log_path = Path(log_path)
        self.appid, self.app_secret, self.templates = appid, secret, dict(templates)
        self.token, self.callback_url, self.account = token, callback_url, account
        self.unfollowed, self.blocked, self.system_fails = set(unfollowed), set(blocked), set(system_fails)
        self.max_per_second, self.secret_params, self.clock = max_per_second, frozenset(secret_params), clock
        self.token_requests = 0
        self._tokens: dict[str, float] = {}          # token → expires at
        self._sent: dict[str, int] = {}              # client_msg_id → msgid
        self._msgids = itertools.count(int(time.time()) * 1000)
        self._window = (0, 0)
        self._fail_next = 0
        self._lock = threading.Lock()
        self._screens: dict[str, list[str]] = {}
        if self.log_path.is_file():
            for row in self.messages():
                if row.get("client_msg_id"):
                    self._sent[row["client_msg_id"]] = row["msgid"]
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._http = httpx.Client(timeout=5.0)
        self.pusher: Pusher[dict[str, Any]] = Pusher(self._push, batch=1)   # one event a request, as WeChat
        self._server: LoopbackServer | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
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

    def __enter__(self) -> WeChatSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, calls: int) -> None:
        """Answer errcode -1 (system busy) to the next `calls` sends."""
        with self._lock:
            self._fail_next = calls

    def expire_tokens(self) -> None:
        """Every access token handed out so far has expired (42001)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def flush_events(self, timeout: float = 10.0) -> bool:
        return self.pusher.flush(timeout)

    def messages(self) -> list[dict[str, Any]]:
        if not self.log_path.is_file():
            return []
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line]

    def screen(self, openid: str) -> list[str]:
        """The whole texts the user sees in WeChat (in memory only)."""
        with self._lock:
            return list(self._screens.get(openid, ()))

    # -- the API -------------------------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/cgi-bin/token":
            return self._token(request.query)
        if request.method == "POST" and request.path == "/cgi-bin/message/template/send":
            return self._send(request)
        return _answer({"errcode": 40066, "errmsg": "invalid url"})

    def _token(self, query: Mapping[str, str]) -> Response:
        with self._lock:
            self.token_requests += 1
            if query.get("grant_type") != "client_credential":
                return _answer({"errcode": 40002, "errmsg": "invalid grant_type"})
            if query.get("appid") != self.appid:
                return _answer({"errcode": 40013, "errmsg": "invalid appid"})
            if query.get("secret") != self.app_secret:
                return _answer({"errcode": 40125, "errmsg": "invalid appsecret"})
            token = secrets.token_urlsafe(48)
            self._tokens[token] = self.clock() + 7200
            return _answer({"access_token": token, "expires_in": 7200})

    def _send(self, request: Request) -> Response:
        with self._lock:
            expires = self._tokens.get(request.query.get("access_token", ""))
            if expires is None:
                return _answer({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
            if self.clock() >= expires:
                return _answer({"errcode": 42001, "errmsg": "access_token expired"})
            if self._fail_next > 0:
                self._fail_next -= 1
                return _answer({"errcode": -1, "errmsg": "system error"})
            if self.max_per_second is not None:
                second = int(self.clock())
                seen = self._window[1] + 1 if self._window[0] == second else 1
                self._window = (second, seen)
                if seen > self.max_per_second:
                    return _answer({"errcode": 45009, "errmsg": "reach max api daily quota limit"})
        try:
            body = json.loads(request.body)
            touser, template_id = str(body["touser"]), str(body["template_id"])
            data = {str(k): str(v["value"]) for k, v in dict(body.get("data") or {}).items()}
        except (ValueError, KeyError, TypeError):
            return _answer({"errcode": 47001, "errmsg": "data format error"})
        if not OPENID.fullmatch(touser):
            return _answer({"errcode": 40003, "errmsg": "invalid openid"})
        if template_id not in self.templates:
            return _answer({"errcode": 40037, "errmsg": "invalid template_id"})
        if touser in self.unfollowed:
            return _answer({"errcode": 43004, "errmsg": "require subscribe"})
        key = str(body.get("client_msg_id") or "")
        with self._lock:
            if key and key in self._sent:
                return _answer({"errcode": 0, "errmsg": "ok", "msgid": self._sent[key]})
            msgid = next(self._msgids)
            if key:
                self._sent[key] = msgid
            content = self.templates[template_id]
            shown = FIELD.sub(lambda m: masked_params(data, self.secret_params).get(m.group(1), ""), content)
            with self.log_path.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"at": int(self.clock()), "touser": touser, "template_id": template_id,
                                      "url": body.get("url"), "client_msg_id": key, "msgid": msgid,
                                      "text": shown}, ensure_ascii=False) + "\n")
            self._screens.setdefault(touser, []).append(FIELD.sub(lambda m: data.get(m.group(1), ""), content))
        if self.callback_url:
            status = (USER_BLOCK if touser in self.blocked else
                      SYSTEM_FAILED if touser in self.system_fails else SUCCESS)
            self.pusher.put([{"touser": touser, "msgid": msgid, "status": status, "at": int(self.clock())}])
        return _answer({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    def _push(self, events: Sequence[dict[str, Any]]) -> bool:
        assert self.callback_url is not None
        for event in events:
            body = event_xml(self.account, event["touser"], event["at"], event["msgid"], event["status"])
            stamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
            query = {"signature": event_signature(self.token, stamp, nonce), "timestamp": stamp, "nonce": nonce}
            try:
                answer = self._http.post(f"{self.callback_url}?{urlencode(query)}", content=body,
                                         headers={"Content-Type": "text/xml"})
            except httpx.HTTPError:
                return False
            if not answer.is_success:
                return False
        return True


def event_xml(account: str, openid: str, created: int, msgid: int, status: str) -> bytes:
    """The TEMPLATESENDJOBFINISH event as WeChat pushes it."""
    return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName>"
            f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{EVENT}]]></Event><MsgID>{msgid}</MsgID>"
            f"<Status><![CDATA[{status}]]></Status></xml>").encode()


def _answer(payload: Mapping[str, Any]) -> Response:
    return Response(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"))
