"""The HTTP routes (Starlette) and the server (uvicorn).

gapforge's own API::

    POST /v1/run     {"program": Program, "limits": {"cpu_seconds", "wall_seconds"}?} -> ExecutionResult
    POST /v1/score   {"task": {kind, tests, entry_point, ...}, "completions": [str], "mode": "binary"|"fraction"}
                     -> {"scores": [float | null], "results": [...]}
    GET  /health     200 {"status": "ok", ...}; 503 while the engine is away or the service drains
    GET  /metrics    Prometheus text

SandboxFusion's (Python only)::

    POST /run_code   RunCodeRequest -> RunCodeResponse
    POST /submit     SubmitRequest (CommonOJDataset, tests in config.provided_data) -> EvalResult

Errors are JSON ``{"error": "<one line>"}``: 400 a request this server cannot honour, 401 no or
a wrong bearer token, 413 a body over ``max_body_bytes``, 422 a malformed body, 429 the queue is
full (Retry-After), 503 the sandbox cannot run programs now (Retry-After), 504 no sandbox came
free in time (SandboxFusion clients retry it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import signal
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from types import FrameType
from typing import Literal, TypeVar

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gapforge.errors import ConfigError
from gapforge.reward import RewardTask
from gapforge.sandbox import ExecutionResult, Program, Script
from gapforge.sandbox.pool import PoolSandbox
from gapforge.serve import fusion
from gapforge.serve.config import ServeConfig, bearer_token
from gapforge.serve.service import Rejected, Service

M = TypeVar("M", bound=BaseModel)


class RunLimits(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_seconds: float | None = Field(default=None, gt=0)
    wall_seconds: float | None = Field(default=None, gt=0)


class RunRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    program: Program
    limits: RunLimits = Field(default_factory=RunLimits)


class ScoreRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    task: RewardTask
    completions: list[str] = Field(min_length=1)
    mode: Literal["binary", "fraction"] = "binary"


class ScoreDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: str
    passed: int
    tests: int
    message: str


class ScoreAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    scores: list[float | None]
    results: list[ScoreDetail]


class ClientGone(Exception):
    """The client closed its connection before the answer was ready."""


def _error(status: int, message: str, retry_after: float | None = None) -> JSONResponse:
    headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Rejected(413, f"the request body is {declared} bytes; this server takes at most {limit}")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > limit:
            raise Rejected(413, f"the request body is over {limit} bytes, the most this server takes")
    return bytes(chunks)


async def _unless_gone(request: Request, work: Awaitable[M]) -> M:
    """``work``'s answer; cancelled (its execution with it) when the client disconnects first."""
    job = asyncio.ensure_future(work)

    async def gone() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    watch = asyncio.ensure_future(gone())
    try:
        await asyncio.wait({job, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (job, watch):
            if not task.done():
                task.cancel()
        await asyncio.gather(job, watch, return_exceptions=True)
    if job.cancelled():
        raise ClientGone
    return job.result()


def create_app(
    cfg: ServeConfig,
    *,
    service: Service | None = None,
    pool: PoolSandbox | None = None,
    token: str | None = None,
) -> Starlette:
    """The ASGI app over one :class:`Service` (one warm pool). Without ``service`` the app makes
    its own and enters it for its lifetime (ASGI lifespan); a given one is the caller's to enter.
    ``token``: the bearer token every request but /health must carry (None: none needed)."""
    own = service is None
    service = service or Service(cfg, pool)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if own:
            async with service:
                yield
        else:
            yield

    def authorized(request: Request) -> bool:
        if token is None:
            return True
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())

    def endpoint(
        name: str, model: type[M], handle: Callable[[M], Awaitable[BaseModel]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def route(request: Request) -> Response:
            with service.metrics.latency.labels(name).time():
                if not authorized(request):
                    service.metrics.rejected.labels("unauthorized").inc()
                    return _error(401, "missing or wrong bearer token (Authorization: Bearer <token>)")
                try:
                    raw = await _body(request, cfg.max_body_bytes)
                    parsed = model.model_validate_json(raw)
                    answer = await _unless_gone(request, handle(parsed))
                except Rejected as exc:
                    if exc.status == 413:
                        service.metrics.rejected.labels("too_large").inc()
                    return _error(exc.status, str(exc), exc.retry_after)
                except ValidationError as exc:
                    return _error(422, f"malformed request: {_first_error(exc)}")
                except ConfigError as exc:
                    return _error(400, str(exc))
                except ClientGone:
                    return Response(status_code=499)  # nobody reads it
                return JSONResponse(answer.model_dump(mode="json"))

        return route

    async def run(req: RunRequest) -> ExecutionResult:
        limits = cfg.run_limits(req.limits.cpu_seconds, req.limits.wall_seconds)
        return await service.run_program(req.program, limits)

    async def score(req: ScoreRequest) -> ScoreAnswer:
        if len(req.completions) > cfg.max_batch:
            raise ConfigError(
                f"{len(req.completions)} completions in one request; the most is {cfg.max_batch}"
            )
        scored = await service.score(req.task, req.completions, fraction=req.mode == "fraction")
        return ScoreAnswer(
            scores=[s.score for s in scored],
            results=[
                ScoreDetail(
                    status="no_code"
                    if not s.has_code
                    else ("sandbox_error" if s.result is None else s.result.status.value),
                    passed=0 if s.result is None else s.result.n_passed,
                    tests=0 if s.result is None else len(s.result.tests),
                    message="" if s.result is None else s.result.message,
                )
                for s in scored
            ],
        )

    async def run_code(req: fusion.RunCodeRequest) -> fusion.RunCodeResponse:
        script = fusion.script_of(req, cfg)
        result = await service.run_script(script, cfg.run_limits(req.run_timeout))
        return fusion.fusion_response(result)

    async def submit(req: fusion.SubmitRequest) -> fusion.EvalResult:
        cases = fusion.stdio_cases(req)
        code = fusion.submitted_code(req.completion)
        scripts = [Script(code=code, stdin=stdin, memory_mb=cfg.memory_mb) for stdin, _ in cases]
        limits = cfg.run_limits(req.config.run_timeout or 20)
        results = await service.run_scripts(scripts, limits, "submit")
        return fusion.eval_result(req, code, cases, results)

    async def health(request: Request) -> Response:
        problem = service.engine_problem()
        body = {
            "status": "ok" if problem is None else "unavailable",
            "problem": problem,
            "workers": service.pool.size,
            "running": service.running,
            "waiting": service.waiting,
        }
        return JSONResponse(body, status_code=200 if problem is None else 503)

    async def metrics(request: Request) -> Response:
        if not authorized(request):
            return _error(401, "missing or wrong bearer token (Authorization: Bearer <token>)")
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app = Starlette(
        routes=[
            Route("/v1/run", endpoint("run", RunRequest, run), methods=["POST"]),
            Route("/v1/score", endpoint("score", ScoreRequest, score), methods=["POST"]),
            Route("/run_code", endpoint("run_code", fusion.RunCodeRequest, run_code), methods=["POST"]),
            Route("/submit", endpoint("submit", fusion.SubmitRequest, submit), methods=["POST"]),
            Route("/health", health, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    app.state.service = service
    return app


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


class Server:
    """uvicorn serving :func:`create_app`: ``await Server(cfg).serve()``. The pool starts before
    the port opens (a missing image or engine is one error, not a half-started server).
    SIGINT/SIGTERM (in the main thread) or :meth:`stop` end it: the port closes, in-flight
    requests finish (up to ``drain_s``), then the pool removes its containers."""

    def __init__(
        self, cfg: ServeConfig, *, pool: PoolSandbox | None = None, log_level: str = "warning"
    ) -> None:
        self.cfg = cfg
        self.token = bearer_token(cfg)
        self.service = Service(cfg, pool)
        self.app = create_app(cfg, service=self.service, token=self.token)
        self.stopped_by: list[int] = []
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host=cfg.host,
                port=cfg.port,
                log_level=log_level,
                timeout_graceful_shutdown=max(1, int(cfg.drain_s)),
                lifespan="off",
                access_log=False,
            )
        )

    @property
    def started(self) -> bool:
        return bool(self._uvicorn.started)

    async def serve(
        self, sock: socket.socket | None = None, on_ready: Callable[[], None] | None = None
    ) -> None:
        restore = self._hold_signals()
        try:
            async with self.service:
                if on_ready is not None:
                    on_ready()
                await self._uvicorn.serve(sockets=[sock] if sock is not None else None)
        finally:
            restore()

    def stop(self) -> None:
        self._uvicorn.should_exit = True

    def _hold_signals(self) -> Callable[[], None]:
        """SIGINT/SIGTERM start the graceful stop. uvicorn re-raises the signal it caught once it
        has stopped; that lands here too, so the pool is still closed (its containers removed)
        before the process ends. :attr:`stopped_by` names the signal."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def note(sig: int, frame: FrameType | None) -> None:
            if sig not in self.stopped_by:
                self.stopped_by.append(sig)
            self._uvicorn.should_exit = True

        previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore
