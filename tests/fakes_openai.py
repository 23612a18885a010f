"""A real OpenAI-compatible HTTP server on loopback that answers from a script.

Each POST to ``/v1/chat/completions`` takes the next :class:`Reply` from the script (or the
default reply when the script is empty), so a test can say "429, then 500, then a good answer"
and drive it with the real ``openai`` client. The server records every request body and the
peak number of requests in flight.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class Reply:
    status: int = 200
    content: str | None = "ok"
    finish_reason: str = "stop"
    delay_s: float = 0.0
    prompt_tokens: int = 10
    completion_tokens: int = 5
    headers: tuple[tuple[str, str], ...] = ()
    error_message: str = "scripted error"
    raw_body: bytes | None = None  # sent verbatim instead of a JSON answer


def ok(content: str = "ok", **kw: Any) -> Reply:
    return Reply(content=content, **kw)


def error(status: int, message: str = "scripted error", **kw: Any) -> Reply:
    return Reply(status=status, error_message=message, **kw)


def empty(**kw: Any) -> Reply:
    return Reply(content="", **kw)


def truncated(content: str = "def f(x):\n    return", **kw: Any) -> Reply:
    return Reply(content=content, finish_reason="length", **kw)


def slow(delay_s: float, content: str = "ok", **kw: Any) -> Reply:
    return Reply(content=content, delay_s=delay_s, **kw)


@dataclass
class _State:
    script: deque[Reply] = field(default_factory=deque)
    default: Reply = field(default_factory=Reply)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        body = json.loads(raw)
        with state.lock:
            state.bodies.append(body)
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            reply = state.script.popleft() if state.script else state.default
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if reply.delay_s:
                state.stopping.wait(reply.delay_s)
            self._answer(reply, body)
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
        extra = dict(reply.headers)
        if reply.raw_body is not None:
            self._send_bytes(reply.status, reply.raw_body, "text/html", extra)
            return
        if reply.status != 200:
            payload: dict[str, Any] = {
                "error": {"message": reply.error_message, "type": "scripted", "code": reply.status}
            }
            self._send(reply.status, payload, extra)
            return
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            },
        }
        self._send(200, payload, extra)

    def _send(self, status: int, payload: object, extra: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", extra or {})

    def _send_bytes(self, status: int, data: bytes, content_type: str, extra: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class FakeOpenAI:
    """``with FakeOpenAI() as srv: ... srv.base_url ...``; script replies with :meth:`then`."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def state(self) -> _State:
        return self._server.state

    def then(self, *replies: Reply) -> Self:
        with self.state.lock:
            self.state.script.extend(replies)
        return self

    def script(self, replies: Iterable[Reply]) -> Self:
        return self.then(*replies)

    def set_default(self, reply: Reply) -> None:
        with self.state.lock:
            self.state.default = reply

    @property
    def requests(self) -> int:
        with self.state.lock:
            return len(self.state.bodies)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.bodies)

    @property
    def max_in_flight(self) -> int:
        with self.state.lock:
            return self.state.max_in_flight

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
