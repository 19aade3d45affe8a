"""Repeaters drawn as lottie-web draws them
(:mod:`studio_render.compositions.lottie_repeaters`): through the command line, and the
copies' transforms worked out as lottie-web's ``RepeaterModifier`` works them out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio_render.compositions.lottie_fixes import rewrite
from studio_render.compositions.lottie_repeaters import _transforms
from tests.cli import lottie_frame

SIZE = 200


def _square(centre: tuple[float, float], half: float, clockwise: bool) -> dict[str, object]:
    x, y = centre
    corners = [[x - half, y - half], [x + half, y - half], [x + half, y + half],
               [x - half, y + half]]  # fmt: skip
    if not clockwise:
        corners.reverse()
    zeros = [[0, 0]] * 4
    return {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": corners, "i": zeros, "o": zeros}}}


def _fill(opacity: float = 100) -> dict[str, object]:
    return {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": opacity}, "r": 1}


def repeater(
    copies: float, step: tuple[float, float], scale: float = 100, offset: float = 0,
    start: float = 100, end: float = 100,
) -> dict[str, object]:  # fmt: skip
    transform = {"ty": "tr", "p": {"a": 0, "k": list(step)}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [scale, scale]}, "r": {"a": 0, "k": 0},
                 "so": {"a": 0, "k": start}, "eo": {"a": 0, "k": end}}  # fmt: skip
    return {"ty": "rp", "c": {"a": 0, "k": copies}, "o": {"a": 0, "k": offset}, "m": 1,
            "tr": transform}  # fmt: skip


def repeated_doc(shapes: list[dict[str, object]]) -> dict[str, object]:
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": transform,
             "shapes": shapes}  # fmt: skip
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": SIZE, "h": SIZE, "layers": [layer]}


def _alpha(doc: dict[str, object], tmp_path: Path, frame: int = 0) -> np.ndarray:
    return lottie_frame(doc, tmp_path, frame)[..., 3]


def test_a_repeated_shape_keeps_the_hole_its_paths_cut(tmp_path: Path) -> None:
    """A square with a square hole (two paths, one fill) under a repeater: ThorVG alone
    filled each path on its own, hole and all (a logo of merged paths became a blob)."""
    outer = _square((50, 50), 40, clockwise=True)
    inner = _square((50, 50), 20, clockwise=False)
    alpha = _alpha(repeated_doc([outer, inner, _fill(), repeater(2, (100, 0))]), tmp_path)
    for x in (50, 150):
        assert alpha[50, x] == 0, x  # the hole
        assert alpha[50, x - 30] == 255 and alpha[20, x] == 255  # the ring


def test_copies_fade_from_the_start_to_the_end_opacity(tmp_path: Path) -> None:
    """Three copies from 100% to 20%: 100, 60 and 20%, as lottie-web fades them (ThorVG
    alone: 73, 47 and 20%); a single copy is drawn at the start opacity."""
    square = _square((30, 50), 20, clockwise=True)
    alpha = _alpha(repeated_doc([square, _fill(), repeater(3, (60, 0), start=100, end=20)]),
                   tmp_path)  # fmt: skip
    assert [round(alpha[50, x] / 2.55) for x in (30, 90, 150)] == [100, 60, 20]
    single = repeated_doc([square, _fill(), repeater(1, (60, 0), start=50, end=100)])
    (tmp_path / "single").mkdir()
    assert round(_alpha(single, tmp_path / "single")[50, 30] / 2.55) == 50


def test_a_fraction_of_a_step_scales_by_that_share_of_the_step(tmp_path: Path) -> None:
    """Offset 0.5 with a step that doubles: the copy is 1.5 times as big (lottie-web
    moves scale linearly through a fraction of a step; ThorVG alone took the power)."""
    square = _square((0, 0), 20, clockwise=True)
    transform = {"ty": "tr", "p": {"a": 0, "k": [100, 100]}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                 "o": {"a": 0, "k": 100}}  # fmt: skip
    group = {"ty": "gr", "it": [square, _fill(), repeater(1, (0, 0), 200, 0.5), transform]}
    alpha = _alpha(repeated_doc([group]), tmp_path)
    width = int((alpha[100] > 128).sum())
    assert abs(width - 60) <= 1, width


def test_an_animated_offset_moves_the_copies_at_every_frame(tmp_path: Path) -> None:
    """Two copies 40 px apart whose offset runs from 0 to 2 steps over 10 frames: at
    frame 5 (one step) they start at 60 and 100 px."""
    square = _square((30, 50), 10, clockwise=True)
    rp = repeater(2, (40, 0))
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    rp["o"] = {"a": 1, "k": [{"t": 0, "s": [0], **linear}, {"t": 10, "s": [2]}]}
    row = _alpha(repeated_doc([square, _fill(), rp]), tmp_path, frame=5)[50] > 128
    starts = [x for x in range(1, SIZE) if row[x] and not row[x - 1]]
    assert starts == [60, 100]


def test_an_animated_repeater_on_a_layer_a_billion_frames_long_is_left_to_thorvg() -> None:
    """A malformed file's endless layer loads at once, its repeater not baked (baking it
    at every frame held the load for good)."""
    rp = repeater(2, (40, 0))
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    rp["o"] = {"a": 1, "k": [{"t": 0, "s": [0], **linear}, {"t": 10, "s": [2]}]}
    doc = repeated_doc([_square((30, 50), 10, clockwise=True), _fill(), rp])
    doc["op"] = doc["layers"][0]["op"] = 1e9  # type: ignore[index]
    rewritten = rewrite(json.dumps(doc).encode())
    assert rewritten is None or b'"rp"' in rewritten


@pytest.mark.parametrize(
    ("offset", "count", "mode", "steps", "scales"),
    [
        (0, 3, 1, [0, 1, 2], [1, 0.5, 0.25]),  # each copy a step further, halved
        (0, 3, 2, [2, 1, 0], [0.25, 0.5, 1]),  # below: the first group is the furthest
        (1.5, 2, 1, [1.5, 2.5], [0.375, 0.1875]),  # half a step: 1 - 0.5 * 0.5
        (-0.5, 2, 1, [-0.5, 0.5], [4 / 3, 2 / 3]),  # half a step back: 1 / 0.75
    ],
)
def test_copies_take_the_steps_lottie_web_gives_them(
    offset: float, count: int, mode: int, steps: list[float], scales: list[float]
) -> None:
    """Steps (of position and rotation) and scale factors per group, for a step that
    halves, as lottie-web's ``RepeaterModifier.processShapes`` accumulates them."""
    values = {"c": [count], "o": [offset], "p": [10.0, 0.0], "a": [0.0, 0.0],
              "s": [50.0, 50.0], "r": [0.0], "so": [100.0], "eo": [100.0]}  # fmt: skip
    found = _transforms(values, count, mode)
    assert [taken for taken, _scale, _opacity in found] == pytest.approx(steps)
    assert [scale[0] for _taken, scale, _opacity in found] == pytest.approx(scales)
    assert [scale[1] for _taken, scale, _opacity in found] == pytest.approx(scales)
