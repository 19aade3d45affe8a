"""Studio Render: render QML and Lottie compositions to video in parallel chunks."""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # Read lazily: importlib.metadata costs ~30 ms, paid by every worker process otherwise.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("studio-render")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.1.0"
    raise AttributeError(f"module 'studio_render' has no attribute {name!r}")
