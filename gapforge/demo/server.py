"""An offline OpenAI-compatible model server with scripted roles, for ``gapforge demo`` and tests.

A real HTTP server on 127.0.0.1 (stdlib ``ThreadingHTTPServer`` in a background thread) speaking
the chat-completions protocol, so the real ``openai`` client, retries and timeouts are exercised.
The models are scripted by the bundled problem bank (:mod:`gapforge.demo.script`)::

    from gapforge.demo.server import DemoServer

    with DemoServer(seed=0) as server:                 # or: async with DemoServer() as server
        client = openai.OpenAI(base_url=server.base_url, api_key="demo")
        client.chat.completions.create(model="demo-weak", messages=[...], seed=3)
        server.request_counts()                        # {"demo-weak": 1}

Endpoints: ``POST /v1/chat/completions``, ``GET /v1/models``, ``GET /v1/models/{id}``,
``GET /health``. Errors come back as OpenAI-style JSON bodies (``{"error": {...}}``) with the
matching status: 400 bad request, 404 unknown model or path, 429 / 500 / 503 injected faults.

Fault injection: ``faults={"demo-weak": ["429", "500", "timeout", "empty", "truncated",
"malformed", "disconnect", "503"]}`` queues faults per model; each request to that model consumes
the next one before normal answers resume. ``timeout`` waits ``timeout_delay`` seconds (set it
longer than the client timeout) and then answers normally; ``empty`` answers with empty content;
``truncated`` cuts the normal answer and reports ``finish_reason="length"``; ``malformed`` answers
with prose that holds neither JSON nor code; ``disconnect`` closes the connection without an
answer. Transport faults, as proxies and gateways in front of real endpoints produce them:
``cut_body`` answers 200 with the first half of the JSON body (a body cut off and re-framed);
``html`` answers 502 with a gateway's HTML error page, ``html_200`` answers 200 with an HTML page
(a captive portal or maintenance page); ``reset`` sends the headers and half the body, then resets
the connection; ``stall`` sends the headers, then nothing for ``timeout_delay`` seconds;
``trickle`` sends the headers, then one byte of the body every 0.2 s until ``timeout_delay`` has
passed (no single read waits long, so only a deadline on the whole request catches it), then the
rest. ``fault_rate=0.3`` adds random faults (from ``fault_mix``, drawn from a ``fault_seed``ed
generator) to 30% of the requests that have no queued fault. ``latency_s`` adds a fixed delay to
every request (benchmarks). Like a real endpoint,
``max_tokens`` / ``max_completion_tokens`` cut longer answers (about 4 characters per token) with
``finish_reason="length"``: challenger answers reach about 3,500 tokens, so give a generous budget.

Answers are a pure function of (seed, model, messages, the request's ``seed``); only the fault
plan depends on the per-model request counter.

Run in the foreground with ``python -m gapforge.demo.server --port 8000``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import random
import socket
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, cast, get_args

from gapforge.demo.script import DEFAULT_TUNING, MODELS, Message, Tuning, reply
from gapforge.errors import ConfigError

log = logging.getLogger(__name__)

FaultKind = Literal[
    "429", "500", "503", "timeout", "empty", "truncated", "malformed", "disconnect",
    "cut_body", "html", "html_200", "reset", "stall", "trickle",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
# Faults of the connection or the framing, not of the model's answer.
TRANSPORT_FAULTS: tuple[str, ...] = (
    "disconnect",
    "cut_body",
    "html",
    "html_200",
    "reset",
    "stall",
    "trickle",
)
GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
PORTAL_HTML = (
    "<!DOCTYPE html><html><head><title>Maintenance</title></head><body><p>Back soon.</p></body></html>"
)
TRICKLE_EVERY_S = 0.2
MALFORMED_TEXT = (
    "Sure! Let me think about this step by step. First I will restate the task in my own words, "
    "then consider a few approaches and their trade-offs before settling on the best one."
)
MAX_BODY_BYTES = 16 * 1024 * 1024


def _tokens(text: str) -> int:
    return (len(text) + 3) // 4


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    demo: DemoServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (it timed out, or its process is stopping) is routine for a model
        # server, not a traceback on the user's terminal.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("demo server: client %s went away: %s", client_address, exc)
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "gapforge-demo/1"

    def setup(self) -> None:
        super().setup()
        self.server.demo._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.demo._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo server: " + format, *args)

    # -- plumbing

    def _send_json(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up (its timeout fired): nothing left to tell it
            self.close_connection = True

    def _send_raw(self, status: int, content_type: str, body: bytes, *, length: int | None = None) -> bool:
        """Headers (Content-Length ``length``, default the body's) and the body; False if the client left."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            if self.close_connection:  # else a keep-alive client may send its next request into the close
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return False
        return True

    def _error(
        self, status: int, message: str, type_: str, code: str | None = None, param: str | None = None
    ) -> None:
        self._send_json(status, {"error": {"message": message, "type": type_, "param": param, "code": code}})

    # -- routes

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/health", "/v1/health"):
            self._send_json(200, {"status": "ok"})
        elif path == "/v1/models":
            self._send_json(200, {"object": "list", "data": [_model_card(m) for m in MODELS]})
        elif path.startswith("/v1/models/"):
            model = path.removeprefix("/v1/models/")
            if model in MODELS:
                self._send_json(200, _model_card(model))
            else:
                self._error(
                    404, f"The model `{model}` does not exist.", "invalid_request_error", "model_not_found"
                )
        else:
            self._error(404, f"No route for GET {path}.", "invalid_request_error", "not_found")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._drain_body()
            self._error(
                404,
                f"No route for POST {path}; use /v1/chat/completions.",
                "invalid_request_error",
                "not_found",
            )
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY_BYTES:
            self.close_connection = True
            self._error(400, "The request needs a JSON body with a Content-Length.", "invalid_request_error")
            return
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self._error(400, "The request body is not valid JSON.", "invalid_request_error")
            return
        self.server.demo._handle_chat(self, body)

    def _drain_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if 0 < length <= MAX_BODY_BYTES:
            self.rfile.read(length)


def _model_card(model: str) -> dict[str, object]:
    return {"id": model, "object": "model", "created": 0, "owned_by": "gapforge-demo"}


class DemoServer:
    """The demo model server. Use it as a (sync or async) context manager, or ``start()``/``stop()``."""

    def __init__(
        self,
        *,
        seed: int = 0,
        faults: Mapping[str, Sequence[str]] | None = None,
        timeout_delay: float = 5.0,
        latency_s: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        tuning: Tuning = DEFAULT_TUNING,
        fault_rate: float = 0.0,
        fault_mix: Sequence[str] = FAULT_KINDS,
        fault_seed: int = 0,
    ) -> None:
        if timeout_delay < 0 or latency_s < 0:
            raise ConfigError("timeout_delay and latency_s must be >= 0 seconds")
        if not 0.0 <= fault_rate <= 1.0:
            raise ConfigError(f"fault_rate must be between 0 and 1, not {fault_rate}")
        bad = [k for k in fault_mix if k not in FAULT_KINDS]
        if bad or (fault_rate and not fault_mix):
            raise ConfigError(f"unknown or no fault kind(s) {bad}; choose from: {', '.join(FAULT_KINDS)}")
        self.fault_rate = fault_rate
        self.fault_mix = tuple(fault_mix)
        self._rng = random.Random(fault_seed)
        self.seed = seed
        self.timeout_delay = timeout_delay
        self.latency_s = latency_s
        self.tuning = tuning
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._faults: dict[str, deque[str]] = {}
        self._requests: Counter[str] = Counter()
        self._faults_served: Counter[str] = Counter()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for model, kinds in (faults or {}).items():
            self.add_faults(model, kinds)

    # -- lifecycle

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.demo = self
        self._httpd = httpd
        self._stopping.clear()
        self._thread = threading.Thread(target=httpd.serve_forever, name="gapforge-demo-server", daemon=True)
        self._thread.start()
        log.info("demo model server listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving and close every connection. Idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes requests sleeping for a timeout fault or latency
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        import asyncio

        await asyncio.shield(asyncio.to_thread(self.stop))

    # -- introspection

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running; call start() or use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` to the OpenAI client, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self._host}:{self.port}/v1"

    def request_counts(self) -> dict[str, int]:
        """Chat requests received per model (faulted ones included)."""
        with self._lock:
            return dict(self._requests)

    def faults_served(self) -> dict[str, int]:
        with self._lock:
            return dict(self._faults_served)

    def pending_faults(self, model: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._faults.get(model, ()))

    def add_faults(self, model: str, kinds: Sequence[str]) -> None:
        """Queue faults for ``model``; each request to it consumes one, in order."""
        if model not in MODELS:
            raise ConfigError(
                f"cannot plan faults for unknown model {model!r}; the demo serves {', '.join(MODELS)}"
            )
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad:
            raise ConfigError(f"unknown fault kind(s) {bad}; choose from: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._faults.setdefault(model, deque()).extend(kinds)

    # -- request handling (runs in the handler's thread)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _handle_chat(self, h: _Handler, body: object) -> None:
        if not isinstance(body, dict):
            h._error(400, "The request body must be a JSON object.", "invalid_request_error")
            return
        model = body.get("model")
        if not isinstance(model, str) or not model:
            h._error(400, "Missing required parameter: 'model'.", "invalid_request_error", param="model")
            return
        if model not in MODELS:
            h._error(
                404,
                f"The model `{model}` does not exist. The demo server serves: {', '.join(MODELS)}.",
                "invalid_request_error",
                "model_not_found",
                "model",
            )
            return
        messages = _parse_messages(body.get("messages"))
        if messages is None:
            h._error(
                400,
                "'messages' must be a non-empty list of {role, content} objects.",
                "invalid_request_error",
                param="messages",
            )
            return
        if body.get("stream"):
            h._error(
                400, "Streaming is not supported by the demo server.", "invalid_request_error", param="stream"
            )
            return
        n = body.get("n") or 1
        seed = body.get("seed")
        max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
        if (
            not isinstance(n, int)
            or not 1 <= n <= 16
            or (seed is not None and not isinstance(seed, int))
            or (max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1))
        ):
            h._error(
                400,
                "'n' must be an integer in 1..16, 'seed' an integer and 'max_tokens' a positive integer.",
                "invalid_request_error",
            )
            return

        with self._lock:
            self._requests[model] += 1
            number = self._requests[model]
            queue = self._faults.get(model)
            fault = queue.popleft() if queue else None
            if fault is None and self.fault_rate and self._rng.random() < self.fault_rate:
                fault = self._rng.choice(self.fault_mix)
            if fault:
                self._faults_served[model] += 1
        if self.latency_s and self._stopping.wait(self.latency_s):
            h.close_connection = True
            return

        if fault == "429":
            h._send_json(
                429,
                {
                    "error": {
                        "message": "Rate limit reached (injected).",
                        "type": "rate_limit_error",
                        "param": None,
                        "code": "rate_limit_exceeded",
                    }
                },
                {"retry-after-ms": "10"},
            )
            return
        if fault in ("500", "503"):
            h._error(int(fault), "The server had an error (injected).", "server_error", "internal_error")
            return
        if fault == "disconnect":
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "timeout" and self._stopping.wait(self.timeout_delay):
            h.close_connection = True
            return
        if fault == "html":
            h.close_connection = True
            h._send_raw(502, "text/html", GATEWAY_HTML.encode())
            return
        if fault == "html_200":
            h.close_connection = True
            h._send_raw(200, "text/html; charset=utf-8", PORTAL_HTML.encode())
            return

        choices = []
        completion_tokens = 0
        for i in range(n):
            sample_seed = None if seed is None else seed + i
            text = reply(model, messages, server_seed=self.seed, request_seed=sample_seed, tuning=self.tuning)
            finish = "stop"
            if fault == "empty":
                text = ""
            elif fault == "truncated":
                text, finish = text[: max(1, len(text) * 2 // 5)], "length"
            elif fault == "malformed":
                text = MALFORMED_TEXT
            if max_tokens is not None and _tokens(text) > max_tokens:
                # like a real endpoint: the answer is cut at the token budget
                text, finish = text[: max_tokens * 4], "length"
            completion_tokens += _tokens(text)
            choices.append(
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            )
        prompt_tokens = sum(_tokens(m.content) for m in messages)
        digest = hashlib.sha256(
            json.dumps([model, number, self.seed], separators=(",", ":")).encode()
        ).hexdigest()
        payload = {
                "id": f"chatcmpl-demo-{digest[:24]}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "system_fingerprint": f"gapforge-demo-{self.seed}",
                "choices": choices,
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }  # fmt: skip
        if fault in ("cut_body", "reset", "stall", "trickle"):
            self._broken_body(h, fault, json.dumps(payload).encode())
        else:
            h._send_json(200, payload)

    def _broken_body(self, h: _Handler, fault: str, body: bytes) -> None:
        """A 200 whose body never arrives whole, the ways proxies and overloaded servers do it."""
        h.close_connection = True
        half = body[: len(body) // 2]
        if fault == "cut_body":  # cut, then re-framed: the client reads a complete, broken body
            h._send_raw(200, "application/json", half)
            return
        if fault == "reset":  # half the promised bytes, then a TCP reset
            if h._send_raw(200, "application/json", half, length=len(body)):
                with contextlib.suppress(OSError):
                    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    h.connection.close()
            return
        if fault == "stall":  # the headers, then silence
            if h._send_raw(200, "application/json", b"", length=len(body)):
                self._stopping.wait(self.timeout_delay)
            return
        # trickle: every read gets a byte soon enough; only a deadline on the whole request ends it
        if not h._send_raw(200, "application/json", b"", length=len(body)):
            return
        until = time.monotonic() + self.timeout_delay
        sent = 0
        try:
            while time.monotonic() < until and sent < len(body) - 1:
                if self._stopping.wait(TRICKLE_EVERY_S):
                    return
                h.wfile.write(body[sent : sent + 1])
                h.wfile.flush()
                sent += 1
            h.wfile.write(body[sent:])
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


def _parse_messages(raw: object) -> list[Message] | None:
    if not isinstance(raw, list) or not raw:
        return None
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            return None
        content = item.get("content")
        if isinstance(content, list):
            # content parts: keep the text ones
            content = "".join(
                str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
            )
        if content is None:
            content = ""
        if not isinstance(content, str):
            return None
        out.append(Message(role=cast(str, item["role"]), content=content))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gapforge.demo.server",
        description="Serve the scripted demo models over the OpenAI chat-completions protocol.",
        epilog="Example: python -m gapforge.demo.server --port 8000  "
        "(then use base_url http://127.0.0.1:8000/v1 with any api key)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8000, help="port to bind; 0 picks a free one (default: 8000)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="server seed for the scripted answers (default: 0)"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="share of requests that get a random fault (0..1)"
    )
    parser.add_argument(
        "--fault-kinds",
        default=",".join(FAULT_KINDS),
        help=f"comma-separated fault kinds to draw from (default: all: {','.join(FAULT_KINDS)})",
    )
    parser.add_argument(
        "--timeout-delay", type=float, default=5.0, help="seconds a timeout/stall/trickle fault lasts"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        server = DemoServer(
            seed=args.seed, host=args.host, port=args.port, latency_s=args.latency,
            fault_rate=args.fault_rate, fault_mix=[k for k in args.fault_kinds.split(",") if k],
            timeout_delay=args.timeout_delay,
        )  # fmt: skip
    except ConfigError as exc:
        parser.error(str(exc))
    server.start()
    print(
        f"gapforge demo model server on {server.base_url} (models: {', '.join(MODELS)}); Ctrl-C to stop",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
