"""Where the bundled resources (demo compositions, icons) live. Qt-free.

From a source tree they are the top-level ``resources/`` folder next to the
``studio_render`` package; in the frozen app (PyInstaller) they are
``sys._MEIPASS/resources``, where ``packaging/studio-render.spec`` puts them.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["demo_dir", "icons_dir", "resources_dir"]


def resources_dir() -> Path:
    """The folder holding ``demo/`` and ``icons/``."""
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).resolve().parent)) / "resources"
    package = Path(__file__).resolve().parent
    inside = package / "resources"  # an installed wheel, if it ever ships them as package data
    if inside.is_dir():
        return inside
    return package.parent / "resources"


def demo_dir() -> Path:
    """The demo compositions (``demo.qml``, ``demo-small.qml``, ``demo-lottie.json``, ...)."""
    return resources_dir() / "demo"


def icons_dir() -> Path:
    """The application icons (``studio-render.svg``, ``.ico``, ``hicolor/NxN/apps/*.png``)."""
    return resources_dir() / "icons"
