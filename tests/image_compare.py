"""Comparing pictures the way the Lottie fidelity tests judge them: SSIM and pixels off.

A frame matches its reference when SSIM >= 0.99 and at most 0.2% of its pixels differ by
more than 48 in any channel. Pictures are numpy arrays: height x width x channels, uint8.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SSIM_MIN = 0.99
OFF_SHARE_MAX = 0.002
OFF_LEVEL = 48

Image = NDArray[np.uint8]


def read_png(path: Path) -> Image:
    """An image file as height x width x 4 (R, G, B, A), read with Qt."""
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    if image.isNull():
        raise OSError(f"cannot read {path}")
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=stride * h).reshape(h, stride)
    return rows[:, : w * 4].reshape(h, w, 4).copy()


def write_png(path: Path, pixels: Image) -> None:
    """An RGB or RGBA array to a PNG file (for looking at differences)."""
    from PySide6.QtGui import QImage

    rgba = (
        pixels if pixels.shape[2] == 4 else np.dstack([pixels, np.full_like(pixels[..., 0], 255)])
    )
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    QImage(rgba.data, w, h, w * 4, QImage.Format.Format_RGBA8888).save(str(path))


def on_background(rgba: Image, rgb: tuple[int, int, int]) -> Image:
    """A straight-alpha RGBA picture composited over an opaque colour: RGB."""
    alpha = rgba[..., 3:4].astype(np.float64) / 255
    out = rgba[..., :3] * alpha + np.array(rgb, np.float64) * (1 - alpha)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _blur(x: NDArray[np.float32], sigma: float = 1.5, radius: int = 5) -> NDArray[np.float32]:
    """Gaussian blur of a 2-D array (edges padded by reflection), separable."""
    t = np.arange(-radius, radius + 1)
    kernel = np.exp(-(t**2) / (2 * sigma**2))
    kernel = (kernel / kernel.sum()).astype(np.float32)
    padded = np.pad(x, radius, mode="reflect")
    rows = sum(k * padded[:, i : i + x.shape[1]] for i, k in enumerate(kernel))
    return sum(k * rows[i : i + x.shape[0], :] for i, k in enumerate(kernel))  # type: ignore[return-value]


def ssim(a: Image, b: Image) -> float:
    """Mean SSIM over the RGB channels (Gaussian window, sigma 1.5, as Wang et al.)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    scores = []
    for channel in range(3):
        x = a[..., channel].astype(np.float32)
        y = b[..., channel].astype(np.float32)
        mx, my = _blur(x), _blur(y)
        vx = _blur(x * x) - mx * mx
        vy = _blur(y * y) - my * my
        cov = _blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        scores.append(float(s.mean()))
    return float(np.mean(scores))


def off_share(a: Image, b: Image, level: int = OFF_LEVEL) -> float:
    """The share of pixels that differ by more than ``level`` in any RGB channel."""
    diff = np.abs(a[..., :3].astype(np.int16) - b[..., :3].astype(np.int16))
    return float((diff.max(axis=2) > level).mean())


@dataclass(frozen=True)
class Comparison:
    ssim: float
    off_share: float

    @property
    def matches(self) -> bool:
        return self.ssim >= SSIM_MIN and self.off_share <= OFF_SHARE_MAX


def compare(a: Image, b: Image) -> Comparison:
    """How close two RGB(A) pictures of the same size are (alpha ignored)."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError(f"sizes differ: {a.shape[:2]} and {b.shape[:2]}")
    return Comparison(ssim(a[..., :3], b[..., :3]), off_share(a, b))


def side_by_side(*images: Image) -> Image:
    """RGB pictures next to each other, for looking at differences."""
    return np.hstack([image[..., :3] for image in images])
