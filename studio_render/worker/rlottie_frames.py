"""Lottie frames drawn by rlottie (``--renderer rlottie``), for a worker. Qt-free.

rlottie draws premultiplied B, G, R, A at the size it is given; each frame is drawn at the
picture's fitted size and turned here (numpy) into the worker's frame format: straight
alpha, or composited on the background, centred in the output frame. rlottie has whole
frames only (no ``--fps``), and keeps state from the frame it drew last (a frame drawn
after a jump can differ from the same frame drawn in sequence): a worker opens a fresh
:class:`RlottieSource` for every chunk.
"""

from __future__ import annotations

import ctypes
import shutil
from pathlib import Path

import numpy as np
from rlottie_python.rlottie_wrapper import LottieAnimation

from studio_render.compositions.lottie import unpack_lottie
from studio_render.core.composition import CompositionInfo, fit_rect
from studio_render.core.errors import BadInput
from studio_render.worker.watchdog import Watchdog


class RlottieSource:
    """Output frame ``k`` is animation frame ``k`` (from the in point) of ``path`` in a
    frame of ``size`` (aspect kept, centred); straight alpha when ``alpha``, else opaque on
    ``background`` ("#rrggbb"). ``unpack_dir``: where archives and stickers are unpacked."""

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        alpha: bool,
        background: str,
        unpack_dir: Path | None = None,
        watchdog: Watchdog | None = None,
    ) -> None:
        self.path = path
        self.watchdog = watchdog
        json_path, self._tmp = unpack_lottie(path, unpack_dir)
        try:
            self.animation = LottieAnimation.from_file(str(json_path.resolve()))
            width, height = self.animation.lottie_animation_get_size()
            self.fps = round(float(self.animation.lottie_animation_get_framerate()), 3)
            # rlottie counts the out point as a frame; Lottie's out point is exclusive
            duration = float(self.animation.lottie_animation_get_duration())
            self.frame_count = round(duration * self.fps)
            if width <= 0 or height <= 0 or self.fps <= 0:
                raise BadInput(f"{path.name}: not a Lottie animation rlottie can read")
            if self.frame_count <= 0:
                raise BadInput(f"{path.name}: the animation has no frames")
        except BaseException:
            self.close()
            raise
        self.width, self.height = width, height
        x, y, w, h = fit_rect((width, height), size)
        self._drawn = np.zeros((h, w, 4), np.uint8)  # rlottie draws here
        self._frame = np.zeros((size[1], size[0], 4), np.uint8)
        self._picture = self._frame[y : y + h, x : x + w]
        self.alpha = alpha
        background_bgr = np.frombuffer(bytes.fromhex(background[1:])[::-1], np.uint8)
        if not alpha:
            self._frame[..., :3] = background_bgr
            self._frame[..., 3] = 255
        # lookup tables, by alpha: the background's share; by alpha and premultiplied value:
        # the straight value (rounded)
        a = np.arange(256, dtype=np.uint32)[:, None]
        self._under = ((background_bgr * (255 - a) + 127) // 255).astype(np.uint8)
        straight = (np.arange(256, dtype=np.uint32) * 255 + a // 2) // np.maximum(a, 1)
        self._straight = np.minimum(straight, 255).astype(np.uint8).reshape(-1)
        self.buffer = memoryview(self._frame.data).cast("B")

    def info(self) -> CompositionInfo:
        return CompositionInfo(
            path=str(self.path.resolve()),
            kind="lottie",
            width=self.width,
            height=self.height,
            fps=self.fps,
            frame_count=self.frame_count,
        )

    def frame(self, index: int) -> memoryview:
        """Frame ``index``; the view is this source's buffer, overwritten by the next call."""
        if self.watchdog is not None:
            self.watchdog.arm(f"{self.path.name}: frame {index}")
        try:
            self._draw(index)
        finally:
            if self.watchdog is not None:
                self.watchdog.disarm()
        premultiplied, alpha = self._drawn[..., :3], self._drawn[..., 3]
        if self.alpha:
            lookup = (alpha.astype(np.uint16) << 8)[..., None] | premultiplied
            np.take(self._straight, lookup, out=self._picture[..., :3])
            self._picture[..., 3] = alpha
        else:  # premultiplied + background * (1 - alpha): at most 255
            np.add(premultiplied, self._under[alpha], out=self._picture[..., :3])
        return self.buffer

    def _draw(self, index: int) -> None:
        """rlottie's premultiplied frame ``index`` into ``self._drawn`` (it clears it)."""
        h, w = self._drawn.shape[:2]
        render = self.animation.rlottie_lib.lottie_animation_render
        render.restype = None
        render.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                           ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t]  # fmt: skip
        render(self.animation.animation_p, index, self._drawn.ctypes.data, w, h, w * 4)

    def close(self) -> None:
        if hasattr(self, "animation"):
            self.animation.lottie_animation_destroy()  # again (when collected): nothing
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
