"""Reading a composition's facts off the GUI thread (the probe starts a worker process)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject

from studio_render.compositions.probe import probe_composition
from studio_render.core.composition import CompositionInfo
from studio_render.core.errors import StudioRenderError, one_line
from studio_render.core.ffmpeg import find_ffmpeg
from studio_render.core.worker_pool import WorkerPool
from studio_render.gui.background import BackgroundCalls


def _probe(
    path: Path, find_encoder: bool, workers: WorkerPool | None, boot: int, renderer: str
) -> CompositionInfo:
    if workers is not None and boot:
        workers.prestart(boot)  # starting processes takes the GUI thread 0.1-0.2 s
    if find_encoder:
        find_ffmpeg()  # the first look can take 0.1 s; later ones are cached
    return probe_composition(path, workers=workers, renderer=renderer)


class CompositionLoader(BackgroundCalls):
    """Probes compositions in ``QThreadPool.globalInstance()``.

    ``done(token, CompositionInfo)`` or ``failed(token, message)`` answers each
    :meth:`load`; the token lets a caller ignore answers to questions it no longer asks.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent, describe=self._describe_failure)

    def load(
        self,
        path: Path,
        find_encoder: bool = False,
        workers: WorkerPool | None = None,
        boot: int = 0,
        renderer: str = "auto",
    ) -> int:
        """Probe ``path``; with ``find_encoder``, also look for ffmpeg (a render follows).
        ``workers``, ``renderer``: a render's workers, one of which probes (see
        ``probe_composition``); ``boot`` of them are started first, off the GUI thread."""
        return self.submit(partial(_probe, Path(path), find_encoder, workers, boot, renderer))

    @staticmethod
    def _describe_failure(exc: BaseException) -> str:
        if isinstance(exc, StudioRenderError):
            return one_line(exc)  # already names the file and the problem
        return f"cannot load the composition ({one_line(exc)})"
