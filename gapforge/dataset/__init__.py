"""Training data: the crash-safe run store and everything built from it.

* :mod:`~gapforge.dataset.records`, :mod:`~gapforge.dataset.store`: what the loop writes, crash-safe.
* :mod:`~gapforge.dataset.schemas`, :mod:`~gapforge.dataset.tables`: explicit Arrow schemas and the
  record <-> row conversions, trajectories and preference pairs.
* :mod:`~gapforge.dataset.publish` (+ :mod:`~gapforge.dataset.card`): Hugging Face layout and card.
* :mod:`~gapforge.dataset.quality`: near-duplicate and contamination flags.
* :mod:`~gapforge.dataset.export`: verl, TRL, OpenRLHF, open-r1, SFT and DPO files.
* :mod:`~gapforge.dataset.verify`: re-execute a run and report drift.
* :mod:`~gapforge.dataset.report`: the offline HTML report.

The names below are imported on first use (PEP 562), so the generation loop's use of the store
stays light; ``publish`` and ``export`` are functions of their modules (and of ``gapforge``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gapforge.dataset.export import ExportResult
    from gapforge.dataset.publish import PublishResult
    from gapforge.dataset.store import RecordSink, RunStore, finished_view, read_table

_LAZY: dict[str, str] = {
    "ExportResult": "gapforge.dataset.export",
    "PublishResult": "gapforge.dataset.publish",
    "RecordSink": "gapforge.dataset.store",
    "RunStore": "gapforge.dataset.store",
    "finished_view": "gapforge.dataset.store",
    "read_table": "gapforge.dataset.store",
}

__all__ = ["ExportResult", "PublishResult", "RecordSink", "RunStore", "finished_view", "read_table"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'gapforge.dataset' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
