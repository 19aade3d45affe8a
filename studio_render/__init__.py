"""Studio Render: render QML and Lottie compositions to video in parallel chunks."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("studio-render")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
