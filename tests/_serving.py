"""A real `gapforge serve` server for tests: uvicorn on a real loopback port, in a thread with its
own event loop, over a real warm pool."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from gapforge.sandbox.pool import PoolSandbox
from gapforge.serve import ServeConfig, Server


@dataclass
class Running:
    url: str
    server: Server


@contextmanager
def serving(cfg: ServeConfig, pool: PoolSandbox) -> Iterator[Running]:
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that name it, and
    # with Nagle on every keep-alive request waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = Server(cfg, pool=pool)
    failure: list[BaseException] = []

    def main() -> None:
        try:
            asyncio.run(server.serve(sock))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=main, name="gapforge-serve-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert not failure, f"the server did not start: {failure[0]!r}"
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Running(url=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.stop()
        thread.join(timeout=120)
        sock.close()
        assert not thread.is_alive(), "the server did not stop"
        assert not failure, f"the server failed: {failure[0]!r}"
