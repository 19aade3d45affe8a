"""Image edges where a browser draws them
(:mod:`studio_render.compositions.lottie_image_edges`), through the command line."""

from __future__ import annotations

import base64
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio_render.compositions.lottie_fixes import rewrite
from tests.cli import lottie_frame

SIZE = 200


def _image_doc(pixels: np.ndarray, rotation: float, scale: float,
               masks: list[dict[str, object]] | None = None) -> dict[str, object]:  # fmt: skip
    """One image layer showing ``pixels`` (RGBA) about its centre, at the frame's middle."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    height, width = pixels.shape[:2]
    asset = {"id": "image_0", "w": width, "h": height, "u": "", "e": 1,
             "p": "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()}  # fmt: skip
    transform = {"p": {"a": 0, "k": [SIZE / 2 + 0.3, SIZE / 2 - 0.2, 0]},
                 "a": {"a": 0, "k": [width / 2, height / 2, 0]},
                 "s": {"a": 0, "k": [scale * 100, scale * 100, 100]},
                 "r": {"a": 0, "k": rotation}, "o": {"a": 0, "k": 100}}  # fmt: skip
    layer: dict[str, object] = {"ty": 2, "ind": 1, "refId": "image_0", "ip": 0, "op": 10,
                                "st": 0, "sr": 1, "ks": transform}  # fmt: skip
    if masks:
        layer.update(hasMask=True, masksProperties=masks)
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": SIZE, "h": SIZE, "ddd": 0,
            "assets": [asset], "layers": [layer]}  # fmt: skip


def _solid(width: int, height: int, alpha_edges: bool = True) -> np.ndarray:
    pixels = np.zeros((height, width, 4), np.uint8)
    pixels[...] = (200, 30, 60, 255)
    if not alpha_edges:
        pixels[0, :, 3] = pixels[-1, :, 3] = pixels[:, 0, 3] = pixels[:, -1, 3] = 0
    return pixels


@pytest.mark.parametrize(("rotation", "scale"), [(10, 3), (-35, 1.5), (0, 2.5)])
def test_an_image_covers_the_area_a_browser_covers(
    rotation: float, scale: float, tmp_path: Path
) -> None:
    """A 40x30 opaque image, turned and scaled about its centre, covers its rectangle's
    area to 1% (ThorVG alone faded a turned image's first row and column out over a whole
    texel: 3 px of the top and left edges missing at 300%, 5% of the area)."""
    alpha = lottie_frame(_image_doc(_solid(40, 30), rotation, scale), tmp_path)[..., 3]
    area = 40 * 30 * scale * scale
    assert abs(alpha.sum() / 255 - area) / area < 0.01
    # and no more than a pixel and a half off the outline anywhere (anti-aliased edges)
    y, x = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    turn = math.radians(rotation)
    u = (math.cos(turn) * (x - SIZE / 2 - 0.3) + math.sin(turn) * (y - SIZE / 2 + 0.2)) / scale
    v = (-math.sin(turn) * (x - SIZE / 2 - 0.3) + math.cos(turn) * (y - SIZE / 2 + 0.2)) / scale
    inside = (np.abs(u) < 20 - 1.5 / scale) & (np.abs(v) < 15 - 1.5 / scale)
    outside = (np.abs(u) > 20 + 1.5 / scale) | (np.abs(v) > 15 + 1.5 / scale)
    assert (alpha[inside] == 255).all() and (alpha[outside] == 0).all()


def test_a_mask_on_the_image_still_cuts_it(tmp_path: Path) -> None:
    """The image layer's own mask (its left half, in the image's coordinates) applies as
    before: the layer keeps its masks when its image gets its edges."""
    path = {"c": True, "v": [[0, 0], [20, 0], [20, 30], [0, 30]], "i": [[0, 0]] * 4,
            "o": [[0, 0]] * 4}  # fmt: skip
    mask = {"inv": False, "mode": "a", "o": {"a": 0, "k": 100}, "pt": {"a": 0, "k": path}}
    alpha = lottie_frame(_image_doc(_solid(40, 30), 0, 2, [mask]), tmp_path)[..., 3]
    columns = np.nonzero((alpha > 128).any(axis=0))[0]
    assert abs(columns.min() - 60) <= 1 and abs(columns.max() + 1 - 100) <= 1


def test_an_image_with_transparent_edges_is_left_as_it_is() -> None:
    doc = _image_doc(_solid(40, 30, alpha_edges=False), 10, 3)
    rewritten = rewrite(json.dumps(doc).encode())
    layers = json.loads(rewritten)["layers"] if rewritten else doc["layers"]
    assert [layer["ty"] for layer in layers] == [2]  # type: ignore[index]
    edged = rewrite(json.dumps(_image_doc(_solid(40, 30), 10, 3)).encode())
    assert edged is not None and [layer["ty"] for layer in json.loads(edged)["layers"]] == [0]
