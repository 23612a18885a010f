"""The CLI's live progress display: rich renders the :class:`RunProgress` snapshots a runner sends.

The library only calls a plain callback (``on_progress``); everything that draws lives here, on
the CLI's side of the line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console, Group
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from gapforge.generators.run import RunProgress

__all__ = ["ProgressDisplay"]


class ProgressDisplay:
    """Seeds bar with rate and ETA, plus a line of live counters (and the cluster's, on Ray).

    Use it as the run's ``on_progress`` inside :meth:`shown`; a snapshot's ``message`` is printed
    above the display once, also when the display is off.
    """

    def __init__(self, console: Console, *, enabled: bool = True) -> None:
        self.console = console
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]seeds"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("seeds", total=None, rate="")
        self.last: RunProgress | None = None

    def __call__(self, event: RunProgress) -> None:
        if event.message:
            self.console.print(event.message, markup=False, highlight=False)
        self.last = event
        rate = f"{event.accepted / max(event.elapsed_s, 1e-6) * 60:.1f} accepted/min"
        self.progress.update(self.task, total=event.seeds_total, completed=event.seeds_done, rate=rate)

    def _counters(self) -> Text:
        e = self.last
        if e is None:
            return Text("")
        mix = " ".join(f"{k}:{v}" for k, v in e.verdicts)
        cluster = (
            f"nodes {e.nodes}  in flight {e.in_flight or 0}  retried {e.retried}  "
            if e.nodes is not None
            else ""
        )
        line = Text(
            f"{cluster}accepted {e.accepted}  rounds {e.rounds}  executions {e.executions}  "
            f"tokens {e.tokens:,}  [{mix}]",
            style="cyan",
        )
        if e.waiting:
            line.append("\n" + e.waiting, style="bold yellow")
        return line

    @contextlib.contextmanager
    def shown(self) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        with Live(
            get_renderable=lambda: Group(self.progress, self._counters()),
            console=self.console,
            refresh_per_second=4,
        ):
            yield
