"""Lottie frames for a worker: ThorVG draws each frame straight into the buffer that is
piped to ffmpeg. Qt-free, so a Lottie worker never imports Qt."""

from __future__ import annotations

from pathlib import Path

from studio_render.compositions.lottie import LottieCanvas, LottieFile, file_stamp
from studio_render.core.composition import CompositionInfo
from studio_render.worker.watchdog import Watchdog


class LottieSource:
    """Output frame ``k`` shows the animation at composition frame ``k * time_scale``
    (fractions drawn as such). ``unpack_dir``: where archives and stickers are unpacked."""

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        alpha: bool,
        background: str,
        time_scale: float = 1.0,
        unpack_dir: Path | None = None,
        watchdog: Watchdog | None = None,
    ) -> None:
        self.file = LottieFile(path, unpack_dir)
        try:
            self.canvas = LottieCanvas(self.file, size, alpha, background)
        except BaseException:
            self.file.close()
            raise
        self.time_scale = time_scale
        self.watchdog = watchdog

    def retarget(
        self, path: Path, size: tuple[int, int], alpha: bool, background: str,
        time_scale: float,
    ) -> bool:  # fmt: skip
        """Draw the frames of ``path`` at ``size``, ``alpha``, ``background`` and
        ``time_scale`` from now on, without loading it again: where this source holds that
        file, unchanged since it was loaded, and its canvas can take a new size (True)."""
        file = self.file
        if path.resolve() != file.path.resolve() or file_stamp(path) != file.stamp:
            return False
        if not self.canvas.can_retarget:
            return False
        self.canvas.retarget(size, alpha, background)
        self.time_scale = time_scale
        return True

    def info(self) -> CompositionInfo:
        return self.file.info()

    def frame(self, index: int) -> memoryview:
        at = index * self.time_scale
        if self.watchdog is None:
            return self.canvas.render(at)
        self.watchdog.arm(f"{self.file.path.name}: frame {at:g}")
        try:
            return self.canvas.render(at)
        finally:
            self.watchdog.disarm()

    def close(self) -> None:
        self.canvas.close()
        self.file.close()
