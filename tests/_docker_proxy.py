"""A stand-in for losing the Docker engine: a unix-socket proxy in front of the real one.

Why a stand-in: stopping the real dockerd would take down every other Docker user of the machine
(other test sessions, other runs) and, in CI, the engine the rest of the suite needs. The process
under test talks to the engine only through ``DOCKER_HOST=unix://<proxy socket>``, and the proxy
reproduces what that process sees when a real engine dies and comes back:

- ``cut()``: every open connection is dropped at once (the API calls in flight and the attach
  streams of the warm containers end, as when dockerd exits), the listening socket is closed
  while its file stays (new connections get ``ECONNREFUSED``, exactly what a client gets from the
  socket file of a dead dockerd), and the containers of the process under test are killed
  through the real socket (a dying engine takes its containers with it; they stay behind,
  exited, until someone removes them).
- ``restore()``: the proxy listens again on the same path, as a restarted dockerd does; the
  killed containers are still there, dead, for the process under test to clean up.

What it does not reproduce: a restarted engine forgetting state it had not persisted. Nothing in
gapforge relies on that state surviving, since containers of a lost engine are written off.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path

import docker

UPSTREAM = "/var/run/docker.sock"


def upstream_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else UPSTREAM


class DockerSocketProxy:
    """``with DockerSocketProxy(path) as proxy:``; give ``proxy.docker_host`` to the process under test."""

    def __init__(self, path: Path, upstream: str | None = None) -> None:
        self.path = path
        self.upstream = upstream or upstream_socket()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.cuts = 0

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> DockerSocketProxy:
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop_listening()
        self._drop_all()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def restore(self) -> None:
        """Listen again on the same path (the engine came back)."""
        if self._listener is not None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen(64)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._thread.start()

    def cut(self, kill_label: str | None = None) -> list[str]:
        """The engine dies: refuse new connections, drop open ones, kill the labelled containers
        (through the real socket). Returns the ids of the containers killed."""
        self.cuts += 1
        self._stop_listening()
        self._drop_all()
        killed: list[str] = []
        if kill_label is not None:
            real = docker.DockerClient(base_url=f"unix://{self.upstream}", timeout=30)
            try:
                for c in real.containers.list(filters={"label": kill_label}):
                    with contextlib.suppress(docker.errors.APIError):
                        real.api.kill(c.id)
                        killed.append(str(c.id))
            finally:
                real.close()
        return killed

    # ------------------------------------------------------------------ plumbing

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the accept() blocked in the thread; the socket file stays: ECONNREFUSED
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _drop_all(self) -> None:
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by cut() or __exit__
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                upstream.connect(self.upstream)
            except OSError:
                client.close()
                upstream.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self._conns |= {client, upstream}
            ended = [0]  # directions finished, under self._lock
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b, ended), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, ended: list[int]) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        # half-close towards dst: the other direction may still be talking (HTTP hijacked streams)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)
        with self._lock:
            ended[0] += 1
            last = ended[0] == 2
            if last:
                self._conns -= {src, dst}
        if last:  # the other direction had ended too: this pump closes both
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.close()
