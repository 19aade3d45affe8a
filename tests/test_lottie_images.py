"""Rotated image layers land where lottie-web draws them
(:mod:`studio_render.compositions.lottie_images`), checked against pictures computed here
the way a browser draws an image: each pixel reads the image at its centre, bilinearly."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import numpy as np
import pytest

from tests.cli import studio_render
from tests.image_compare import OFF_LEVEL, Image, on_background, read_png, write_png

SIZE = 160  # composition width and height
#: The image: 4x4-texel squares of two colours far apart, so a shift shows on every edge.
TEXTURE = np.where(
    ((np.arange(30)[:, None] // 4 + np.arange(40)[None, :] // 4) % 2)[..., None] == 1,
    np.array([200, 30, 60], np.uint8),
    np.array([20, 160, 240], np.uint8),
).astype(np.uint8)


def _transform(rotation: float, scale: tuple[float, float], position: tuple[float, float]
               ) -> dict[str, object]:  # fmt: skip
    return {"p": {"a": 0, "k": [*position, 0]}, "a": {"a": 0, "k": [20, 15, 0]},
            "s": {"a": 0, "k": [scale[0] * 100, scale[1] * 100, 100]},
            "r": {"a": 0, "k": rotation}, "o": {"a": 0, "k": 100}}  # fmt: skip


def _document(tmp_path: Path, rotation: float, scale: tuple[float, float], parent: float | None
              ) -> dict[str, object]:  # fmt: skip
    """The texture, anchored at its centre, on a layer at the middle; with ``parent``, the
    layer's rotation is split between it and a null parent rotated by ``parent``."""
    write_png(tmp_path / "texture.png", TEXTURE)
    data = base64.b64encode((tmp_path / "texture.png").read_bytes()).decode()
    asset = {"id": "image_0", "w": 40, "h": 30, "u": "", "p": f"data:image/png;base64,{data}",
             "e": 1}  # fmt: skip
    centre = (SIZE / 2 + 0.3, SIZE / 2 - 0.2)  # off the pixel grid, as placements usually are
    image = {"ty": 2, "ind": 1, "refId": "image_0", "ip": 0, "op": 10, "st": 0, "sr": 1,
             "ks": _transform(rotation, scale, centre)}  # fmt: skip
    layers: list[dict[str, object]] = [image]
    if parent is not None:
        null = {"ty": 3, "ind": 2, "ip": 0, "op": 10, "st": 0, "sr": 1,
                "ks": _transform(parent, (1, 1), centre)}  # fmt: skip
        null["ks"]["a"] = {"a": 0, "k": [*centre, 0]}  # type: ignore[index]
        image["parent"] = 2
        image["ks"] = _transform(rotation - parent, scale, centre)
        layers.append(null)
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": SIZE, "h": SIZE, "ddd": 0,
            "assets": [asset], "layers": layers}  # fmt: skip


def _expected(rotation: float, scale: tuple[float, float]) -> tuple[Image, np.ndarray]:
    """The picture on white as a browser draws it, and the pixels at least two image texels
    inside the image's edges (where edge anti-aliasing plays no part)."""
    angle = math.radians(rotation)
    cos, sin = math.cos(angle), math.sin(angle)
    # canvas = centre + R S (uv - anchor); invert it at every pixel centre
    y, x = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    dx, dy = x - (SIZE / 2 + 0.3), y - (SIZE / 2 - 0.2)
    u = (cos * dx + sin * dy) / scale[0] + 20
    v = (-sin * dx + cos * dy) / scale[1] + 15
    # bilinear, texel i's centre at i + 0.5, clamped at the border
    fu, fv = np.clip(u - 0.5, 0, 39), np.clip(v - 0.5, 0, 29)
    u0, v0 = np.minimum(fu.astype(int), 38), np.minimum(fv.astype(int), 28)
    au, av = (fu - u0)[..., None], (fv - v0)[..., None]
    t = TEXTURE.astype(np.float64)
    top = t[v0, u0] * (1 - au) + t[v0, u0 + 1] * au
    bottom = t[v0 + 1, u0] * (1 - au) + t[v0 + 1, u0 + 1] * au
    colour = top * (1 - av) + bottom * av
    inside = (u >= 0) & (u < 40) & (v >= 0) & (v < 30)
    picture = np.where(inside[..., None], colour, 255.0)
    margin = 2
    interior = (u >= margin) & (u < 40 - margin) & (v >= margin) & (v < 30 - margin)
    return np.rint(picture).astype(np.uint8), interior


CASES = {
    "rotated 30° at 100%": (30.0, (1.0, 1.0), None),
    "rotated -20° at 250%": (-20.0, (2.5, 2.5), None),
    "rotated 90° at 150% x 200%": (90.0, (1.5, 2.0), None),
    "rotated 45° at 80%, half of it by a parent": (45.0, (0.8, 0.8), 25.0),
    "scaled to 250%": (0.0, (2.5, 2.5), None),
    "scaled to 60%": (0.0, (0.6, 0.6), None),
    "unscaled, between pixels": (0.0, (1.0, 1.0), None),
}


@pytest.mark.parametrize("case", CASES)
def test_a_rotated_image_layer_is_sampled_where_a_browser_samples_it(
    case: str, tmp_path: Path
) -> None:
    """Inside the image, no pixel is more than the fidelity tests' 48 off a browser's
    picture (ThorVG alone puts a 1-4 pixel wide band of the checks' edges off)."""
    rotation, scale, parent = CASES[case]
    comp = tmp_path / "rotated.json"
    comp.write_text(json.dumps(_document(tmp_path, rotation, scale, parent)))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    ours = on_background(read_png(tmp_path / "out" / "frame_000000.png"), (255, 255, 255))
    expected, interior = _expected(rotation, scale)
    worst = np.abs(ours.astype(int) - expected.astype(int)).max(axis=-1)[interior]
    off = int((worst > OFF_LEVEL).sum())
    assert off == 0, f"{off} of {worst.size} pixels inside the image are off (worst {worst.max()})"


def test_an_embedded_image_that_does_not_say_so_is_drawn(tmp_path: Path) -> None:
    """An image asset given as a data URL without ``"e": 1`` (older exports leave it out)
    is drawn, as lottie-web draws it (ThorVG alone looked for a file and drew nothing)."""
    doc = _document(tmp_path, 0.0, (1.0, 1.0), None)
    del doc["assets"][0]["e"]  # type: ignore[index]
    comp = tmp_path / "inline.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    ours = on_background(read_png(tmp_path / "out" / "frame_000000.png"), (255, 255, 255))
    expected, interior = _expected(0.0, (1.0, 1.0))
    worst = np.abs(ours.astype(int) - expected.astype(int)).max(axis=-1)[interior]
    assert (worst <= OFF_LEVEL).all()


def test_images_that_cannot_be_read_are_named_in_a_warning(tmp_path: Path) -> None:
    """An image file not beside the Lottie file (the JSON copied without its folder) and an
    image on the network are named by ``info`` and the render, which draws their layers
    empty; an image that is there is drawn and not named."""
    doc = _document(tmp_path, 0.0, (1.0, 1.0), None)
    (tmp_path / "images").mkdir()
    (tmp_path / "texture.png").rename(tmp_path / "images" / "texture.png")
    doc["assets"] = [
        {"id": "here", "w": 40, "h": 30, "u": "images/", "p": "texture.png", "e": 0},
        {"id": "gone", "w": 40, "h": 30, "u": "images/", "p": "gone.png", "e": 0},
        {"id": "web", "w": 40, "h": 30, "u": "", "p": "https://example.com/a.png", "e": 0},
        {"id": "unused", "w": 40, "h": 30, "u": "images/", "p": "unused.png", "e": 0},
    ]  # fmt: skip
    image = doc["layers"][0]  # type: ignore[index]
    doc["layers"] = [{**image, "ind": n + 1, "refId": ref, "nm": f"{ref} layer"}
                     for n, ref in enumerate(["gone", "web", "here"])]  # fmt: skip
    comp = tmp_path / "pictures.json"
    comp.write_text(json.dumps(doc))
    info = studio_render("info", comp)
    assert info.returncode == 0, info.stderr
    warnings = [line for line in info.stdout.splitlines() if "warning" in line]
    assert len(warnings) == 2, info.stdout
    assert "1 image not found beside pictures.json" in warnings[0]
    assert "'images/gone.png' (layer 'gone layer')" in warnings[0]
    assert "on the network" in warnings[1] and "'https://example.com/a.png'" in warnings[1]
    assert "texture.png" not in info.stdout and "unused" not in info.stdout
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "warning: 1 image not found beside pictures.json" in done.stderr
    ours = on_background(read_png(tmp_path / "out" / "frame_000000.png"), (255, 255, 255))
    expected, interior = _expected(0.0, (1.0, 1.0))
    worst = np.abs(ours.astype(int) - expected.astype(int)).max(axis=-1)[interior]
    assert (worst <= OFF_LEVEL).all()  # the image that is there, on top
