"""gapforge: verified coding-RL data from a challenger, a weak and a strong solver, and a sandbox."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gapforge")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
