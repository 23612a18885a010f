"""Wiring: config -> sandbox, analyzer and editor models -> :class:`~gapforge.optimize.search.Optimizer`."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

from gapforge.config import RunConfig, validate_environment
from gapforge.dataset.records import Seed
from gapforge.errors import ConfigError
from gapforge.llm import OpenAIChatModel
from gapforge.optimize.audit import AuditEntry
from gapforge.optimize.policy import Policy
from gapforge.optimize.roles import meta_role
from gapforge.optimize.search import Optimizer, OptimizeResult, OptimizerSettings
from gapforge.sandbox import Sandbox, open_sandbox

__all__ = ["optimize"]


async def optimize(
    cfg: RunConfig,
    train: Sequence[Seed],
    validation: Sequence[Seed],
    out: str | Path,
    *,
    settings: OptimizerSettings | None = None,
    start: Policy | None = None,
    sandbox: Sandbox | None = None,
    on_entry: Callable[[AuditEntry], None] | None = None,
) -> OptimizeResult:
    """Run (or resume) an optimization into ``out``. Configuration problems raise before any work.

    ``sandbox``: an entered sandbox to use (it stays open); by default one is opened from the config.
    """
    validate_environment(cfg)
    roles = {name: meta_role(cfg, name) for name in ("analyzer", "editor")}
    env_missing = [
        f"roles.{n}.api_key_env: {rc.api_key_env} is not set"
        for n, rc in roles.items()
        if rc.api_key_env is not None and rc.api_key() is None
    ]
    if env_missing:
        raise ConfigError("missing API keys: " + "; ".join(env_missing))
    async with contextlib.AsyncExitStack() as stack:
        if sandbox is None:
            sandbox = await stack.enter_async_context(
                open_sandbox(
                    cfg.sandbox.backend,
                    limits=cfg.sandbox.limits,
                    max_concurrency=cfg.sandbox.max_concurrency,
                    run_id="opt-" + secrets.token_hex(4),
                )
            )
        analyzer = await stack.enter_async_context(OpenAIChatModel("analyzer", roles["analyzer"]))
        editor = await stack.enter_async_context(OpenAIChatModel("editor", roles["editor"]))
        opt = Optimizer(
            cfg, train, validation, out, settings=settings, start=start, sandbox=sandbox,
            analyzer=analyzer, editor=editor, on_entry=on_entry,
        )  # fmt: skip
        return await opt.run()
