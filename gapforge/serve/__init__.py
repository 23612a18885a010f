"""``gapforge serve``: the sandbox over HTTP, for trainers and evaluation harnesses on other
processes or machines. One warm pool for the host behind admission control; gapforge's own API
(``/v1/run``, ``/v1/score``) and SandboxFusion's (``/run_code``, ``/submit``) for Python, so
verl's ``sandbox_fusion`` reward works against it unchanged. See README, "Serving the sandbox
over HTTP"."""

from __future__ import annotations

from gapforge.serve.app import Server, create_app
from gapforge.serve.config import ServeConfig, bearer_token, load_serve_config
from gapforge.serve.service import Rejected, Service

__all__ = ["Rejected", "ServeConfig", "Server", "Service", "bearer_token", "create_app", "load_serve_config"]
