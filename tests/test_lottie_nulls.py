"""Paths whose points follow null layers (After Effects' "Create Nulls From Paths"),
baked by :mod:`studio_render.compositions.lottie_nulls`, checked on rendered pictures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.cli import studio_render
from tests.image_compare import read_png

#: The expression the script writes, for a path of two points.
FOLLOW = """var $bm_rt;
var nullLayerNames = [
        'Shape Layer 1: Path 1 [1.1.0]',
        'Shape Layer 1: Path 1 [1.1.1]'
    ];
var origPath = thisProperty;
var origPoints = origPath.points();
var origInTang = origPath.inTangents();
var origOutTang = origPath.outTangents();
var getNullLayers = [];
for (var i = 0; i < nullLayerNames.length; i++) {
    try {
        getNullLayers.push(effect(nullLayerNames[i])('ADBE Layer Control-0001'));
    } catch (err) {
        getNullLayers.push(null);
    }
}
for (var i = 0; i < getNullLayers.length; i++) {
    if (getNullLayers[i] != null && getNullLayers[i].index != thisLayer.index) {
        origPoints[i] = fromCompToSurface(getNullLayers[i].toComp(getNullLayers[i].anchorPoint));
    }
}
$bm_rt = createPath(origPoints, origInTang, origOutTang, origPath.isClosed());"""


def _static(value: object) -> dict[str, object]:
    return {"a": 0, "k": value}


def _transform(position: dict[str, object], **others: object) -> dict[str, object]:
    ks = {"o": _static(100), "p": position, "a": _static([0, 0, 0]),
          "s": _static([100, 100, 100]), "r": _static(0)}  # fmt: skip
    ks.update({key: _static(value) for key, value in others.items()})
    return ks


def _layer(ind: int, ty: int, ks: dict[str, object], **more: object) -> dict[str, object]:
    return {"ty": ty, "ind": ind, "ip": 0, "op": 30, "st": 0, "sr": 1, "ks": ks, **more}


def _stroked(path: dict[str, object], colour: list[float], width: float) -> dict[str, object]:
    """A group "Line" holding path "Path 1" stroked in ``colour``, round capped."""
    return {"ty": "gr", "nm": "Line", "it": [
        {"ty": "sh", "nm": "Path 1", "ks": path},
        {"ty": "st", "c": _static(colour), "o": _static(100), "w": _static(width), "lc": 2,
         "lj": 2},
        {"ty": "tr", "p": _static([0, 0]), "a": _static([0, 0]), "s": _static([100, 100]),
         "r": _static(0), "o": _static(100)}]}  # fmt: skip


def _document() -> dict[str, object]:
    """A green line from (10, 10) to a null that slides (looping every 10 frames) under
    a turned, scaled parent; a red dot drawn where the null is, under the line."""
    slide = {"a": 1, "k": [{"t": 0, "s": [0, 0, 0], "o": {"x": [0], "y": [0]},
                            "i": {"x": [1], "y": [1]}}, {"t": 10, "s": [80, 0, 0]}],
             "x": "var $bm_rt;\n$bm_rt = loopOut('cycle');"}  # fmt: skip
    parent = _layer(1, 3, _transform(_static([100, 60, 0]), a=[20, 0, 0], r=90, s=[50, 50, 100]))
    null = _layer(2, 3, _transform(slide), parent=1)
    dot = _layer(3, 4, _transform(slide), parent=1, shapes=[
        {"ty": "el", "p": _static([0, 0]), "s": _static([24, 24])},
        {"ty": "fl", "c": _static([1, 0, 0, 1]), "o": _static(100), "r": 1}])  # fmt: skip
    line = {"c": False, "v": [[10, 10], [150, 150]], "i": [[0, 0], [0, 0]], "o": [[0, 0], [0, 0]]}
    control = {"ty": 5, "nm": "Shape Layer 1: Path 1 [1.1.1]", "mn": "ADBE Layer Control",
               "en": 1, "ef": [{"ty": 10, "nm": "Layer", "mn": "ADBE Layer Control-0001",
                                "v": _static(2)}]}  # fmt: skip
    path = _layer(
        4,
        4,
        _transform(_static([0, 0, 0])),
        ef=[control],
        shapes=[_stroked({"a": 0, "k": line, "x": FOLLOW}, [0, 1, 0, 1], 3)],
    )
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 30, "w": 200, "h": 200,
            "layers": [path, dot, null, parent]}  # fmt: skip


def test_a_path_point_follows_its_null(tmp_path: Path) -> None:
    """At frames 5 and 15 (the slide's loop) the line ends on the red dot ThorVG draws at
    the null's place (without the bake, it ends where the file saved it, at (150, 150))."""
    comp = tmp_path / "follow.json"
    comp.write_text(json.dumps(_document()))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:16", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    for frame in (5, 15):
        rgba = read_png(tmp_path / "out" / f"frame_{frame:06d}.png").astype(int)
        red = np.argwhere((rgba[..., 0] > 200) & (rgba[..., 1] < 60))
        green = np.argwhere((rgba[..., 1] > 200) & (rgba[..., 0] < 60))
        assert len(red) > 20 and len(green) > 50
        dot = red.mean(axis=0)
        far_end = green[np.argmax(np.hypot(*(green - [10, 10]).T))]
        assert np.hypot(*(far_end - dot)) < 5, f"frame {frame}: ends at {far_end}, dot {dot}"


#: The "inertial bounce" snippet as Bodymovin exports it, its three factors on sliders.
BOUNCE = """var $bm_rt;
var amp, freq, decay, n, t, v;
try {
    amp = div(effect('Position - Overshoot')('ADBE Slider Control-0001'), 2.5), freq = div(effect('Position - Bounce')('ADBE Slider Control-0001'), 20), decay = div(effect('Position - Friction')('ADBE Slider Control-0001'), 20), n = 0, 0 < numKeys && (n = nearestKey(time).index, key(n).time > time && n--), t = 0 === n ? 0 : time - key(n).time, $bm_rt = 0 < n ? (v = velocityAtTime(sub(key(n).time, div(thisComp.frameDuration, 10))), sum(value, div(mul(mul(div(v, 100), amp), Math.sin(mul(mul(mul(freq, t), 2), Math.PI))), Math.exp(mul(decay, t))))) : value;
} catch (e$$4) {
    $bm_rt = value = value;
}"""  # noqa: E501


def _slider(name: str, value: float) -> dict[str, object]:
    clamp = "var $bm_rt;\n$bm_rt = clamp(value, 0, 100);"
    return {"ty": 5, "nm": name, "mn": "ADBE Slider Control", "en": 1,
            "ef": [{"ty": 0, "nm": "Slider", "mn": "ADBE Slider Control-0001",
                    "v": {"a": 0, "k": value, "x": clamp}}]}  # fmt: skip


def test_a_path_point_follows_a_null_that_bounces(tmp_path: Path) -> None:
    """A null that slides from x 20 to 100 over frames 0-10 and overshoots by the inertial
    bounce snippet (Overshoot 100, Bounce 40, Friction 40: amp 40, freq 2, decay 2) pulls
    the line's end where lottie-web puts it: at frame 13 (0.3 s after the key; 80 units a
    second) 80/100 * 40 * sin(2 pi 2 0.3) / e^0.6 = -10.3 units short of 100. The bake
    used to read the null's keyframes only, and the line ended at 100."""
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    slide = {"a": 1, "x": BOUNCE, "k": [{"t": 0, "s": [20, 100, 0], **linear},
                                        {"t": 10, "s": [100, 100, 0]}]}  # fmt: skip
    sliders = [_slider("Position - Overshoot", 100), _slider("Position - Bounce", 40),
               _slider("Position - Friction", 40)]  # fmt: skip
    null = _layer(2, 3, _transform(slide), ef=sliders)
    line = {"c": False, "v": [[10, 10], [150, 150]], "i": [[0, 0], [0, 0]], "o": [[0, 0], [0, 0]]}
    control = {"ty": 5, "nm": "Shape Layer 1: Path 1 [1.1.1]", "mn": "ADBE Layer Control",
               "en": 1, "ef": [{"ty": 10, "nm": "Layer", "mn": "ADBE Layer Control-0001",
                                "v": _static(2)}]}  # fmt: skip
    path = _layer(1, 4, _transform(_static([0, 0, 0])), ef=[control],
                  shapes=[_stroked({"a": 0, "k": line, "x": FOLLOW}, [0, 1, 0, 1], 3)])  # fmt: skip
    comp = tmp_path / "bounce.json"
    comp.write_text(json.dumps({"v": "5.7.4", "fr": 10, "ip": 0, "op": 30, "w": 200,
                                "h": 200, "layers": [path, null]}))  # fmt: skip
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "10:14", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    offset = 0.8 * 40 * np.sin(2 * np.pi * 2 * 0.3) / np.exp(2 * 0.3)
    for frame, end_x in ((10, 100.0), (13, 100 + offset)):
        rgba = read_png(tmp_path / "out" / f"frame_{frame:06d}.png").astype(int)
        green = np.argwhere((rgba[..., 1] > 200) & (rgba[..., 3] > 200))
        far_end = green[np.argmax(np.hypot(*(green - [10, 10]).T))][::-1] + 0.5
        assert abs(far_end[0] - end_x) < 2 and abs(far_end[1] - 100) < 2, (frame, far_end)


def test_a_property_is_read_between_its_keyframes_as_lottie_web_reads_it() -> None:
    """Holds, per-dimension easing, the old format's end values, values before the first
    key and after the last, and looping expressions (what the bake reads nulls with)."""
    from studio_render.compositions.lottie_nulls import value_or_loop_at as _at

    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    slide = {"a": 1, "k": [{"t": 0, "s": [0, 0], **linear}, {"t": 10, "s": [10, 20]}]}
    assert _at(slide, 5, []) == [5, 10]
    assert _at(slide, -3, []) == [0, 0] and _at(slide, 12, []) == [10, 20]
    held = {"a": 1, "k": [{"t": 0, "s": [1], "h": 1}, {"t": 10, "s": [2]}]}
    assert _at(held, 9.9, []) == [1] and _at(held, 10, []) == [2]
    old_format = {"a": 1, "k": [{"t": 0, "s": [0], "e": [4], **linear}, {"t": 4}]}
    assert _at(old_format, 1, []) == [1] and _at(old_format, 9, []) == [4]
    # x eases in hard (stays near 0 early), y is linear
    split_ease = {"o": {"x": [0.9, 0], "y": [0, 0]}, "i": {"x": [1, 1], "y": [1, 1]}}
    split = {"a": 1, "k": [{"t": 0, "s": [0, 0], **split_ease}, {"t": 10, "s": [10, 10]}]}
    x, y = _at(split, 3, []) or []
    assert x < 1 and abs(y - 3) < 1e-9
    assert _at({**slide, "x": "var $bm_rt;\n$bm_rt = loopOut('cycle');"}, 13, []) == [3, 6]
    assert _at({**slide, "x": "loopOut('pingpong')"}, 13, []) == [7, 14]
    assert _at({**slide, "x": "loopIn('cycle')"}, -3, []) == [7, 14]
    # lottie-web's loopIn cycles back from frame 0, not from the first key: a walk cycle
    # keyed from frame 2 reads frame 0 at frame 10 - 2 - 2 (After Effects: at frame 10)
    late = {"a": 1, "k": [{"t": 2, "s": [0], **linear}, {"t": 12, "s": [10]}], "x": "loopIn()"}
    assert _at(late, 0, []) == [4]
    assert _at({**slide, "x": "wiggle(2, 5)"}, 5, []) is None
    # a loop of a static value (lottie-web's test lights: each bulb's Progress) is the value
    assert _at({"a": 0, "k": 2, "x": "var $bm_rt;\n$bm_rt = thisProperty.loopOut('cycle');"},
               5, []) == [2]  # fmt: skip
    assert _at(None, 5, [1.0]) == [1.0]
    # an end shorter than the motion tangents (a damaged file): no value, not a ValueError
    uneven = {"a": 1, "k": [{"t": 0, "s": [0, 0, 0], "to": [1, 1, 1], "ti": [1, 1, 1],
                             **linear}, {"t": 10, "s": [10, 20]}]}  # fmt: skip
    assert _at(uneven, 5, []) is None


#: The position expression "Trace Path" writes (as Bodymovin exports it), for the first
#: path of the first group of layer "Track".
TRACE = (
    "var $bm_rt;\n"
    "var pathLayer = thisComp.layer('Track');\n"
    "var progress = div(thisLayer.effect('Pseudo/ADBE Trace Path')"
    "('Pseudo/ADBE Trace Path-0001'), 100);\n"
    "var pathToTrace = pathLayer('ADBE Root Vectors Group')(1)('ADBE Vectors Group')(1)"
    "('ADBE Vector Shape');\n"
    "$bm_rt = pathLayer.toComp(pathToTrace.pointOnPath(progress));"
)
#: The rotation expression it writes beside it: the null turned along the path.
TURN = (
    "var $bm_rt;\n"
    "var pathToTrace = thisComp.layer('Track')('ADBE Root Vectors Group')(1)"
    "('ADBE Vectors Group')(1)('ADBE Vector Shape');\n"
    "var progress = div(thisLayer.effect('Pseudo/ADBE Trace Path')"
    "('Pseudo/ADBE Trace Path-0001'), 100);\n"
    "var pathTan = pathToTrace.tangentOnPath(progress);\n"
    "$bm_rt = radiansToDegrees(Math.atan2(pathTan[1], pathTan[0]));"
)
#: The loop it gives the effect's Progress: only while the effect's Loop box is ticked.
GUARDED_LOOP = (
    "var $bm_rt;\n"
    "if (thisProperty.propertyGroup(1)('Pseudo/ADBE Trace Path-0002') == true"
    " && thisProperty.numKeys > 1) {\n"
    "    $bm_rt = thisProperty.loopOut('cycle');\n"
    "} else {\n"
    "    $bm_rt = value;\n"
    "}"
)


#: The traced path's curve (in layer "Track", moved to (100, 100)): an arch.
ARCH = [[-80, 0], [-80, -100], [80, -100], [80, 0]]


def _arch(end: float = ARCH[-1][0]) -> tuple[np.ndarray, np.ndarray]:
    """20001 points along the arch with its end at x ``end``, in its layer, and the length
    up to each."""
    t = np.linspace(0, 1, 20001)[:, None]
    a, b, c, d = (np.array(p, float) for p in ([*ARCH[:2], [end, -100], [end, 0]]))
    points = (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t * t * c + t**3 * d
    return points, np.concatenate([[0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])


def _along_arch(share: float) -> tuple[np.ndarray, np.ndarray]:
    """The point at ``share`` of the arch's length in the composition, and the unit vector
    along it there."""
    points, lengths = _arch()
    i = int(np.searchsorted(lengths, share * lengths[-1]))
    i = min(max(i, 1), len(points) - 2)
    along = points[i + 1] - points[i - 1]
    return points[i] + [100, 100], along / np.hypot(*along)


def _tracing_document() -> dict[str, object]:
    """A null tracing an arch of layer "Track", turned along it, its Progress 0 to 100 over
    frames 0-20, looping; under the null a red dot and a blue square 16 px ahead of it; a
    green square whose opacity is the null's Progress."""
    progress = {"a": 1, "x": GUARDED_LOOP, "k": [
        {"t": 0, "s": [0], "o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}},
        {"t": 20, "s": [100]}]}  # fmt: skip
    effect = {"ty": 5, "nm": "Trace Path", "mn": "Pseudo/ADBE Trace Path", "en": 1, "ef": [
        {"ty": 0, "nm": "Progress", "mn": "Pseudo/ADBE Trace Path-0001", "v": progress},
        {"ty": 7, "nm": "Loop", "mn": "Pseudo/ADBE Trace Path-0002", "v": _static(1)}]}  # fmt: skip
    null = _layer(1, 3, _transform({"a": 0, "k": [0, 0, 0], "x": TRACE}), nm="Null", ef=[effect])
    null["ks"]["r"] = {"a": 0, "k": 0, "x": TURN}  # type: ignore[index]
    dot = _layer(2, 4, _transform(_static([0, 0, 0])), parent=1, shapes=[
        {"ty": "gr", "it": [{"ty": "el", "p": _static([0, 0]), "s": _static([16, 16])},
                            {"ty": "fl", "c": _static([1, 0, 0, 1]), "o": _static(100), "r": 1}]},
        {"ty": "gr", "it": [{"ty": "rc", "p": _static([16, 0]), "s": _static([4, 4]),
                             "r": _static(0)},
                            {"ty": "fl", "c": _static([0, 0, 1, 1]), "o": _static(100), "r": 1}]},
    ])  # fmt: skip
    fade = "var $bm_rt;\n$bm_rt = thisComp.layer('Null').effect('Trace Path')('Progress');"
    square = _layer(
        3,
        4,
        _transform(_static([180, 20, 0])),
        shapes=[
            {"ty": "rc", "p": _static([0, 0]), "s": _static([20, 20]), "r": _static(0)},
            {"ty": "fl", "c": _static([0, 1, 0, 1]), "o": {"a": 0, "k": 100, "x": fade}, "r": 1},
        ],
    )
    line = {"c": False, "v": ARCH[::3], "i": [[0, 0], [0, -100]], "o": [[0, -100], [0, 0]]}
    track = _layer(
        4,
        4,
        _transform(_static([100, 100, 0])),
        nm="Track",
        shapes=[_stroked(_static(line), [0, 0, 0, 1], 1)],
    )
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 30, "w": 200, "h": 200,
            "layers": [null, dot, square, track]}  # fmt: skip


def _tracing_a_followed_path() -> dict[str, object]:
    """:func:`_tracing_document` with the arch's end saved 20 units short (x 60) and moved
    back to x 80 by a null it follows ("Points Follow Nulls")."""
    doc = _tracing_document()
    layers = doc["layers"]
    assert isinstance(layers, list)
    track = layers[3]
    path = track["shapes"][0]["it"][0]["ks"]
    path["k"]["v"] = [[-80, 0], [60, 0]]
    path["x"] = FOLLOW
    track["ef"] = [{"ty": 5, "nm": "Shape Layer 1: Path 1 [1.1.1]", "mn": "ADBE Layer Control",
                    "en": 1, "ef": [{"ty": 10, "nm": "Layer", "mn": "ADBE Layer Control-0001",
                                     "v": _static(5)}]}]  # fmt: skip
    layers.append(_layer(5, 3, _transform(_static([180, 100, 0]))))
    return doc


def _tracing_a_moving_path() -> dict[str, object]:
    """:func:`_tracing_a_followed_path` with the null the arch's end follows moving from x
    150 to x 200 over frames 0-29: the arch widens as the dot goes along it."""
    doc = _tracing_a_followed_path()
    layers = doc["layers"]
    assert isinstance(layers, list)
    layers[4]["ks"]["p"] = {"a": 1, "k": [
        {"t": 0, "s": [150, 100, 0], "o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}},
        {"t": 29, "s": [200, 100, 0]}]}  # fmt: skip
    return doc


def _along_moving_arch(frame: int, share: float) -> np.ndarray:
    """Where lottie-web puts the dot of :func:`_tracing_a_moving_path`: at the curve
    parameter that ``share`` of the arch's length gives as measured at frame 0 (lottie-web
    measures a traced path once and keeps the lengths), on the arch as it is at ``frame``."""
    _, lengths = _arch(50)
    at = int(np.searchsorted(lengths, share * lengths[-1]))
    return np.asarray(_arch(50 + 50 * frame / 29)[0][at] + [100, 100])


def test_a_null_tracing_a_moving_path_keeps_the_lengths_lottie_web_measured_first(
    tmp_path: Path,
) -> None:
    """The traced arch widens as the dot goes: the dot is where lottie-web puts it, at the
    share of the arch's length measured on the first frame, on the arch as it is now (up
    to 6 px from the share of its length now; lottie-web's test animation lights.json
    drew its bulbs 12 px off before, 0.42% of pixels)."""
    comp = tmp_path / "moving.json"
    comp.write_text(json.dumps(_tracing_a_moving_path()))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:30", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    for frame in (5, 15, 22, 25):
        rgba = read_png(tmp_path / "out" / f"frame_{frame:06d}.png").astype(int)
        red = np.argwhere((rgba[..., 0] > 200) & (rgba[..., 1] < 60) & (rgba[..., 3] > 200))
        y, x = red.mean(axis=0) + 0.5
        point = _along_moving_arch(frame, (frame % 20) / 20)
        assert np.hypot(x - point[0], y - point[1]) < 1, (frame, x, y, point)


@pytest.mark.parametrize("document", [_tracing_document, _tracing_a_followed_path])
def test_a_null_traces_its_path_by_the_share_of_its_length(
    document: Callable[[], dict[str, object]], tmp_path: Path
) -> None:
    """The dot is that share of the arch's length along it, in the loop's second round
    too (ThorVG alone read the path as nothing: the dot sat at the corner; with the path
    named by content() it took the share as the curve's parameter, 15% of the way at 25%
    on a line), turned along the arch, and the square fades in with the Progress (an animated effect
    value that ThorVG alone reads as nothing); also where the arch's end follows a null
    (the arch is baked first, then traced at every frame: the traced path was the one the
    file saved)."""
    comp = tmp_path / "trace.json"
    comp.write_text(json.dumps(document()))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:30", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    for frame in (5, 10, 15, 22, 25):
        share = (frame % 20) / 20
        rgba = read_png(tmp_path / "out" / f"frame_{frame:06d}.png").astype(int)
        red = np.argwhere((rgba[..., 0] > 200) & (rgba[..., 1] < 60) & (rgba[..., 3] > 200))
        assert len(red) > 50, f"frame {frame}: no dot"
        y, x = red.mean(axis=0) + 0.5
        point, along = _along_arch(share)
        assert np.hypot(x - point[0], y - point[1]) < 1, (frame, x, y, point)
        blue = np.argwhere((rgba[..., 2] > 200) & (rgba[..., 0] < 60) & (rgba[..., 3] > 200))
        ahead = blue.mean(axis=0)[::-1] + 0.5 - [x, y]
        assert np.hypot(*(ahead - 16 * along)) < 1, (frame, ahead, 16 * along)
        green = rgba[20, 180]
        assert abs(green[3] - 255 * share) < 8, (frame, green)
