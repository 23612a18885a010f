"""Offline demo: an OpenAI-compatible model server with scripted roles and its problem bank.

* :mod:`gapforge.demo.server` — :class:`DemoServer`, a real HTTP server on 127.0.0.1
  (``python -m gapforge.demo.server --port 8000`` serves in the foreground).
* :mod:`gapforge.demo.script` — the scripted challenger, solvers and reviewer (pure functions;
  every knob in :class:`~gapforge.demo.script.Tuning`).
* :mod:`gapforge.demo.bank` — 40+ problem families x 3 difficulties with references, hidden
  tests, realistic bugs and flawed-draft generators; ``DEFAULT_TOPICS`` seeds the demo.
"""

from __future__ import annotations

from gapforge.demo.bank import DEFAULT_TOPICS
from gapforge.demo.script import MODEL_CHALLENGER, MODEL_REVIEWER, MODEL_STRONG, MODEL_WEAK, MODELS, Tuning
from gapforge.demo.server import DemoServer

__all__ = [
    "DEFAULT_TOPICS",
    "MODELS",
    "MODEL_CHALLENGER",
    "MODEL_REVIEWER",
    "MODEL_STRONG",
    "MODEL_WEAK",
    "DemoServer",
    "Tuning",
]
