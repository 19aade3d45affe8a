"""Expressions that ThorVG 1.0 evaluates unlike lottie-web, rewritten
(:mod:`studio_render.compositions.lottie_expressions`), checked on rendered pictures: a
small square whose x position is the expression's result, found in the frame."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from studio_render.compositions.lottie_expressions import rewrite_expressions
from tests.cli import lottie_frame, studio_render
from tests.image_compare import read_png

FPS = 30
OUT = {"x": [0.33], "y": [0]}  # ease out of the first key
INTO = {"x": [0.67], "y": [1]}  # ease into the second


def _eased(u: float) -> float:
    """Progress at time share ``u`` of the easing (0, 0)-(0.33, 0)-(0.67, 1)-(1, 1)."""

    def bezier(t: float, a: float, b: float) -> float:
        return 3 * a * t * (1 - t) ** 2 + 3 * b * t * t * (1 - t) + t**3

    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if bezier(mid, 0.33, 0.67) < u else (lo, mid)
    return bezier(lo, 0.0, 1.0)


def _square_x(
    tmp_path: Path, expression: str, frame: int, keys: list[dict[str, object]] | None = None
) -> float:
    """Where a 4-pixel square is drawn at ``frame`` when its position, keyed from x=100
    at frame 0 to x=700 at frame 30 (or by ``keys``), has ``expression``; a layer of
    expression controls holds a slider "Move" at 150 clamped to 0-100 by its own
    expression, as Bodymovin exports sliders."""
    clamp = "var $bm_rt;\n$bm_rt = clamp(value, 0, 100);"
    slider = {"ty": 0, "nm": "Slider", "mn": "ADBE Slider Control-0001", "ix": 1,
              "v": {"a": 0, "k": 150, "x": clamp}}  # fmt: skip
    position = {"a": 1, "x": expression, "k": keys or [
        {"t": 0, "s": [100, 50], "o": OUT, "i": INTO}, {"t": 30, "s": [700, 50]}]}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 60, "st": 0, "sr": 1,
             "ef": [{"ty": 5, "nm": "Move", "mn": "ADBE Slider Control", "ix": 1, "en": 1,
                     "ef": [slider]}],
             "ks": {"o": {"a": 0, "k": 100}, "p": position, "a": {"a": 0, "k": [0, 0]},
                    "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}},
             "shapes": [{"ty": "rc", "d": 1, "s": {"a": 0, "k": [4, 4]}, "p": {"a": 0, "k": [0, 0]},
                         "r": {"a": 0, "k": 0}},
                        {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100},
                         "r": 1}]}  # fmt: skip
    doc = {"v": "5.7.4", "fr": FPS, "ip": 0, "op": 60, "w": 1000, "h": 100, "layers": [layer]}
    comp = tmp_path / "probe.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", f"{frame}:{frame + 1}", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    alpha = read_png(tmp_path / "out" / f"frame_{frame:06d}.png")[..., 3]
    columns = np.nonzero(alpha.any(axis=0))[0]
    assert columns.size, "the square is not drawn"
    return float(columns.mean()) + 0.5


CASES = {
    # a slider, by name and match name, by indices, clamped by its own expression
    "effect('Move')('ADBE Slider Control-0001')": 100 + 100,
    "effect('Move')('Slider')": 100 + 100,
    "effect(1)(1)": 100 + 100,
    # keyframes count from 1: the nearest key to frame 20 is the second
    "nearestKey(time).index * 100": 100 + 2 * 100,
    "key(1).time * 500": 100 + 0,
    "key(2).time * 500": 100 + 500,
    # the velocity at the midpoint of an eased move, over the last thousandth of a second
    "velocityAtTime(0.5)[0] / 10": 100 + 600 * (_eased(0.5) - _eased(0.5 - 0.001)) / 0.001 / 10,
    # the property's own velocity, now (ThorVG alone crashed on it)
    "velocity[0] / 10": 100 + 600 * (_eased(2 / 3) - _eased(2 / 3 - 0.001)) / 0.001 / 10,
}


@pytest.mark.parametrize("term", CASES)
def test_an_expression_gives_what_lottie_web_gives(term: str, tmp_path: Path) -> None:
    """``$bm_rt = [100 + TERM, 50]`` puts the square where lottie-web puts it (ThorVG
    alone drops the square for sliders, counts keys from 0, averages velocities and
    crashes on ``velocity``)."""
    x = _square_x(tmp_path, f"var $bm_rt;\n$bm_rt = [100 + {term}, 50];", frame=20)
    assert x == pytest.approx(CASES[term], abs=1.0)


def test_a_loop_in_before_a_late_first_key_is_lottie_webs(tmp_path: Path) -> None:
    """``loopIn('cycle')`` before a first key at frame 2: lottie-web cycles back from
    frame 0, so frame 0 of a move keyed over frames 2-12 shows its frame 10 - 2 - 2 = 6;
    ThorVG alone showed frame 10 (After Effects' cycle from the first key)."""
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    keys = [{"t": 2, "s": [100, 50], **linear}, {"t": 12, "s": [600, 50]}]
    x = _square_x(tmp_path, "var $bm_rt;\n$bm_rt = loopIn('cycle');", frame=0, keys=keys)
    assert x == pytest.approx(100 + 500 * (6 - 2) / 10, abs=1.0)


def test_calls_on_other_layers_and_properties_are_left_alone() -> None:
    """Only the expression's own ``key``, ``nearestKey``, ``velocityAtTime`` and effects
    are rewritten: the same words on another object keep ThorVG's meaning."""
    code = ("thisComp.layer('A').transform.position.key(1).time + "
            "thisComp.layer('A').effect('Move')('Slider') + "
            "marker.nearestKey(time).index")  # fmt: skip
    layer = {"ks": {"p": {"a": 1, "k": [], "x": code}}}
    assert rewrite_expressions([layer]) is False
    assert layer["ks"]["p"]["x"] == code  # type: ignore[index]


def _dot(name: str, x: int, size: dict[str, object], st: int = 0) -> dict[str, object]:
    """A layer named ``name`` drawing a red ellipse of ``size`` ("Ellipse 1" holding
    "Ellipse Path 1", as After Effects names them) centred at (``x``, 50)."""
    ellipse = {"ty": "el", "d": 1, "nm": "Ellipse Path 1", "s": size, "p": {"a": 0, "k": [0, 0]}}
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    transform = {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                 "o": {"a": 0, "k": 100}}  # fmt: skip
    group = {"ty": "gr", "nm": "Ellipse 1", "it": [ellipse, fill, transform]}
    return {"ty": 4, "nm": name, "ip": -20, "op": 60, "st": st, "sr": 1,
            "ks": {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [x, 50]}, "a": {"a": 0, "k": [0, 0]},
                   "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}},
            "shapes": [group]}  # fmt: skip


def _alpha(doc: dict[str, object], tmp_path: Path, frame: int) -> np.ndarray:
    """The alpha of frame ``frame`` of ``doc``, rendered through the command line."""
    return lottie_frame(doc, tmp_path, frame)[..., 3].astype(float)


@pytest.mark.parametrize("layer", ["'Source'", "1"])
def test_a_size_taken_from_another_ellipse_is_that_ellipses_size(
    layer: str, tmp_path: Path
) -> None:
    """An ellipse whose size is the expression ``thisComp.layer(LAYER).content('Ellipse
    1').content('Ellipse Path 1').size`` (by name or index) is drawn at that layer's
    ellipse's size, as lottie-web draws it, though the two layers start at different times
    (ThorVG alone drew nothing)."""
    growing = {
        "a": 1,
        "k": [{"t": 0, "s": [10, 10], "o": OUT, "i": INTO}, {"t": 30, "s": [60, 60]}],
    }
    source = dict(_dot("Source", 100, growing), ind=1)
    reference = f"thisComp.layer({layer}).content('Ellipse 1').content('Ellipse Path 1').size"
    copied = {"a": 0, "k": [0, 0], "x": f"var $bm_rt;\n$bm_rt = {reference};"}
    follower = dict(_dot("Follower", 300, copied, st=-7), ind=2)
    doc = {"v": "5.7.4", "fr": FPS, "ip": 0, "op": 60, "w": 400, "h": 100,
           "layers": [source, follower]}  # fmt: skip
    alpha = _alpha(doc, tmp_path, 10)
    left, right = alpha[:, :200].sum(), alpha[:, 200:].sum()
    assert left > 100 * 255
    assert right == pytest.approx(left, rel=0.02), "the follower's ellipse is the source's size"


@pytest.mark.parametrize(
    "owner",
    ["thisComp.layer('Rail')", "rail", "thisComp.layer(1)"],
)
def test_a_dot_placed_at_a_point_of_another_layers_path_is_drawn_there(
    owner: str, tmp_path: Path
) -> None:
    """A dot whose position is a vertex of another layer's static path, read with
    ``points()`` (the layer named, by index, or through a variable, as trace-path rigs
    write it), is drawn at that vertex, as lottie-web draws it (ThorVG alone could not
    evaluate ``points()`` and drew no dot)."""
    line = {"ty": "sh", "nm": "Path 1",
            "ks": {"a": 0, "k": {"i": [[0, 0], [0, 0]], "o": [[0, 0], [0, 0]],
                                 "v": [[-150, 0], [130, 10]], "c": False}}}  # fmt: skip
    rail = {"ty": 4, "nm": "Rail", "ind": 1, "ip": 0, "op": 60, "st": 0, "sr": 1,
            "ks": {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [200, 40]},
                   "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                   "r": {"a": 0, "k": 0}},
            "shapes": [line]}  # fmt: skip
    size = {"a": 0, "k": [20, 20]}
    code = (f"var $bm_rt;\nvar rail = thisComp.layer('Rail');\n"
            f"var points = {owner}.content('Path 1').path.points();\n"
            f"$bm_rt = rail.toComp(points[1]);")  # fmt: skip
    dot = dict(_dot("Dot", 0, size), ind=2)
    dot["ks"]["p"] = {"a": 0, "k": [0, 0], "x": code}  # type: ignore[index]
    doc = {"v": "5.7.4", "fr": FPS, "ip": 0, "op": 60, "w": 400, "h": 100,
           "layers": [dot, rail]}  # fmt: skip
    alpha = _alpha(doc, tmp_path, 0)
    assert alpha.sum() > 200 * 255, "the dot is drawn"
    ys, xs = np.nonzero(alpha > 127)
    assert (xs.mean(), ys.mean()) == pytest.approx((330, 50), abs=1), "at the rail's vertex"


def test_a_rubberhose_rig_is_named_in_a_warning(tmp_path: Path) -> None:
    """Limbs drawn by RubberHose expressions (which ThorVG cannot evaluate) are named by
    ``info`` and the render, once per rig, not once per controller; a file without
    such a rig gets no such line."""
    rig = {"ty": 5, "nm": "RubberHose 2", "mn": "Pseudo/3bf5c4b1e0f8fRH2", "en": 1, "ef": []}
    layers = [{**_dot(f"Left arm::{part}", 20 + 20 * n, {"a": 0, "k": [8, 8]}), "ind": n + 1,
               "ef": [rig]} for n, part in enumerate(("Shoulder", "Wrist"))]  # fmt: skip
    layers.append({**_dot("Body", 80, {"a": 0, "k": [8, 8]}), "ind": 3})
    comp = tmp_path / "rig.json"
    comp.write_text(json.dumps({"v": "5.7.4", "fr": FPS, "ip": 0, "op": 10, "w": 100,
                                "h": 100, "layers": layers}))  # fmt: skip
    info = studio_render("info", comp)
    assert info.returncode == 0, info.stderr
    warnings = [line for line in info.stdout.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "1 RubberHose rig ('Left arm')" in warnings[0], info.stdout
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0 and "warning: 1 RubberHose rig" in done.stderr, done.stderr
    for layer in layers:
        layer.pop("ef", None)
    comp.write_text(json.dumps({"v": "5.7.4", "fr": FPS, "ip": 0, "op": 10, "w": 100,
                                "h": 100, "layers": layers}))  # fmt: skip
    assert "RubberHose" not in studio_render("info", comp).stdout


#: The "inertial bounce" snippet as Bodymovin exports it.
BOUNCE = """var $bm_rt;
var amp, freq, decay, n, time_max, n, t, t, v;
amp = 0.05;
freq = 2;
decay = 2;
n = 0;
$bm_rt = time_max = 2;
if (numKeys > 0) {
    $bm_rt = n = nearestKey(time).index;
    if (key(n).time > time) {
        n--;
    }
}
if (n == 0) {
    $bm_rt = t = 0;
} else {
    $bm_rt = t = sub(time, key(n).time);
}
if (n > 0 && t < time_max) {
    v = velocityAtTime(sub(key(n).time, div(thisComp.frameDuration, 10)));
    $bm_rt = sum(value, div(mul(mul(v, amp), Math.sin(mul(mul(mul(freq, t), 2), Math.PI))), \
Math.exp(mul(decay, t))));
} else {
    $bm_rt = value;
}"""


def test_tangents_on_the_line_of_a_position_with_an_expression_are_dropped(
    tmp_path: Path,
) -> None:
    """A position with an expression (the bounce above), keyed along a straight line with
    uneven tangents on it, moves as lottie-web moves it: it drops such tangents as it loads
    the file, whatever the expression. ThorVG followed its own estimate of the curve's
    length, and the bounce after it carried that speed: 0.16 and 0.27 units off at frames
    9 and 10 (the keys of thorvg.example's expressions/windmill.json, its roof; lottie-web's
    values below, measured in Chromium)."""
    from studio_render.compositions.lottie import LottieCanvas, LottieFile

    linear = {"i": {"x": 0.833, "y": 0.833}, "o": {"x": 0.167, "y": 0.167}}
    keys = [{"t": 3, "s": [42.55, 59.74, 0], "to": [0, 19.96, 0], "ti": [0, -20.21, 0],
             **linear}, {"t": 8, "s": [42.55, 179.5, 0]}]  # fmt: skip
    red = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    square = [{"ty": "rc", "d": 1, "s": {"a": 0, "k": [10, 10]}, "p": {"a": 0, "k": [0, 0]},
               "r": {"a": 0, "k": 0}}, red]  # fmt: skip
    transform = {"o": {"a": 0, "k": 100}, "r": {"a": 0, "k": 0}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "p": {"a": 1, "k": keys, "x": BOUNCE}}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 30, "st": 0, "ks": transform, "shapes": square}
    path = tmp_path / "bounce.json"
    path.write_text(json.dumps({"v": "5.2.0", "fr": FPS, "ip": 0, "op": 30, "w": 100,
                                "h": 240, "layers": [layer]}))  # fmt: skip
    file = LottieFile(path)
    canvas = LottieCanvas(file, (100, 240), True, "#000000")
    try:
        for frame, y in ((5, 107.644), (9, 193.171), (10, 202.867)):
            alpha = np.frombuffer(canvas.render(frame), np.uint8).reshape(240, 100, 4)[..., 3]
            rows = alpha.astype(float).sum(axis=1)
            centre = float((rows * (np.arange(240) + 0.5)).sum() / rows.sum())
            assert centre == pytest.approx(y, abs=0.06), frame
    finally:
        canvas.close()
        file.close()
