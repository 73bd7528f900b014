"""The plumbing the HTTP simulators share: a threaded loopback server with keep-alive, and a pusher that posts
callbacks (receipts, WeChat events) in the background and keeps them until the other side takes them."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]            # names in lower case
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"


App = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """A client that went away (killed mid-request) is no error of the server's: nothing to print."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LoopbackServer:
    """Serves `app` on host:port (port 0: a free one) from a thread, HTTP/1.1 with keep-alive."""

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 0):
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True        # headers and body leave at once, not 40 ms apart

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                request = Request(self.command, split.path, dict(parse_qsl(split.query)),
                                  {k.lower(): v for k, v in self.headers.items()}, body)
                try:
                    answer = app(request)
                except Exception as err:   # a simulator bug answers 500, as a real server would
                    answer = Response(500, f'{{"error": "{type(err).__name__}"}}'.encode())
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.content_type)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):   # the client gave up waiting
                    self.close_connection = True

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: object) -> None:   # no access log (numbers in URLs)
                pass

        self._server = _Server((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"simulator:{self.url}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dataclass
class Pusher(Generic[T]):
    """Posts queued items with `post(items) -> taken?` from a thread, up to `batch` at a time; what the other side
    does not take (down, 5xx, refused) stays at the head of the queue and is tried again after a growing pause."""

    post: Callable[[Sequence[T]], bool]
    batch: int = 1000
    interval: float = 0.02
    max_pause: float = 2.0
    attempts: int = 0
    failures: int = 0
    _queue: deque[T] = field(default_factory=deque)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _busy: bool = False
    _held: bool = False
    _stopped: bool = False
    _thread: threading.Thread | None = None

    def start(self) -> Pusher[T]:
        self._thread = threading.Thread(target=self._run, name="simulator-pusher", daemon=True)
        self._thread.start()
        return self

    def put(self, items: Sequence[T]) -> None:
        with self._cond:
            self._queue.extend(items)
            self._cond.notify_all()

    def hold(self) -> None:
        """Keep what is queued from now on (a provider whose reports come late); `release` posts it all."""
        with self._cond:
            self._held = True

    def release(self) -> None:
        with self._cond:
            self._held = False
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + (1 if self._busy else 0)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued has been taken; False if it has not been within `timeout`."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = self.interval
        while True:
            with self._cond:
                while (self._held or not self._queue) and not self._stopped:
                    self._cond.wait(0.5)
                if self._stopped:
                    return
                items = [self._queue.popleft() for _ in range(min(self.batch, len(self._queue)))]
                self._busy = True
            try:
                taken = self.post(items)
            except Exception:
                taken = False
            with self._cond:
                self.attempts += 1
                self._busy = False
                if not taken:
                    self.failures += 1
                    self._queue.extendleft(reversed(items))
                self._cond.notify_all()
            if taken:
                pause = self.interval
                if len(items) < self.batch:      # let a few more gather: fewer, fuller posts
                    time.sleep(self.interval)
            else:
                time.sleep(pause)
                pause = min(pause * 2, self.max_pause)
