"""One rooted exception tree. Every message says what happened and what to do.

::

    GapforgeError
    ├── ConfigError              invalid or inconsistent configuration, bad CLI input
    ├── SandboxError             the sandbox itself could not run (never a program verdict)
    │   ├── DockerUnavailable    no Docker engine reachable
    │   ├── ImageNotFound        the sandbox image is not built
    │   ├── ImageBuildError      building the sandbox image failed
    │   └── RewardsUnmeasured    a rewarder could not measure N completions in a row
    ├── ModelError               an LLM endpoint failed after retries (infrastructure, not a score)
    │   └── MalformedOutput      a completion could not be parsed after retries
    ├── RunStoreError            a run directory is corrupt, locked or from another config
    ├── SeedAborted              an infrastructure failure ended one seed; a resume redoes it
    └── Rejected                 (gapforge.serve) the HTTP service turns a request away: 429/503/504

Program failures (wrong answer, crash, timeout, memory) are *values* (ExecutionResult.status),
never exceptions.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DockerUnavailable",
    "GapforgeError",
    "ImageBuildError",
    "ImageNotFound",
    "MalformedOutput",
    "ModelError",
    "RewardsUnmeasured",
    "RunStoreError",
    "SandboxError",
    "SeedAborted",
]


class GapforgeError(Exception):
    """Root of every error gapforge raises on purpose."""


class ConfigError(GapforgeError):
    """The configuration or the command-line input is invalid."""


class SandboxError(GapforgeError):
    """The sandbox itself could not run a program (infrastructure; never scored)."""


class DockerUnavailable(SandboxError):
    """No Docker engine answered."""


class ImageNotFound(SandboxError):
    """The sandbox image has not been built on this Docker engine."""


class ImageBuildError(SandboxError):
    """Building the sandbox image failed."""


class RewardsUnmeasured(SandboxError):
    """A rewarder could not measure many completions in a row: stop the training run."""


class ModelError(GapforgeError):
    """An LLM endpoint failed after all retries.

    ``unstored_usage`` holds what the failed call's discarded answers cost (a
    :class:`~gapforge.models.TokenUsage` or None), so no billed token goes uncounted.
    """

    unstored_usage: object = None


class MalformedOutput(ModelError):
    """A model's completion could not be parsed into what the role must return."""

    def __init__(self, message: str, *, raw: str = "") -> None:
        super().__init__(message)
        self.raw = raw  # the model's text, kept for the run store


class RunStoreError(GapforgeError):
    """A run directory is corrupt, locked, or belongs to another configuration."""


class SeedAborted(GapforgeError):
    """An infrastructure failure ended a seed; it stays unfinished and is redone on resume.

    The loop records it against the seed and carries on with the others; it reaches a caller
    only as the seed's error line in the run summary.
    """
