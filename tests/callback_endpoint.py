"""A callback endpoint on a free loopback port that keeps what was posted to it (a channel gateway's receipts)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from wengang.adapters.channels.simulators.http import LoopbackServer, Request, Response


@dataclass
class Callback:
    """An endpoint that answers 200 (or 503 while `down`), keeping each request and what `check` made of it."""

    check: Callable[[Request], object] | None = None
    down: bool = False
    requests: list[Request] = field(default_factory=list)
    taken: list[object] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def __call__(self, request: Request) -> Response:
        with self.lock:
            if self.down:
                return Response(503, b'{"code": 1, "msg": "down"}')
            self.requests.append(request)
            try:
                got = self.check(request) if self.check else request.body
            except ValueError:
                self.refused += 1
                return Response(403, b'{"code": 1, "msg": "refused"}')
            self.taken.append(got)
            return Response(200, '{"code": 0, "msg": "成功"}'.encode())


@pytest.fixture
def callback() -> Iterator[Callback]:
    endpoint = Callback()
    server = LoopbackServer(endpoint).start()
    endpoint.url = server.url + "/callback"
    yield endpoint
    server.stop()
