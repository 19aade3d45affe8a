"""Waiting until a frame of a QML scene is complete: nothing loading, every Canvas painted.

After ``frame`` is set, images (``Image``, ``AnimatedImage``, ``BorderImage``), ``Loader``
and ``FontLoader`` may still be loading, asynchronously or from the network, and a
``Canvas`` paints when its item is polished. :meth:`Settler.settle` runs the event loop
(with the GIL released, so Qt's loader threads run) and polishes until nothing is left
loading, or fails after a time limit naming the item and the frame; what failed to load
by then is told (``on_not_loaded``), each once.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QObject, QTimer

from studio_render.compositions.qml_scan import (
    all_objects,
    describe,
    load_states,
    may_load,
    not_loaded,
    remote_sources,
)
from studio_render.core.composition import network_refused
from studio_render.core.errors import StudioRenderError

#: Seconds a frame may take to settle; override with this environment variable.
SETTLE_LIMIT_ENV = "STUDIO_RENDER_SETTLE_LIMIT_S"
DEFAULT_SETTLE_LIMIT_S = 30.0
_POLL_MS = 5


class FrameNotSettled(StudioRenderError):
    """Something in the scene was still loading when the time limit ran out."""


class NetworkRefused(StudioRenderError):
    """The scene asked for a network URL where the network is not allowed."""


def _run_events(wait_ms: int) -> None:
    """Run the event loop for ``wait_ms`` (0: what is pending now), GIL released."""
    loop = QEventLoop()
    QTimer.singleShot(wait_ms, loop.quit)
    loop.exec()


class Settler:
    """Settles the frames of one scene; ``polish`` polishes its items (Canvas paints)."""

    def __init__(
        self,
        root: QObject,
        polish: Callable[[], None],
        refused: list[str] | None = None,
        on_not_loaded: Callable[[int, str], None] = lambda frame, problem: None,
    ) -> None:
        self.root = root
        self.polish = polish
        #: Told ``(frame, problem)`` for an image, Loader or FontLoader that failed to
        #: load by then (see :func:`~studio_render.compositions.qml_scan.not_loaded`).
        self.on_not_loaded = on_not_loaded
        self._told: set[str] = set()
        #: With the network forbidden: the URLs refused so far (filled by the engine's
        #: access manager); any remote source or refused request then fails the frame.
        self.refused = refused
        self.limit_s = float(os.environ.get(SETTLE_LIMIT_ENV) or DEFAULT_SETTLE_LIMIT_S)
        self.dynamic = True  # until the scene is known to load nothing

    def settle(self, frame: int) -> None:
        """Return when frame ``frame`` is complete; :class:`FrameNotSettled` after the limit."""
        if not self.dynamic:
            self.polish()
            self._check_network(frame, [])
            return
        deadline = time.monotonic() + self.limit_s
        _run_events(0)
        self.polish()
        objects = self._scan()
        self._check_network(frame, objects)
        busy, failed = load_states(objects)
        while busy:
            if time.monotonic() > deadline:
                names = ", ".join(describe(o) for o in busy[:3])
                raise FrameNotSettled(
                    f"frame {frame}: {names} still loading after {self.limit_s:g} s"
                )
            _run_events(_POLL_MS)
            self.polish()
            objects = self._scan()
            self._check_network(frame, objects)
            busy, failed = load_states(objects)
        _run_events(0)  # what finished loading may have asked for a repaint
        self.polish()
        self._check_network(frame, self._scan())
        for problem in not_loaded(failed):
            if problem not in self._told:
                self._told.add(problem)
                self.on_not_loaded(frame, problem)

    def _check_network(self, frame: int, objects: list[QObject]) -> None:
        """:class:`NetworkRefused` naming the first URL the scene asked for, if the
        network is forbidden and it asked for one."""
        if self.refused is None:
            return
        urls = [*remote_sources(objects), *self.refused]
        if urls:
            raise NetworkRefused(f"frame {frame}: {network_refused(urls[0])}")

    def _scan(self) -> list[QObject]:
        """The scene's objects now (never kept: Loaders replace theirs)."""
        objects = all_objects(self.root)
        self.dynamic = may_load(objects)
        return objects
