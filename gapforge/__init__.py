"""gapforge: verified coding-RL data from a challenger, a weak and a strong solver, and a sandbox.

The public API, documented with runnable examples in docs/api.md. Names are imported on first
use (PEP 562), so ``import gapforge`` loads nothing but this file::

    load_config(path) -> RunConfig          demo_config(base_url) -> RunConfig
    generate(cfg, out, *, seeds, runner, on_progress, ...) -> RunSummary      (a coroutine)
    RunProgress, RunSummary, LocalRunner    the progress snapshot, the result, the local runner
    open_sandbox(backend="pool", ...), Program, Limits, ExecutionResult, Status
    reward                                  reward functions for TRL, verl, OpenRLHF
    publish(run_dir, out_dir=None, ...) -> PublishResult
    export(source, fmt, out, ...) -> ExportResult
    GapforgeError, ConfigError, SandboxError, ModelError, RunStoreError   (see gapforge.errors)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gapforge import reward
    from gapforge.api import generate
    from gapforge.config import RunConfig, demo_config, load_config
    from gapforge.dataset.export import ExportResult, export
    from gapforge.dataset.publish import PublishResult, publish
    from gapforge.errors import ConfigError, GapforgeError, ModelError, RunStoreError, SandboxError
    from gapforge.generators.run import LocalRunner, RunProgress, RunSummary
    from gapforge.sandbox import ExecutionResult, Limits, Program, Status, open_sandbox

    __version__: str

# public name -> the module that defines it
_LAZY: dict[str, str] = {
    "load_config": "gapforge.config",
    "demo_config": "gapforge.config",
    "RunConfig": "gapforge.config",
    "generate": "gapforge.api",
    "RunProgress": "gapforge.generators.run",
    "RunSummary": "gapforge.generators.run",
    "LocalRunner": "gapforge.generators.run",
    "open_sandbox": "gapforge.sandbox",
    "Program": "gapforge.sandbox",
    "Limits": "gapforge.sandbox",
    "ExecutionResult": "gapforge.sandbox",
    "Status": "gapforge.sandbox",
    "publish": "gapforge.dataset.publish",
    "PublishResult": "gapforge.dataset.publish",
    "export": "gapforge.dataset.export",
    "ExportResult": "gapforge.dataset.export",
    "GapforgeError": "gapforge.errors",
    "ConfigError": "gapforge.errors",
    "SandboxError": "gapforge.errors",
    "ModelError": "gapforge.errors",
    "RunStoreError": "gapforge.errors",
}
_SUBMODULES = ("reward",)

__all__ = [
    "ConfigError",
    "ExecutionResult",
    "ExportResult",
    "GapforgeError",
    "Limits",
    "LocalRunner",
    "ModelError",
    "Program",
    "PublishResult",
    "RunConfig",
    "RunProgress",
    "RunStoreError",
    "RunSummary",
    "SandboxError",
    "Status",
    "__version__",
    "demo_config",
    "export",
    "generate",
    "load_config",
    "open_sandbox",
    "publish",
    "reward",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gapforge")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'gapforge' has no attribute {name!r}")
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
