"""The service's settings: the ``[serve]`` table of a TOML file, then command-line flags on top.

Every per-request limit a client may ask for is capped here; the warm pool's containers are
sized from these settings once, at start-up.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gapforge.errors import ConfigError
from gapforge.sandbox import Limits

TOKEN_ENV = "GAPFORGE_SERVE_TOKEN"  # noqa: S105 - the variable's name, not a token


class ServeConfig(BaseModel):
    """``gapforge serve`` settings (the ``[serve]`` table; flags override it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8080, ge=0, le=65535)
    backend: Literal["pool"] = "pool"
    workers: int | None = Field(default=None, ge=1, le=1024)  # warm containers; default one per core
    max_queue: int = Field(default=64, ge=0, le=100_000)  # requests waiting beyond the running ones
    # waited longer: 504. Under verl's request timeout (compile + run timeout + 10 s = 30 s by
    # default), so verl sees a 504, which it retries, and not its own timeout
    queue_timeout_s: float = Field(default=20.0, gt=0, le=86_400)
    max_body_bytes: int = Field(default=4_000_000, ge=1024, le=1 << 30)  # larger: 413
    max_batch: int = Field(default=64, ge=1, le=10_000)  # completions per /v1/score request
    default_cpu_s: float = Field(default=10.0, gt=0, le=3600)  # when a request names no time limit
    max_cpu_s: float = Field(default=30.0, gt=0, le=3600)  # cap on run_timeout / cpu_seconds
    memory_mb: int = Field(default=1024, ge=64, le=65536)  # container memory = memory_limit_MB cap
    max_output_bytes: int = Field(default=1_000_000, ge=1024, le=1_000_000_000)  # stdout + stderr
    engine_wait_s: float = Field(default=600.0, ge=0, le=7 * 86_400)  # then 503 until restarted
    drain_s: float = Field(default=60.0, ge=0, le=86_400)  # shutdown waits this long for in-flight work
    token_env: str = Field(default=TOKEN_ENV, min_length=1)

    def pool_limits(self) -> Limits:
        """The warm containers' limits; a request changes only its CPU and wall time."""
        return Limits(memory_mb=self.memory_mb, output_bytes=self.max_output_bytes).with_cpu(
            min(self.default_cpu_s, self.max_cpu_s)
        )

    def run_limits(self, cpu_s: float | None, wall_s: float | None = None) -> Limits:
        """A request's limits: its CPU time capped at ``max_cpu_s``, a wall backstop of twice that
        plus a second (or the request's wall time, within the same cap)."""
        cpu = min(cpu_s if cpu_s is not None and cpu_s > 0 else self.default_cpu_s, self.max_cpu_s)
        backstop = 2 * cpu + 1
        wall = backstop if wall_s is None or wall_s <= 0 else min(wall_s, 2 * self.max_cpu_s + 1)
        return self.pool_limits().model_copy(update={"cpu_seconds": cpu, "wall_seconds": max(wall, cpu)})


def is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bearer_token(cfg: ServeConfig, environ: Mapping[str, str] | None = None) -> str | None:
    """The token every request must carry, or None (loopback bind without one). A bind beyond
    this machine without a token is refused: anyone who can reach it could run code."""
    env = os.environ if environ is None else environ
    token = env.get(cfg.token_env, "").strip() or None
    if token is None and not is_local(cfg.host):
        raise ConfigError(
            f"refusing to serve on {cfg.host}: a bind beyond this machine needs a bearer token; "
            f"set {cfg.token_env} (clients send 'Authorization: Bearer <token>') or bind to 127.0.0.1"
        )
    return token


def load_serve_config(path: Path | None = None, **overrides: Any) -> ServeConfig:
    """The ``[serve]`` table of ``path`` (if given), then every override that is not None."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        table = raw.get("serve", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [serve] must be a table")
        data.update(table)
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ServeConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "serve"
        raise ConfigError(f"serve.{where}: {first['msg']}") from None
