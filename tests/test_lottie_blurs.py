"""Lottie blurs and drop shadows as wide as lottie-web draws them: a Gaussian Blur effect's
standard deviation is 0.3 of its blurriness, a Drop Shadow's a quarter of its softness."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli import lottie_frame, studio_render
from tests.image_compare import read_png


def _square_doc(effect: dict[str, object]) -> dict[str, object]:
    """A black 100x100 square in the middle of a transparent 300x300 frame, with ``effect``."""
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [150, 150]},
                 "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                 "r": {"a": 0, "k": 0}}  # fmt: skip
    square = {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": [[-50, -50], [50, -50], [50, 50],
              [-50, 50]], "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [0, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": transform,
             "shapes": [square, fill], "ef": [effect]}  # fmt: skip
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": 300, "h": 300, "layers": [layer]}


def _value(name: str, ty: int, value: object) -> dict[str, object]:
    return {"ty": ty, "nm": name, "v": {"a": 0, "k": value}}


def _alpha_row(doc: dict[str, object], tmp_path: Path) -> np.ndarray:
    """The alpha of the frame's middle row, 0-1."""
    return lottie_frame(doc, tmp_path)[150, :, 3] / 255.0


def _spread(row: np.ndarray) -> float:
    """The standard deviation of the blur of the square's right edge (x = 200): the spread
    of the alpha's fall around it."""
    fall = np.clip(-np.diff(row[150:299]), 0, None)
    x = np.arange(150, 298) + 0.5
    mean = (fall * x).sum() / fall.sum()
    return float(np.sqrt((fall * (x - mean) ** 2).sum() / fall.sum()))


@pytest.mark.parametrize("blurriness", [3, 20])
def test_a_gaussian_blur_is_as_wide_as_lottie_web_draws(blurriness: float, tmp_path: Path) -> None:
    """Blurriness 3 blurs by about 0.9 px (ThorVG's default quality drew it sharp) and 20
    by 6 (ThorVG's default: 4.5)."""
    blur = {"ty": 29, "nm": "Gaussian Blur", "en": 1, "ef": [
        _value("Blurriness", 0, blurriness), _value("Blur Dimensions", 7, 1),
        _value("Repeat Edge Pixels", 7, 0)]}  # fmt: skip
    spread = _spread(_alpha_row(_square_doc(blur), tmp_path))
    assert spread == pytest.approx(0.3 * blurriness, rel=0.15)


def test_a_drop_shadow_is_as_soft_as_lottie_web_draws_it(tmp_path: Path) -> None:
    """A shadow right under its square (distance 0) with softness 40 spreads the square's
    edge by 10 px, a quarter of it (ThorVG alone, at full quality: 0.3 of it, 12)."""
    shadow = {"ty": 25, "nm": "Drop Shadow", "en": 1, "ef": [
        _value("Shadow Color", 2, [0, 0, 0, 1]), _value("Opacity", 0, 255),
        _value("Direction", 1, 135), _value("Distance", 0, 0), _value("Softness", 0, 40),
        _value("Shadow Only", 7, 0)]}  # fmt: skip
    row = _alpha_row(_square_doc(shadow), tmp_path)
    outside = row[201:260]  # the shadow's outer half: 0.5 erfc(x / (sigma sqrt 2))
    one_sigma = int(np.argmax(outside < 0.1587)) + 1
    assert one_sigma == pytest.approx(10, abs=1.5)


def _shadow(opacity: float) -> dict[str, object]:
    return {"ty": 25, "nm": "Drop Shadow", "en": 1, "ef": [
        _value("Shadow Color", 2, [0, 0, 0, 1]), _value("Opacity", 0, opacity),
        _value("Direction", 1, 135), _value("Distance", 0, 4), _value("Softness", 0, 4),
        _value("Shadow Only", 7, 0)]}  # fmt: skip


@pytest.mark.parametrize(
    "effect",
    [_shadow(0), {"ty": 29, "nm": "Gaussian Blur", "en": 1, "ef": [_value("Blurriness", 0, 0)]}],
    ids=["shadow of opacity 0", "blur of blurriness 0"],
)
def test_an_effect_that_draws_nothing_leaves_blend_modes_inside_alone(
    effect: dict[str, object], tmp_path: Path
) -> None:
    """A precomposition with an invisible shadow or a blur of 0 draws as without it: a
    blue square under a white square at 20% in Multiply stays blue (ThorVG draws a layer
    with an effect offscreen, where the Multiply erased what lay under it)."""

    def square(index: int, colour: list[float], x: int, mode: int, opacity: int) -> object:
        transform = {"o": {"a": 0, "k": opacity}, "p": {"a": 0, "k": [x, 150]},
                     "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                     "r": {"a": 0, "k": 0}}  # fmt: skip
        shape = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [100, 100]},
                 "p": {"a": 0, "k": [0, 0]}, "r": {"a": 0, "k": 0}}  # fmt: skip
        fill = {"ty": "fl", "c": {"a": 0, "k": colour}, "o": {"a": 0, "k": 100}, "r": 1}
        return {"ty": 4, "ind": index, "ip": 0, "op": 10, "st": 0, "sr": 1, "bm": mode,
                "ks": transform, "shapes": [shape, fill]}  # fmt: skip

    inside = [square(1, [1, 1, 1, 1], 170, 1, 20), square(2, [0.2, 0.6, 1, 1], 130, 0, 100)]
    place = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
             "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    precomp = {"ty": 0, "ind": 1, "refId": "inside", "w": 300, "h": 300, "ip": 0, "op": 10,
               "st": 0, "sr": 1, "ks": place, "ef": [effect]}  # fmt: skip
    doc = {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": 300, "h": 300,
           "assets": [{"id": "inside", "layers": inside}], "layers": [precomp]}  # fmt: skip
    comp = tmp_path / "idle.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    under = read_png(tmp_path / "out" / "frame_000000.png")[150, 150]  # both squares
    assert list(under) == pytest.approx([51, 153, 255, 255], abs=2)
