"""ThorVG bugs worked around by rewriting a Lottie document before it is loaded
(:mod:`studio_render.compositions.lottie_fixes`), checked on rendered pictures."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio_render.compositions.lottie_fixes import rewrite
from studio_render.compositions.lottie_tree import objects
from tests.cli import lottie_frame, studio_render
from tests.image_compare import read_png, write_png

Easing = tuple[str | None, tuple[float, float], tuple[float, float]]  # name, out, in

#: Two After Effects easing names that share their first 20 characters (ThorVG's limit).
LINEAR: Easing = ("0p833_0p833_0p167_0p167", (0.167, 0.167), (0.833, 0.833))
EASED: Easing = ("0p833_0p833_0p167_0p9", (0.167, 0.9), (0.833, 0.833))
#: Two unnamed overshooting easings: ThorVG keys them "0.83_0.83_0.30_-0.2", cut at 19 characters.
OVERSHOOT: Easing = (None, (0.3, -0.2), (0.833, 0.833))
DEEPER: Easing = (None, (0.3, -0.29), (0.833, 0.833))


def _eased(u: float, out: tuple[float, float], into: tuple[float, float]) -> float:
    """The progress a cubic-bezier easing (0,0)-out-into-(1,1) gives at time share ``u``."""

    def bezier(t: float, a: float, b: float) -> float:
        return 3 * a * t * (1 - t) ** 2 + 3 * b * t * t * (1 - t) + t**3

    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if bezier(mid, out[0], into[0]) < u else (lo, mid)
    return bezier(lo, out[1], into[1])


def _square(index: int, y: int, colour: list[float], easing: Easing) -> dict[str, object]:
    """A 20-pixel square layer sliding from x=20 to x=380 over frames 0-50."""
    name, out, into = easing
    first = {"t": 0, "s": [20, y], "o": {"x": [out[0]], "y": [out[1]]},
             "i": {"x": [into[0]], "y": [into[1]]}}  # fmt: skip
    if name is not None:
        first["n"] = name
    position = {"a": 1, "k": [first, {"t": 50, "s": [380, y]}]}
    shapes = [{"ty": "gr", "it": [
        {"ty": "rc", "d": 1, "s": {"a": 0, "k": [20, 20]}, "p": {"a": 0, "k": [0, 0]},
         "r": {"a": 0, "k": 0}},
        {"ty": "fl", "c": {"a": 0, "k": colour}, "o": {"a": 0, "k": 100}, "r": 1},
        {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
         "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}},
    ]}]  # fmt: skip
    transform = {"p": position, "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                 "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}}  # fmt: skip
    return {"ty": 4, "ind": index, "ip": 0, "op": 60, "st": 0, "sr": 1, "ks": transform,
            "shapes": shapes}  # fmt: skip


def _colliding_file(folder: Path, red: Easing, blue: Easing) -> Path:
    """A red square above a blue one, eased differently under keys ThorVG confuses, and a
    green image beside the file (so a rewritten document must still find its images)."""
    (folder / "images").mkdir()
    write_png(folder / "images" / "dot.png", np.full((20, 20, 4), (0, 200, 0, 255), np.uint8))
    image = {"ty": 2, "ind": 3, "refId": "dot", "ip": 0, "op": 60, "st": 0, "sr": 1, "ks": {
        "p": {"a": 0, "k": [190, 90]}, "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
        "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}}}  # fmt: skip
    doc = {
        "v": "5.5.2", "fr": 30, "ip": 0, "op": 60, "w": 400, "h": 200,
        "assets": [{"id": "dot", "w": 20, "h": 20, "u": "images/", "p": "dot.png", "e": 0}],
        "layers": [image, _square(1, 40, [1, 0, 0, 1], red), _square(2, 160, [0, 0, 1, 1], blue)],
    }  # fmt: skip
    path = folder / "two easings.json"
    path.write_text(json.dumps(doc))
    return path


def _centre_x(rgb: np.ndarray, channel: int) -> float:
    others = [c for c in range(3) if c != channel]
    mask = (rgb[..., channel] > 200) & (rgb[..., others].max(axis=2) < 60)
    assert mask.sum() > 300, f"no square drawn in channel {channel}"
    return float(np.nonzero(mask)[1].mean())


@pytest.mark.parametrize(("red", "blue"), [(LINEAR, EASED), (OVERSHOOT, DEEPER)])
def test_easings_that_thorvg_would_confuse_keep_their_own_curves(
    red: Easing, blue: Easing, tmp_path: Path
) -> None:
    """Each square is where its own easing puts it (ThorVG alone moves both alike), and
    the image beside the file is still drawn: easings named alike in their first 20
    characters, and unnamed ones alike to two decimals."""
    comp = _colliding_file(tmp_path, red, blue)
    done = studio_render("render", comp, "-o", tmp_path / "frames", "--preset", "png",
                         "--frames", "20:21", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rgb = read_png(tmp_path / "frames" / "frame_000020.png")[..., :3]
    for channel, (_, out, into) in ((0, red), (2, blue)):
        expected = 20 + 360 * _eased(20 / 50, out, into)
        assert abs(_centre_x(rgb, channel) - expected) < 1.5, (channel, expected)
    assert (rgb[95:105, 195:205] == (0, 200, 0)).all(), "the image beside the file is missing"


def _found(doc: object, pick: Callable[[dict[str, Any]], object]) -> list[object]:
    """What ``pick`` finds in each JSON object of ``doc`` (None: nothing), in document order."""
    if isinstance(doc, list):
        return [found for item in doc for found in _found(item, pick)]
    if not isinstance(doc, dict):
        return []
    own = pick(doc)
    return ([] if own is None else [own]) + _found(list(doc.values()), pick)


def _names(doc: object) -> list[object]:
    """Every ``"n"`` (an easing's name) in ``doc``, in order."""
    return _found(doc, lambda item: item.get("n"))


def test_documents_without_confusable_names_are_loaded_untouched(corpus: Path) -> None:
    """A document with nothing to fix loads untouched; one with easing names ThorVG would
    confuse gets only those names rewritten: short, unique, never one already in it."""
    assert rewrite((corpus / "spin,_lil_loader_v2.json").read_bytes()) is None
    gears = (corpus / "gears.json").read_bytes()  # its names all distinct
    fixed_gears = rewrite(gears)  # its colours cut to 8 bits (see below)
    assert fixed_gears is not None
    assert _names(json.loads(fixed_gears)) == _names(json.loads(gears))
    data = (
        b'{"k":[{"n":["0p833_0p833_0p167_0p167"]},{"n": "0p833_0p833_0p167_0p179"},'
        b'{"n":"~0"},{"n":"0p5_0p5"},{"n":"0p833_0p833_0p167_0p179"}]}'
    )
    fixed = rewrite(data)
    assert fixed is not None
    names = [k["n"] for k in json.loads(fixed)["k"]]
    assert names[2:4] == ["~0", "0p5_0p5"]
    first = names[0][0]
    assert first not in ("~0", names[1]) and names[1] == names[4]
    assert all(len(n) < 20 for n in (first, names[1]))


def test_the_walk_finds_every_object_of_real_files_parents_first(corpus: Path) -> None:
    """The rewrites' walk skips arrays of numbers but finds every object a full walk finds,
    each before the objects it holds, in every corpus file (keyframes in arrays of arrays
    included)."""

    def every_object(value: object) -> list[int]:
        if isinstance(value, dict):
            return [id(value)] + [i for v in value.values() for i in every_object(v)]
        if isinstance(value, list):
            return [i for v in value for i in every_object(v)]
        return []

    files = sorted(corpus.glob("*.json"))
    assert len(files) >= 10
    for path in files:
        doc = json.loads(path.read_bytes())
        seen = [id(item) for item in objects(doc)]
        assert sorted(seen) == sorted(every_object(doc)), path.name
        place = {i: n for n, i in enumerate(seen)}
        for item in objects(doc):
            assert all(place[id(item)] < place[child] for child in every_object(item)[1:])
    nested = {"k": [[{"t": 0, "s": [1, 2]}], [3, 4]]}
    assert [item.get("t") for item in objects(nested)] == [None, 0]


def test_a_translucent_solid_layer_is_drawn_at_its_own_opacity(tmp_path: Path) -> None:
    """A solid layer fading in to 27% covers 27% of each pixel (ThorVG alone: 7%, its
    opacity applied twice), keeps its colour, and an opaque solid stays as it was."""
    fade = {"a": 1, "k": [{"t": 0, "s": [0], "o": {"x": [0], "y": [0]},
                           "i": {"x": [1], "y": [1]}}, {"t": 10, "s": [27]}]}  # fmt: skip

    def solid(index: int, colour: str, opacity: object, x: int) -> dict[str, object]:
        transform = {"o": opacity, "p": {"a": 0, "k": [x, 0]}, "a": {"a": 0, "k": [0, 0]},
                     "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
        return {"ty": 1, "ind": index, "sc": colour, "sw": 50, "sh": 100, "ip": 0, "op": 30,
                "st": 0, "sr": 1, "ks": transform}  # fmt: skip

    doc = {"v": "5.5.2", "fr": 30, "ip": 0, "op": 30, "w": 100, "h": 100, "layers": [
        solid(1, "#00b1ff", fade, 0), solid(2, "#ff8000", {"a": 0, "k": 100}, 50)]}  # fmt: skip
    comp = tmp_path / "solids.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "frames", "--preset", "png",
                         "--frames", "20:21", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rgba = read_png(tmp_path / "frames" / "frame_000020.png").astype(int)
    faded, opaque = rgba[10:90, 5:45], rgba[10:90, 55:95]
    assert (abs(faded[..., 3] - 0.27 * 255) <= 2).all(), faded[0, 0]
    assert (abs(faded[..., :3] - (0, 177, 255)) <= 3).all(), faded[0, 0]
    assert (opaque == (255, 128, 0, 255)).all(), opaque[0, 0]


#: A curve from the bottom left to the top right, bowed towards the top left.
START, END, OUT_TANGENT, IN_TANGENT = (50, 350), (350, 50), (0, -300), (-300, 0)


def _along_curve(share: float) -> tuple[float, float]:
    """The point at ``share`` of the curve's length, measured finely (20,000 pieces)."""
    t = np.linspace(0, 1, 20001)[:, None]
    c1, c2 = np.add(START, OUT_TANGENT), np.add(END, IN_TANGENT)
    points = (1 - t) ** 3 * START + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t * t * c2
    points += t**3 * END
    lengths = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    x, y = points[np.searchsorted(lengths, share * lengths[-1])]
    return float(x), float(y)


def _along_the_curve(shapes: list[dict[str, object]]) -> dict[str, object]:
    """A shape layer of ``shapes`` moving steadily along the curve above over frames 0-40."""
    path = {"a": 1, "k": [
        {"t": 0, "s": list(START), "to": list(OUT_TANGENT), "ti": list(IN_TANGENT),
         "o": {"x": 0, "y": 0}, "i": {"x": 1, "y": 1}},
        {"t": 40, "s": list(END)},
    ]}  # fmt: skip
    transform = {"p": path, "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                 "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}}  # fmt: skip
    return {"ty": 4, "ind": 1, "ip": 0, "op": 60, "st": 0, "sr": 1, "ks": transform,
            "shapes": shapes}  # fmt: skip


def test_a_dot_on_a_curved_path_is_where_its_share_of_the_length_puts_it(
    tmp_path: Path,
) -> None:
    """A dot moving steadily along a curve over frames 0-40 is at k/40 of the curve's
    length at frame k, whole frames and in-between ones (``--fps`` twice the file's)
    alike. ThorVG alone estimates the length and is up to 2.6 px off here."""
    dot = [{"ty": "gr", "it": [
        {"ty": "el", "d": 1, "s": {"a": 0, "k": [16, 16]}, "p": {"a": 0, "k": [0, 0]}},
        {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1},
        {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
         "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}},
    ]}]  # fmt: skip
    layer = _along_the_curve(dot)
    comp = tmp_path / "curve.json"
    comp.write_text(json.dumps({"v": "5.5.2", "fr": 30, "ip": 0, "op": 60, "w": 400, "h": 400,
                                "layers": [layer]}))  # fmt: skip
    for fps, frame, share in ((30, 12, 12 / 40), (30, 28, 28 / 40), (60, 17, 8.5 / 40)):
        out = tmp_path / f"at {fps}"
        done = studio_render("render", comp, "-o", out, "--preset", "png", "--fps", fps,
                             "--frames", f"{frame}:{frame + 1}", "--progress", "none")  # fmt: skip
        assert done.returncode == 0, done.stderr
        alpha = read_png(out / f"frame_{frame:06d}.png")[..., 3]
        ys, xs = np.nonzero(alpha > 128)
        centre = (xs.mean() + 0.5, ys.mean() + 0.5)
        expected = _along_curve(share)
        assert np.hypot(*np.subtract(centre, expected)) < 0.75, (fps, frame, centre, expected)


def test_tangents_on_the_line_of_a_3d_position_move_it_straight(tmp_path: Path) -> None:
    """A 3D position whose tangents lie on its line, one pointing past the end, moves
    straight from start to end, as lottie-web moves it (it drops such tangents as it loads
    the keyframes; measured there: y 100, 200, 225 at frames 10, 30, 35). Followed as a
    curve, the dot went past the end and came back (y 258 at frame 30)."""
    dot = [
        {"ty": "el", "d": 1, "s": {"a": 0, "k": [16, 16]}, "p": {"a": 0, "k": [0, 0]}},
        {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1},
    ]
    path = {"a": 1, "k": [
        {"t": 0, "s": [100, 50, 0], "to": [0, 20, 0], "ti": [0, 150, 0],
         "o": {"x": 0, "y": 0}, "i": {"x": 1, "y": 1}},
        {"t": 40, "s": [100, 250, 0]},
    ]}  # fmt: skip
    transform = {"p": path, "a": {"a": 0, "k": [0, 0, 0]}, "s": {"a": 0, "k": [100, 100, 100]},
                 "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 60, "st": 0, "sr": 1, "ks": transform,
             "shapes": dot}  # fmt: skip
    comp = tmp_path / "line.json"
    comp.write_text(json.dumps({"v": "5.5.2", "fr": 30, "ip": 0, "op": 60, "w": 200, "h": 400,
                                "layers": [layer]}))  # fmt: skip
    for frame, y in ((10, 100), (30, 200), (35, 225)):
        out = tmp_path / f"at {frame}"
        done = studio_render("render", comp, "-o", out, "--preset", "png",
                             "--frames", f"{frame}:{frame + 1}", "--progress", "none")  # fmt: skip
        assert done.returncode == 0, done.stderr
        alpha = read_png(out / f"frame_{frame:06d}.png")[..., 3]
        ys, xs = np.nonzero(alpha > 128)
        centre = (xs.mean() + 0.5, ys.mean() + 0.5)
        assert np.hypot(centre[0] - 100, centre[1] - y) < 0.75, (frame, centre)


def _lottie_web_direction(share: float) -> float:
    """The direction (degrees) lottie-web gives a point at ``share`` of the curve above:
    it samples the curve at 150 points, so a point moves along straight pieces."""
    t = np.linspace(0, 1, 150)[:, None]
    c1, c2 = np.add(START, OUT_TANGENT), np.add(END, IN_TANGENT)
    points = (1 - t) ** 3 * START + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t * t * c2
    points += t**3 * END
    lengths = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    piece = int(np.searchsorted(lengths, share * lengths[-1]))
    dx, dy = points[piece] - points[piece - 1]
    return float(np.degrees(np.arctan2(dy, dx)))


def _auto_oriented_bar() -> dict[str, object]:
    """A 120x4 bar, auto-oriented, moving steadily along the curve above over frames 0-40."""
    red = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    bar = [{"ty": "rc", "d": 1, "s": {"a": 0, "k": [120, 4]}, "p": {"a": 0, "k": [0, 0]},
            "r": {"a": 0, "k": 0}}, red]  # fmt: skip
    layer = {**_along_the_curve(bar), "ao": 1}
    return {"v": "5.5.2", "fr": 30, "ip": 0, "op": 60, "w": 400, "h": 400, "layers": [layer]}


@pytest.mark.parametrize("start", [0, 20])
def test_an_auto_oriented_bar_turns_with_its_motion_as_in_lottie_web(
    start: int, tmp_path: Path
) -> None:
    """A bar moving steadily along the curve above, auto-oriented, points along the
    direction from where it was 0.01 frames before (lottie-web's rule: the piece of its
    sampled curve it is on), and is where its share of the length puts it. ThorVG alone
    turns it by its own curve's tangent (0.27-0.38 degrees off at these frames) and puts
    it 2.4 px off. A layer that starts later (``st``) turns the same: its keyframes count
    the composition's frames (lottie-web's position and turn at frame 18 are the same for
    a start of 0 and of 20); the bake counted them from the start, turning a ghost
    through the first frames' directions 20 frames late (thorvg.example's ghost2)."""
    doc = _auto_oriented_bar()
    doc["layers"][0]["st"] = start  # type: ignore[index]
    for frame in (18, 22, 30):
        (tmp_path / str(frame)).mkdir()
        alpha = _frame(doc, tmp_path / str(frame), frame)[..., 3].astype(float)
        ys, xs = np.nonzero(alpha)
        weights = alpha[ys, xs]
        centre = np.array([np.average(xs, weights=weights), np.average(ys, weights=weights)])
        spread = np.cov(np.stack([xs, ys]) - centre[:, None], aweights=weights)
        axis = np.linalg.eigh(spread)[1][:, -1]
        drawn = np.degrees(np.arctan2(axis[1], axis[0])) % 180
        expected = _lottie_web_direction(frame / 40) % 180
        assert abs((drawn - expected + 90) % 180 - 90) < 0.1, (frame, drawn, expected)
        assert np.hypot(*(centre + 0.5 - _along_curve(frame / 40))) < 0.75, (frame, centre)


_KEYS = ["a", "k", "t", "s", "e", "to", "ti", "i", "o", "x", "y", "n", "h", "ty", "sc", "sw",
         "sh", "ks", "layers", "assets", "ao", "p", "pt", "sy", "os", "is", "ef", "v", "shapes",
         "it", "ind", "parent", "ip", "op", "st", "nm", "masksProperties", "mode", "or", "r",
         "d", "tm"]  # fmt: skip
_FOLLOW = "var nullLayerNames = ['~0']; createPath(fromCompToSurface(c.toComp(a)));"
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-1e3, 1e3) | st.sampled_from(
        ["#00b1ff", "0p833_0p833_0p167_0p167", "0p833_0p833_0p167_0p179", "~0", "sr", "gr",
         _FOLLOW, "loopOut('cycle')", "tm", "d", "i"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner,
                                                                  max_size=6),
    max_leaves=40,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(doc=st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6))
def test_any_document_is_rewritten_to_json_or_left_alone(doc: dict[str, object]) -> None:
    """Whatever shape a document has, the rewrite never fails: it leaves the document
    alone or gives JSON (ThorVG then reads it, or names what is wrong with it)."""
    fixed = rewrite(json.dumps(doc).encode())
    if fixed is not None:
        assert isinstance(json.loads(fixed), dict)


def test_a_segment_of_a_billion_frames_is_left_to_thorvg() -> None:
    """A malformed file's endless curved segment loads at once, unbaked."""
    key = {"t": 0, "s": [0, 0], "to": [10, 0], "ti": [0, 10], "o": {"x": 0.2, "y": 0},
           "i": {"x": 0.8, "y": 1}, "n": "e"}  # fmt: skip
    doc = {"layers": [{"ks": {"p": {"a": 1, "k": [key, {"t": 1e9, "s": [100, 100]}]}}}]}
    assert rewrite(json.dumps(doc).encode()) is None


def test_a_layer_shows_from_its_in_point_to_its_out_point_to_the_frame(tmp_path: Path) -> None:
    """A square with in point 5.00000020365417 and out point 10.0000002 (as After Effects
    writes them) is hidden at frame 5 and shown at frames 6 and 10, as lottie-web draws it;
    ThorVG alone, reading both as 32-bit floats (5.0, 10.0), shows it one frame early and
    hides it one frame early."""
    square = _square(1, 100, [1, 0, 0, 1], LINEAR)
    square.update(ip=5.00000020365417, op=10.0000002)
    comp = tmp_path / "in and out.json"
    comp.write_text(json.dumps({"v": "5.5.2", "fr": 30, "ip": 0, "op": 20, "w": 400, "h": 200,
                                "layers": [square]}))  # fmt: skip
    done = studio_render("render", comp, "-o", tmp_path / "frames", "--preset", "png",
                         "--frames", "5:11", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = {n: bool(read_png(tmp_path / "frames" / f"frame_{n:06d}.png")[..., 3].any())
             for n in (5, 6, 10)}  # fmt: skip
    assert shown == {5: False, 6: True, 10: True}


def _frame(doc: dict[str, object], tmp_path: Path, frame: int = 0) -> np.ndarray:
    """Frame ``frame`` of ``doc`` through the command line (``--preset png``): RGBA, as ints."""
    return lottie_frame(doc, tmp_path, frame)


def _fill_effect(rgb: list[float]) -> dict[str, object]:
    """After Effects' Fill effect (``ty`` 21) as Bodymovin exports it, all masks off."""
    values = [("Fill Mask", 10, 0), ("All Masks", 7, 0), ("Color", 2, [*rgb, 1]),
              ("Invert", 7, 0), ("Horizontal Feather", 0, 0), ("Vertical Feather", 0, 0),
              ("Opacity", 0, 1)]  # fmt: skip
    return {"ty": 21, "nm": "Fill", "en": 1,
            "ef": [{"ty": t, "nm": n, "v": {"a": 0, "k": k}} for n, t, k in values]}  # fmt: skip


def test_a_fill_effect_on_a_masked_precomposition_stays_inside_the_mask(
    tmp_path: Path,
) -> None:
    """A red 200x200 precomposition, masked to its middle 100x100 and filled green by a
    Fill effect: green inside the mask, nothing outside (ThorVG alone fills it all)."""
    identity = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0, 0]},
                "a": {"a": 0, "k": [0, 0, 0]}, "s": {"a": 0, "k": [100, 100, 100]},
                "r": {"a": 0, "k": 0}}  # fmt: skip
    red = {"ty": 4, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": identity,
           "shapes": [{"ty": "gr", "it": [
               {"ty": "rc", "d": 1, "s": {"a": 0, "k": [200, 200]}, "p": {"a": 0, "k": [100, 100]},
                "r": {"a": 0, "k": 0}},
               {"ty": "fl", "c": {"a": 0, "k": [0.8, 0.1, 0.1, 1]}, "o": {"a": 0, "k": 100},
                "r": 1},
               {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}},
           ]}]}  # fmt: skip
    square = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True,
              "v": [[50, 50], [150, 50], [150, 150], [50, 150]]}  # fmt: skip
    mask = {"inv": False, "mode": "a", "o": {"a": 0, "k": 100}, "x": {"a": 0, "k": 0},
            "pt": {"a": 0, "k": square}}  # fmt: skip
    layer = {"ty": 0, "ind": 1, "refId": "red", "w": 200, "h": 200, "ip": 0, "op": 10, "st": 0,
             "sr": 1, "ks": identity, "hasMask": True, "masksProperties": [mask],
             "ef": [_fill_effect([0.2, 0.8, 0.2])]}  # fmt: skip
    doc = {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": 200, "h": 200, "ddd": 0,
           "assets": [{"id": "red", "layers": [red]}], "layers": [layer]}  # fmt: skip
    rgba = _frame(doc, tmp_path)
    assert (rgba[60:140, 60:140] == [51, 204, 51, 255]).all()
    outside = np.ones((200, 200), bool)
    outside[45:155, 45:155] = False
    assert (rgba[outside][:, 3] == 0).all(), "the fill escaped the mask"


def _masked_layer_doc(kind: str) -> dict[str, object]:
    """A 200x200 document: a masked ``kind`` ("shape" or "text") layer with a Fill effect."""
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [100, 100, 0]},
                 "a": {"a": 1, "k": [{"t": 0, "s": [0, 0, 0], "o": {"x": [0.3], "y": [0]},
                                      "i": {"x": [0.7], "y": [1]}}, {"t": 10, "s": [0, 0, 0]}]},
                 "s": {"a": 0, "k": [100, 100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    corners = [[-50, -50], [50, -50], [50, 50], [-50, 50]]
    square = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True, "v": corners}
    mask = {"inv": False, "mode": "a", "o": {"a": 0, "k": 100}, "x": {"a": 0, "k": 0},
            "pt": {"a": 1, "k": [{"t": 0, "s": [square], "o": {"x": 0.3, "y": 0},
                                  "i": {"x": 0.7, "y": 1}}, {"t": 10, "s": [square]}]}}  # fmt: skip
    layer: dict[str, object] = {"ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": transform,
                                "hasMask": True, "masksProperties": [mask],
                                "ef": [_fill_effect([0.2, 0.8, 0.2])]}  # fmt: skip
    extra: dict[str, object] = {}
    if kind == "shape":
        layer.update(ty=4, shapes=[{"ty": "gr", "it": [
            {"ty": "rc", "d": 1, "s": {"a": 0, "k": [400, 400]}, "p": {"a": 0, "k": [0, 0]},
             "r": {"a": 0, "k": 0}},
            {"ty": "fl", "c": {"a": 0, "k": [0.8, 0.1, 0.1, 1]}, "o": {"a": 0, "k": 100}, "r": 1},
            {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
             "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}, "o": {"a": 0, "k": 100}},
        ]}])  # fmt: skip
    else:  # "MM": two glyphs of a 100x100 square each, as Bodymovin exports glyphs
        box = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True,
               "v": [[0, -100], [100, -100], [100, 0], [0, 0]]}  # fmt: skip
        drawing = {"shapes": [{"ty": "gr", "it": [{"ty": "sh", "ks": {"a": 0, "k": box}}]}]}
        glyph = {"ch": "M", "size": 100, "style": "Bold", "fFamily": "Box", "w": 100,
                 "data": drawing}  # fmt: skip
        extra = {"fonts": {"list": [{"fName": "Box-Bold", "fFamily": "Box", "fStyle": "Bold",
                                     "ascent": 75}]}, "chars": [glyph]}  # fmt: skip
        text = {"s": 100, "f": "Box-Bold", "t": "MM", "j": 2, "tr": 0, "lh": 120, "ls": 0,
                "fc": [0.8, 0.1, 0.1]}  # fmt: skip
        layer.update(ty=5, t={"d": {"k": [{"s": text, "t": 0}]}, "p": {}, "m": {"g": 1, "a": {
            "a": 0, "k": [0, 0]}}, "a": []})  # fmt: skip
        transform["p"] = {"a": 0, "k": [100, 150, 0]}  # the squares: 0-200 by 50-150
        for point in corners:
            point[1] -= 50
    doc = {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": 200, "h": 200, "ddd": 0,
           "layers": [layer], **extra}  # fmt: skip
    return doc


@pytest.mark.parametrize("kind", ["shape", "text"])
def test_a_fill_effect_on_a_masked_layer_stays_inside_the_mask(kind: str, tmp_path: Path) -> None:
    """A red layer drawn around its origin (a 400x400 square, or a line of text), moved to
    the middle of the frame, masked to the middle 100x100 and filled green by a Fill effect:
    green inside the mask, nothing outside (ThorVG alone fills it all)."""
    _green_in_the_middle_only(_frame(_masked_layer_doc(kind), tmp_path), "mask")


def _green_in_the_middle_only(rgba: np.ndarray, cover: str) -> None:
    """The Fill effect's green inside the middle 100x100 (the ``cover``: mask or matte),
    nothing outside."""
    inside = rgba[60:140, 60:140]
    assert (inside[inside[..., 3] == 255] == [51, 204, 51, 255]).all()
    assert (inside[..., 3] == 255).mean() > 0.5, f"the layer is not drawn inside the {cover}"
    outside = np.ones((200, 200), bool)
    outside[45:155, 45:155] = False
    assert (rgba[outside][:, 3] == 0).all(), f"the fill escaped the {cover}"


def test_a_fill_effect_on_a_matted_layer_stays_inside_the_matte(tmp_path: Path) -> None:
    """The same red square, filled green by a Fill effect, under an alpha track matte of
    the middle 100x100 (a layer above it) instead of a mask: green inside the matte,
    nothing outside (ThorVG alone fills it all: a pattern spilled out of its square)."""
    doc = _masked_layer_doc("shape")
    layer = doc["layers"][0]  # type: ignore[index]
    del layer["masksProperties"]
    layer.update(hasMask=False, tt=1, ind=2)
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [100, 100]}, "p": {"a": 0, "k": [0, 0]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    white = {"ty": "fl", "c": {"a": 0, "k": [1, 1, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    matte = {"ty": 4, "ind": 1, "td": 1, "ip": 0, "op": 10, "st": 0, "sr": 1,
             "ks": {"p": {"a": 0, "k": [100, 100, 0]}}, "shapes": [square, white]}  # fmt: skip
    doc["layers"] = [matte, layer]
    _green_in_the_middle_only(_frame(doc, tmp_path), "matte")


def test_an_effect_that_does_not_say_it_is_enabled_is_drawn(tmp_path: Path) -> None:
    """A Fill effect exported without ``"en"`` turns a red square green, as in lottie-web
    (ThorVG alone skips it)."""
    effect = _fill_effect([0.2, 0.8, 0.2])
    del effect["en"]
    layer = {**_square(1, 50, [0.8, 0.1, 0.1, 1], LINEAR), "ef": [effect]}
    doc = {"v": "5.7.4", "fr": 10, "ip": 0, "op": 60, "w": 400, "h": 100, "ddd": 0,
           "layers": [layer]}  # fmt: skip
    assert _frame(doc, tmp_path)[50, 20].tolist() == [51, 204, 51, 255]


def _repeated_squares(copies: dict[str, object]) -> dict[str, object]:
    """A layer of 20-pixel squares 40 pixels apart along a row: a repeater of ``copies``."""
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [20, 20]}, "p": {"a": 0, "k": [30, 50]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    step = {"ty": "tr", "p": {"a": 0, "k": [40, 0]}, "a": {"a": 0, "k": [0, 0]},
            "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}, "so": {"a": 0, "k": 100},
            "eo": {"a": 0, "k": 100}}  # fmt: skip
    repeater = {"ty": "rp", "c": copies, "o": {"a": 0, "k": 0}, "m": 1, "tr": step}
    layer = {**_square(1, 50, [1, 0, 0, 1], LINEAR), "shapes": [square, fill, repeater]}
    layer["ks"] = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                   "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 20, "w": 400, "h": 100, "layers": [layer]}


@pytest.mark.parametrize(
    ("copies", "frame", "drawn"),
    [({"a": 0, "k": 2.5}, 0, 3), ({"a": 0, "k": 4}, 0, 4),
     ({"a": 1, "k": [{"t": 0, "s": [0], "o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}},
                     {"t": 10, "s": [8]}]}, 3, 3)],  # 2.4 copies at frame 3
)  # fmt: skip
def test_a_repeater_draws_its_copy_count_rounded_up(
    copies: dict[str, object], frame: int, drawn: int, tmp_path: Path
) -> None:
    """lottie-web draws ``ceil(copies)`` squares (ThorVG alone: the count cut, one fewer
    between whole numbers)."""
    row = _frame(_repeated_squares(copies), tmp_path, frame)[50, :, 3] > 128
    assert int(row[0]) + int((row[1:] & ~row[:-1]).sum()) == drawn


@pytest.mark.parametrize("animated_flag", [True, False])
def test_each_dimension_of_a_size_eases_by_its_own_curve(
    animated_flag: bool, tmp_path: Path
) -> None:
    """A rectangle grows from 20x20 to 220x80 over frames 0-10, its width eased in hard
    and its height linearly (one keyframe, an easing per dimension): at frame 3 its width
    and height are each where their own curve puts them, as lottie-web draws it (ThorVG
    alone eases both by the width's curve). Also when the property does not say it is
    animated (``"a": 1``), as Bodymovin 4.5 and before wrote it."""
    out_ease, in_ease = {"x": [0.8, 0.0], "y": [0.0, 0.0]}, {"x": [1.0, 1.0], "y": [1.0, 1.0]}
    size: dict[str, object] = {"k": [{"t": 0, "s": [20, 20], "o": out_ease, "i": in_ease},
                                     {"t": 10, "s": [220, 80]}]}  # fmt: skip
    if animated_flag:
        size["a"] = 1
    rect = {"ty": "rc", "d": 1, "s": size, "p": {"a": 0, "k": [150, 50]}, "r": {"a": 0, "k": 0}}
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    layer = {**_square(1, 50, [1, 0, 0, 1], LINEAR), "shapes": [rect, fill]}
    layer["ks"] = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                   "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    doc = {"v": "5.7.4", "fr": 10, "ip": 0, "op": 20, "w": 300, "h": 100, "layers": [layer]}
    comp = tmp_path / "sizes.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "3:4", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    alpha = read_png(tmp_path / "out" / "frame_000003.png")[..., 3].astype(float) / 255
    width, height = alpha[50].sum(), alpha[:, 150].sum()
    assert width == pytest.approx(20 + 200 * _eased(0.3, (0.8, 0.0), (1.0, 1.0)), abs=1.5)
    assert height == pytest.approx(20 + 60 * 0.3, abs=1.5)


def _star_doc(points: dict[str, object], roundness: float = 0) -> dict[str, object]:
    """A white star (outer radius 80, inner 40) in the middle of a 200x200 frame."""
    star = {"ty": "sr", "sy": 1, "d": 1, "pt": points, "p": {"a": 0, "k": [0, 0]},
            "r": {"a": 0, "k": 0}, "or": {"a": 0, "k": 80}, "ir": {"a": 0, "k": 40},
            "os": {"a": 0, "k": roundness}, "is": {"a": 0, "k": roundness}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 1, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    return _shape_doc([star, fill])


def _shape_doc(shapes: list[dict[str, object]]) -> dict[str, object]:
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [100, 100]},
                 "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                 "r": {"a": 0, "k": 0}}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 20, "st": 0, "sr": 1, "ks": transform,
             "shapes": shapes}  # fmt: skip
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 20, "w": 200, "h": 200, "layers": [layer]}


def _tips(rgba: np.ndarray) -> int:
    """How many star points cross the circle of radius 50 around the middle (a partial
    point of 5.4 reaches 56): runs of at least 3 degrees inside the star along it."""
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    rows, columns = np.rint(100 + 50 * np.sin(angles)), np.rint(100 + 50 * np.cos(angles))
    inside = rgba[rows.astype(int), columns.astype(int), 3] > 128
    start = int(np.argmin(inside))  # begin outside, so no run wraps around
    runs = [len(list(run)) for drawn, run in itertools.groupby(np.roll(inside, -start)) if drawn]
    return sum(length >= 6 for length in runs)


@pytest.mark.parametrize(
    ("points", "frame"),
    [({"a": 0, "k": 5.5}, 0),
     ({"a": 1, "k": [{"t": 0, "s": [3], "o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}},
                     {"t": 10, "s": [9]}]}, 4)],  # 5.4 points at frame 4
)  # fmt: skip
def test_a_star_draws_its_whole_points_only(
    points: dict[str, object], frame: int, tmp_path: Path
) -> None:
    """lottie-web draws ``floor(points)`` points: 5 for 5.5 or 5.4 (ThorVG alone adds a
    partial sixth)."""
    assert _tips(_frame(_star_doc(points), tmp_path, frame)) == 5


def _lottie_web_star(points: int, outer: float, inner: float, roundness: float) -> dict:
    """The path lottie-web makes of a star (``convertStarToPath``)."""
    count = 2 * points
    vertices, ins, outs = [], [], []
    for i in range(count):
        radius = outer if i % 2 == 0 else inner
        handle = 2 * np.pi * radius / (count * 2) * roundness
        angle = -np.pi / 2 + i * 2 * np.pi / count
        x, y = radius * np.cos(angle), radius * np.sin(angle)
        ox, oy = y / radius, -x / radius
        vertices.append([x, y])
        ins.append([-ox * handle, -oy * handle])
        outs.append([ox * handle, oy * handle])
    return {"c": True, "v": vertices, "i": outs, "o": ins}


def test_a_round_star_has_the_corners_lottie_web_draws(tmp_path: Path) -> None:
    """A 5-point star at 150% roundness covers the pixels of the path lottie-web makes of
    it (ThorVG alone draws the corner handles 1.0875 times as long)."""
    pictures = []
    round_star = _star_doc({"a": 0, "k": 5}, roundness=150)
    path = {"ty": "sh", "ks": {"a": 0, "k": _lottie_web_star(5, 80, 40, 1.5)}}
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 1, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    for name, doc in (("star", round_star), ("path", _shape_doc([path, fill]))):
        folder = tmp_path / name
        folder.mkdir()
        pictures.append(_frame(doc, folder)[..., 3])
    star, path_drawn = pictures
    assert (path_drawn > 128).sum() > 5000
    assert (np.abs(star - path_drawn) > 48).mean() < 0.0005


def _documents_the_rewrites_change() -> list[dict[str, object]]:
    from tests.test_lottie_image_edges import _image_doc, _solid
    from tests.test_lottie_nulls import _document as following_nulls
    from tests.test_lottie_nulls import _tracing_document as tracing_null
    from tests.test_lottie_repeaters import repeated_doc, repeater
    from tests.test_lottie_slots import slotted_square
    from tests.test_lottie_text import _text_doc

    text = _text_doc("DejaVu Sans", "Bold")  # no outlines, a selector past its end
    selector = {"r": 2, "s": {"a": 0, "k": 200},
                "e": {"a": 1, "k": [{"t": 0, "s": [0]}, {"t": 5, "s": [3]}]}}  # fmt: skip
    text["layers"][0]["t"]["a"] = [{"s": selector, "a": {"o": {"a": 0, "k": 0}}}]  # type: ignore[index]
    points = {"a": 1, "k": [{"t": 0, "s": [3], "o": {"x": [0], "y": [0]},
                             "i": {"x": [1], "y": [1]}}, {"t": 10, "s": [9]}]}  # fmt: skip
    stars = _star_doc(points, roundness=50)
    square = _repeated_squares({"a": 0, "k": 1})["layers"][0]["shapes"][0]  # type: ignore[index]
    return [
        _masked_layer_doc("shape"),
        _masked_layer_doc("text"),
        stars,
        following_nulls(),
        tracing_null(),
        _auto_oriented_bar(),
        text,
        _stroked_square(_stroke_effect(1, end=60)),
        _old_square(),
        _set_matte_doc(),
        _two_masks_doc(_rect_mask("a", 0, 120, 50), _rect_mask("d", 80, 200, 50)),
        _trimmed_triangle_doc(),
        _null_easing_doc(),
        slotted_square(),
        repeated_doc([square, repeater(2.5, (30, 0), 50, 0.5)]),
        _image_doc(_solid(8, 6), 10, 3),
    ]


@settings(max_examples=500, deadline=None)
@given(data=st.data())
def test_any_damage_to_a_rewritten_document_is_rewritten_or_left_alone(data: st.DataObject) -> None:
    """Documents that the mask, stroke, star, polygon, null, keyframe and text rewrites
    change, with parts of them replaced by anything: the rewrite never fails (it gives JSON
    or leaves the document alone)."""
    doc = data.draw(st.sampled_from(_documents_the_rewrites_change()))
    for _ in range(data.draw(st.integers(1, 4))):
        parent, key = None, None
        node: object = doc
        while isinstance(node, dict | list) and node and data.draw(st.integers(0, 5)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, data.draw(st.sampled_from(keys))
            node = node[key]  # type: ignore[index]
        if parent is not None:
            parent[key] = data.draw(_VALUES)  # type: ignore[index]
    fixed = rewrite(json.dumps(doc).encode())
    if fixed is not None:
        assert isinstance(json.loads(fixed), dict)


def test_a_square_at_a_half_pixel_has_soft_edges_where_it_is(tmp_path: Path) -> None:
    """A 7x7 square from 16.5 to 23.5 covers its edge pixels half, as lottie-web draws it
    (ThorVG alone snaps it to whole pixels: hard edges, a half pixel off); a solid layer
    and a square with an invisible stroke (as exporters leave) too."""
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [7, 7]}, "p": {"a": 0, "k": [0, 0]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 1, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    no_stroke = {"ty": "st", "c": {"a": 0, "k": [0, 0, 0, 1]}, "o": {"a": 0, "k": 100},
                 "w": {"a": 0, "k": 0}, "lc": 1, "lj": 1}  # fmt: skip
    hidden_stroke = dict(no_stroke, w={"a": 0, "k": 4}, hd=True)
    stroke = dict(no_stroke, w={"a": 0, "k": 4})
    frame = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [40, 40]}, "p": {"a": 0, "k": [60, 60]},
             "r": {"a": 0, "k": 0}}  # fmt: skip
    stroked_elsewhere = [_group([square, fill]), _group([frame, stroke])]
    solid = _shape_doc([])
    solid["layers"][0].update(ty=1, sc="#ffffff", sw=7, sh=7)  # type: ignore[index]
    solid["layers"][0]["ks"]["a"] = {"a": 0, "k": [3.5, 3.5]}  # type: ignore[index]
    for name, doc in (("square", _shape_doc([square, fill])), ("solid", solid),
                      ("with a stroke", _shape_doc([square, no_stroke, fill])),
                      ("with a hidden stroke", _shape_doc([square, hidden_stroke, fill])),
                      ("a stroke in another group", _shape_doc(stroked_elsewhere))):  # fmt: skip
        doc["layers"][0]["ks"]["p"] = {"a": 0, "k": [20, 20]}  # type: ignore[index]
        folder = tmp_path / name
        folder.mkdir()
        alpha = _frame(doc, folder)[:40, :40, 3]  # the square's corner of the frame
        assert abs(alpha.sum() / 255 - 49) < 1, "the square's area"
        assert (alpha[17:23, 17:23] == 255).all()
        for edge in (alpha[16, 17:23], alpha[23, 17:23], alpha[17:23, 16], alpha[17:23, 23]):
            assert (abs(edge - 128) < 16).all(), f"{name}: edge coverage {edge}"


def test_a_rectangle_a_stroke_reaches_keeps_its_sharp_corners() -> None:
    """A rectangle stroked in its group, or in a group around its own, keeps no corner
    radius (a rounded corner would round the stroke's mitre join)."""
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [7, 7]}, "p": {"a": 0, "k": [0, 0]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    stroke = {"ty": "st", "c": {"a": 0, "k": [0, 0, 0, 1]}, "o": {"a": 0, "k": 100},
              "w": {"a": 0, "k": 4}, "lc": 1, "lj": 1}  # fmt: skip
    for shapes in ([square, stroke], [_group([square]), stroke],
                   [_group([_group([square]), stroke])]):  # fmt: skip
        doc = _shape_doc(shapes)
        fixed = rewrite(json.dumps(doc).encode())
        assert _radii(doc if fixed is None else json.loads(fixed)) == [0]


def _radii(doc: object) -> list[object]:
    """The corner radius of every rectangle in ``doc``."""
    return _found(doc, lambda item: item["r"]["k"] if item.get("ty") == "rc" else None)


def _group(items: list[dict[str, object]]) -> dict[str, object]:
    transform = {"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                 "o": {"a": 0, "k": 100}}  # fmt: skip
    return {"ty": "gr", "it": [*items, transform]}


def _stroke_effect(style: int, start: float = 0, end: float = 100) -> dict[str, object]:
    """After Effects' Stroke effect (``ty`` 22) as Bodymovin exports it: all masks, red,
    brush size 3, full opacity, painted in ``style`` (1 on the original, 2 on transparent)."""
    values = [(10, 1), (7, 1), (7, 0), (2, [1, 0, 0, 1]), (0, 3), (0, 0.75), (0, 1), (0, start),
              (0, end), (7, 15), (7, style)]  # fmt: skip
    return {"ty": 22, "nm": "Stroke", "en": 1,
            "ef": [{"ty": ty, "v": {"a": 0, "k": value}} for ty, value in values]}  # fmt: skip


def _stroked_square(effect: dict[str, object]) -> dict[str, object]:
    """A shape layer that is only a 100x100 square mask in the middle and ``effect``."""
    doc = _shape_doc([])
    corners = [[-50, -50], [50, -50], [50, 50], [-50, 50]]
    square = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True, "v": corners}
    mask = {"inv": False, "mode": "a", "o": {"a": 0, "k": 100}, "pt": {"a": 0, "k": square}}
    doc["layers"][0].update(hasMask=True, ef=[effect], masksProperties=[mask])  # type: ignore[index]
    return doc


@pytest.mark.parametrize("style", [1, 2])
def test_a_stroke_effect_draws_the_masks_as_lottie_web_does(style: int, tmp_path: Path) -> None:
    """A layer that is only a square mask and a Stroke effect: the square's outline in red,
    6 px wide (twice the brush size), nothing inside (ThorVG alone drew nothing)."""
    rgba = _frame(_stroked_square(_stroke_effect(style)), tmp_path)
    row = rgba[100, :, :]  # through the middle: the left and right edges at x = 50 and 150
    drawn = row[:, 3] > 128
    assert drawn[48:53].all() and drawn[148:153].all()
    assert (row[drawn][:, :3] == [255, 0, 0]).all()
    assert 5 <= drawn[40:60].sum() <= 7, "the stroke is not twice the brush size wide"
    assert not drawn[60:140].any() and not drawn[:40].any()


def test_a_stroke_effect_draws_from_its_start_to_its_end(tmp_path: Path) -> None:
    """Start 0 and end 50 draw half of the square's outline, as lottie-web trims it."""
    drawn = _frame(_stroked_square(_stroke_effect(2, end=50)), tmp_path)[..., 3] > 128
    whole = 4 * 100 * 6
    assert 0.4 * whole < drawn.sum() < 0.6 * whole


def _set_matte_doc() -> dict[str, object]:
    """A red 400x400 square with a Set Matte effect naming a white 100x100 square below it."""

    def square(index: int, size: int, rgb: list[float]) -> dict[str, object]:
        layer = _shape_doc([{"ty": "rc", "d": 1, "s": {"a": 0, "k": [size, size]},
                             "p": {"a": 0, "k": [0, 0]}, "r": {"a": 0, "k": 0}},
                            {"ty": "fl", "c": {"a": 0, "k": [*rgb, 1]}, "o": {"a": 0, "k": 100},
                             "r": 1}])["layers"][0]  # type: ignore[index]  # fmt: skip
        layer["ind"] = index
        return layer  # type: ignore[no-any-return]

    set_matte = {"ty": 28, "nm": "Set Matte", "en": 1, "ef": [
        {"ty": 10, "v": {"a": 0, "k": 1}}, {"ty": 7, "v": {"a": 0, "k": 4}},
        {"ty": 7, "v": {"a": 0, "k": 0}}, {"ty": 7, "v": {"a": 0, "k": 1}},
        {"ty": 7, "v": {"a": 0, "k": 1}}, {"ty": 7, "v": {"a": 0, "k": 1}}]}  # fmt: skip
    pattern = square(2, 400, [1, 0, 0])
    pattern["ef"] = [set_matte]
    doc = _shape_doc([])
    doc["layers"] = [pattern, square(1, 100, [1, 1, 1])]
    return doc


def test_a_set_matte_effect_mattes_the_layer_by_the_one_it_names(tmp_path: Path) -> None:
    """The red square with a Set Matte effect naming the white one: red inside the small
    square, nothing outside (ThorVG alone ignored the effect and drew red over the whole
    frame)."""
    doc = _set_matte_doc()
    rgba = _frame(doc, tmp_path)
    assert (rgba[60:140, 60:140] == [255, 0, 0, 255]).all()
    outside = np.ones((200, 200), bool)
    outside[45:155, 45:155] = False
    assert (rgba[outside][:, 3] == 0).all(), "the layer is not matted"


def _old_square(version: str = "4.0.0") -> dict[str, object]:
    """A red square outlined in blue, as Bodymovin ``version`` wrote it."""
    corners = [[-50, -50], [50, -50], [50, 50], [-50, 50]]
    path = {"ty": "sh", "closed": True,
            "ks": {"a": 0, "k": {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "v": corners}}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [255, 0, 0, 255]}, "o": {"a": 0, "k": 100}}
    stroke = {"ty": "st", "c": {"a": 0, "k": [0, 0, 255, 255]}, "o": {"a": 0, "k": 100},
              "w": {"a": 0, "k": 6}, "lc": 1, "lj": 1}  # fmt: skip
    doc = _shape_doc([path, stroke, fill])
    doc["v"] = version
    return doc


@pytest.mark.parametrize("version", ["3.1.6", "4.0.0"])
def test_a_file_from_an_old_exporter_is_read_as_lottie_web_reads_it(
    version: str, tmp_path: Path
) -> None:
    """Bodymovin before 4.1.9 wrote colours 0-255 and, before 4.4.18, a path's closing
    flag beside it: a red square outlined in blue, closed (ThorVG alone drew white, and an
    open outline)."""
    rgba = _frame(_old_square(version), tmp_path)
    assert (rgba[90:110, 90:110] == [255, 0, 0, 255]).all()
    assert (rgba[100, 48:52] == [0, 0, 255, 255]).all(), "the closing side is not stroked"


def _rect_mask(mode: str, left: int, right: int, opacity: float) -> dict[str, object]:
    """A mask in ``mode`` over the columns ``left``-``right`` of a 200x200 layer."""
    path = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True,
            "v": [[left, 0], [right, 0], [right, 200], [left, 200]]}  # fmt: skip
    return {"inv": False, "mode": mode, "o": {"a": 0, "k": opacity}, "x": {"a": 0, "k": 0},
            "pt": {"a": 0, "k": path}}  # fmt: skip


def _two_masks_doc(first: dict[str, object], second: dict[str, object]) -> dict[str, object]:
    """A white 200x200 layer filling the frame, with two masks."""
    white = {"ty": "fl", "c": {"a": 0, "k": [1, 1, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    doc = _shape_doc([{"ty": "rc", "d": 1, "s": {"a": 0, "k": [200, 200]},
                       "p": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}, white])  # fmt: skip
    layer = doc["layers"][0]  # type: ignore[index]
    layer["ks"]["p"]["k"] = [0, 0]  # the layer's origin at the frame's corner
    layer.update(hasMask=True, masksProperties=[first, second])
    return doc


@pytest.mark.parametrize("mode", ["l", "d", "f"])
def test_lighten_darken_and_difference_masks_add_as_lottie_web_paints_them(
    mode: str, tmp_path: Path
) -> None:
    """An Add mask over columns 0-120 and a ``mode`` mask over columns 80-200 of a white
    layer, both at 50% opacity, show it half opaque with the overlap at 75%, as lottie-web's
    SVG renderer paints every mode but Subtract and Intersect (measured: 128 and 192 of
    255 for all three modes and for Add): white over the masks before
    (ThorVG alone: Lighten keeps the overlap at 50%, Darken only the overlap, Difference
    cuts the overlap out)."""
    doc = _two_masks_doc(_rect_mask("a", 0, 120, 50), _rect_mask(mode, 80, 200, 50))
    alpha = _frame(doc, tmp_path)[100, :, 3]
    assert np.abs(alpha[np.r_[5:75, 125:195]] - 128).max() <= 2
    assert np.abs(alpha[85:115] - 191).max() <= 3


def _trimmed_triangle_doc() -> dict[str, object]:
    """A triangle of radius 80 about the middle of a 200x200 frame, its outline stroked
    and trimmed to 20-70%."""
    triangle = {"ty": "sr", "sy": 2, "d": 1, "pt": {"a": 0, "k": 3}, "p": {"a": 0, "k": [0, 0]},
                "r": {"a": 0, "k": 0}, "or": {"a": 0, "k": 80}, "os": {"a": 0, "k": 0}}  # fmt: skip
    stroke = {"ty": "st", "c": {"a": 0, "k": [0, 0, 0, 1]}, "o": {"a": 0, "k": 100},
              "w": {"a": 0, "k": 6}, "lc": 2, "lj": 1, "ml": 4}  # fmt: skip
    trim = {"ty": "tm", "s": {"a": 0, "k": 20}, "e": {"a": 0, "k": 70}, "o": {"a": 0, "k": 0},
            "m": 1}  # fmt: skip
    return _shape_doc([triangle, stroke, trim])


def test_a_trimmed_polygon_keeps_its_corners(tmp_path: Path) -> None:
    """A triangle (radius 80 about the middle of a 200x200 frame) trimmed to 20-70% of its
    outline shows its whole bottom edge level at y = 140, as lottie-web draws it (ThorVG
    alone moved the trimmed triangle's lower right corner 7 pixels down)."""
    alpha = _frame(_trimmed_triangle_doc(), tmp_path)[..., 3].astype(float)
    rows = np.arange(120, 160) + 0.5  # pixel centres
    for x in (50, 100, 150):
        column = alpha[120:160, x]
        assert (column * rows).sum() / column.sum() == pytest.approx(140, abs=0.5)


def _null_easing_doc() -> dict[str, object]:
    """A black 100x100 square fading out over frames 0-10, its keyframes' easings null."""
    fill = {"ty": "fl", "c": {"a": 0, "k": [0, 0, 0, 1]}, "r": 1, "o": {"a": 1, "k": [
        {"t": 0, "s": [100], "i": None, "o": None, "h": 0},
        {"t": 10, "s": [0], "i": None, "o": None, "h": 0}]}}  # fmt: skip
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [100, 100]}, "p": {"a": 0, "k": [0, 0]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    return _shape_doc([square, fill])


def test_keyframes_with_null_easings_fade_linearly_every_time(tmp_path: Path) -> None:
    """A fill fading from 100% to 0% over frames 0-10 with ``"i": null, "o": null`` (as
    some tools write a keyframe without easing) is at 50% at frame 5 in every process.
    ThorVG read such a keyframe's easing from memory it never set: renders of the same
    frame differed from run to run (0%, 100% or the fade). The nulls are left out."""
    doc = _null_easing_doc()
    rewritten = rewrite(json.dumps(doc).encode())
    assert rewritten is not None and b"null" not in rewritten
    for run in range(3):
        (tmp_path / str(run)).mkdir()
        alpha = _frame(doc, tmp_path / str(run), 5)[100, 100, 3]
        assert abs(int(alpha) - 128) <= 2


def _square_mask(mode: str, low: int, high: int) -> dict[str, object]:
    square = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "c": True,
              "v": [[low, low], [high, low], [high, high], [low, high]]}  # fmt: skip
    return {"inv": False, "mode": mode, "o": {"a": 0, "k": 100}, "x": {"a": 0, "k": 0},
            "pt": {"a": 0, "k": square}}  # fmt: skip


def test_masks_are_painted_in_sequence_an_add_after_a_subtract_adds_back(
    tmp_path: Path,
) -> None:
    """A red 200x200 layer masked by Add 20-180, Subtract 50-150, Add 80-120, Subtract
    95-105 is, as lottie-web paints it (measured there, identical): a ring, and inside its
    hole a small square ring. ThorVG alone leaves the second Add out (the hole stays
    empty)."""
    masks = [_square_mask("a", 20, 180), _square_mask("s", 50, 150),
             _square_mask("a", 80, 120), _square_mask("s", 95, 105)]  # fmt: skip
    doc = _venn_doc(masks)
    alpha = _frame(doc, tmp_path)[..., 3]
    expected = np.zeros((200, 200), int)
    for low, high, value in ((20, 180, 255), (50, 150, 0), (80, 120, 255), (95, 105, 0)):
        expected[low:high, low:high] = value
    assert (alpha == expected).all(), np.argwhere(alpha != expected)[:5]


def test_fill_and_stroke_colours_are_cut_to_8_bits_as_lottie_web_cuts_them(
    tmp_path: Path,
) -> None:
    """A fill of (1.99, 20.6, 37.4) / 255 is drawn (1, 20, 37), as lottie-web draws it
    (``Math.floor``), and so is a stroke's colour at its keyframes; ThorVG alone rounds:
    (2, 21, 37)."""
    colour = [1.99 / 255, 20.6 / 255, 37.4 / 255, 1]
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [100, 100]}, "p": {"a": 0, "k": [0, 0]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": colour}, "o": {"a": 0, "k": 100}, "r": 1}
    keyed = {"a": 1, "k": [{"t": 0, "s": colour, "h": 1}, {"t": 10, "s": [1, 1, 1, 1]}]}
    stroke = {"ty": "st", "c": keyed, "o": {"a": 0, "k": 100}, "w": {"a": 0, "k": 20},
              "lc": 1, "lj": 1}  # fmt: skip
    outline = {"ty": "el", "d": 1, "s": {"a": 0, "k": [40, 40]}, "p": {"a": 0, "k": [0, 0]}}
    doc = _shape_doc([_group([square, fill]), _group([outline, stroke])])
    rgb = _frame(doc, tmp_path)[..., :3]
    assert rgb[60, 60].tolist() == [1, 20, 37], "the fill"
    assert rgb[100, 125].tolist() == [1, 20, 37], "the stroke (from 110 to 130, across x)"


@settings(max_examples=300, deadline=None)
@given(
    st.floats(0, 1), st.floats(-1, 2), st.floats(0, 1), st.floats(-1, 2), st.floats(0, 1)
)  # fmt: skip
def test_an_easing_finds_the_time_of_any_progress(
    x1: float, y1: float, x2: float, y2: float, u: float
) -> None:
    """The bakes' easing solves x(t) = u for any curve After Effects can write, the ones
    nearly flat at an end included (confetti's x1 0.01, x2 0: Newton's method alone
    leaves them), and gives y at that t."""
    from studio_render.compositions.lottie_motion import Easing

    ease = Easing(x1, y1, x2, y2)
    t = ease._solve_x(u)
    assert 0 <= t <= 1
    assert abs(((ease.ax * t + ease.bx) * t + ease.cx) * t - u) < 1e-9
    assert ease(u) == pytest.approx(((ease.ay * t + ease.by) * t + ease.cy) * t, abs=1e-9)
    flat = Easing(0.01, 0, 0, 0)
    t = flat._solve_x(u)
    assert abs(((flat.ax * t + flat.bx) * t + flat.cx) * t - u) < 1e-9


def _layer_with_effects(name: str, index: int, effects: list[dict[str, object]]) -> dict[str, Any]:
    ks = {"o": {"a": 0, "k": 100}, "r": {"a": 0, "k": 0}, "p": {"a": 0, "k": [50, 50, 0]},
          "a": {"a": 0, "k": [0, 0, 0]}, "s": {"a": 0, "k": [100, 100, 100]}}  # fmt: skip
    box = {"ty": "rc", "p": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [40, 40]},
           "r": {"a": 0, "k": 0}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}}
    return {"ty": 4, "nm": name, "ind": index, "ip": 0, "op": 10, "st": 0, "ks": ks,
            "shapes": [box, fill], "ef": effects}  # fmt: skip


def test_effects_that_are_not_drawn_are_named_in_a_warning(tmp_path: Path) -> None:
    """After Effects effects exported as plain groups (no Lottie player draws them),
    Levels and Transform (lottie-web draws them, ThorVG does not) are named with their
    layers; expression controls and disabled effects are not, nor are effects drawn."""
    bulge = {"ty": 5, "nm": "Bulge", "mn": "ADBE Bulge", "en": 1, "ef": []}
    slider = {"ty": 5, "nm": "Wobble", "mn": "ADBE Slider Control", "en": 1, "ef": []}
    off = {"ty": 5, "nm": "Old ramp", "mn": "ADBE Ramp", "en": 0, "ef": []}
    levels = {"ty": 24, "nm": "Levels", "mn": "ADBE Pro Levels2", "en": 1, "ef": []}
    transform = {"ty": 35, "nm": "Transform", "mn": "ADBE Geometry2", "en": 1, "ef": []}
    blur = {"ty": 29, "nm": "Gaussian Blur", "mn": "ADBE Gaussian Blur 2", "en": 1,
            "ef": [{"ty": 0, "nm": "Blurriness", "v": {"a": 0, "k": 4}}]}  # fmt: skip
    layers = [_layer_with_effects("Ball", 1, [bulge, slider, off]),
              _layer_with_effects("Sky", 2, [levels, transform, blur])]  # fmt: skip
    comp = tmp_path / "effects.json"
    comp.write_text(json.dumps({"v": "5.7.4", "fr": 30, "ip": 0, "op": 10, "w": 100,
                                "h": 100, "layers": layers}))  # fmt: skip
    info = studio_render("info", comp)
    assert info.returncode == 0, info.stderr
    warnings = [line for line in info.stdout.splitlines() if "warning" in line]
    assert warnings == [
        "  warning:   3 layer effects not drawn (Lottie players draw only a few kinds of After "
        "Effects effect): 'Bulge' (layer 'Ball'), 'Levels' (layer 'Sky'), 'Transform' "
        "(layer 'Sky')"
    ], info.stdout
    layers[0]["ef"] = [slider, off]
    layers[1]["ef"] = [blur]
    comp.write_text(json.dumps({"v": "5.7.4", "fr": 30, "ip": 0, "op": 10, "w": 100,
                                "h": 100, "layers": layers}))  # fmt: skip
    assert "warning" not in studio_render("info", comp).stdout


def test_a_long_list_of_undrawn_effects_names_three_and_counts_the_rest() -> None:
    from studio_render.compositions.lottie_effects import undrawn_effect_warnings

    bulge = {"ty": 5, "nm": "Bulge", "mn": "ADBE Bulge", "en": 1, "ef": []}
    layers = [_layer_with_effects(f"L{i}", i, [bulge]) for i in range(5)]
    assert undrawn_effect_warnings(layers) == (
        "5 layer effects not drawn (Lottie players draw only a few kinds of After Effects "
        "effect): 'Bulge' (layer 'L0'), 'Bulge' (layer 'L1'), 'Bulge' (layer 'L2') and 2 more",
    )


def _strip(x0: int, x1: int, mode: str, inverted: bool = False) -> dict[str, object]:
    """A mask of ``mode`` over the columns ``x0`` to ``x1`` (rows 10 to 90)."""
    corners = [[x0, 10], [x0, 90], [x1, 90], [x1, 10]]
    path = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "v": corners, "c": True}
    return {"inv": inverted, "mode": mode, "pt": {"a": 0, "k": path}, "o": {"a": 0, "k": 100},
            "x": {"a": 0, "k": 0}, "nm": mode}  # fmt: skip


def _painted_columns(rgba: np.ndarray) -> list[tuple[int, int]]:
    """The runs of columns drawn on the middle row, as (first, past the last)."""
    drawn = [bool(a > 127) for a in rgba[50, :, 3]] + [False]
    runs, start = [], None
    for x, on in enumerate(drawn):
        if on and start is None:
            start = x
        elif not on and start is not None:
            runs.append((start, x))
            start = None
    return runs


@pytest.mark.parametrize(
    ("masks", "columns"),
    [
        ([_strip(10, 30, "a"), _strip(50, 70, "a"), _strip(20, 60, "i")], [(20, 30), (50, 60)]),
        ([_strip(20, 60, "s"), _strip(40, 80, "i")], [(60, 80)]),
        ([_strip(20, 40, "i", inverted=True)], [(10, 20), (40, 90)]),
        ([_strip(20, 60, "i"), _strip(40, 80, "i")], [(40, 60)]),
    ],
    ids=["add-add-intersect", "subtract-intersect", "inverted-intersect", "intersect-intersect"],
)
def test_intersect_masks_are_taken_in_order_as_lottie_web_takes_them(
    masks: list[dict[str, object]], columns: list[tuple[int, int]], tmp_path: Path
) -> None:
    """A square (columns 10 to 90) masked by strips: what is drawn is what lottie-web
    draws (measured in Chromium), each mask taken after the ones before it. ThorVG alone
    drew 10-30 and 50-60, 10-40 and 60-90, and 20-40 for the first three."""
    square = {"ty": "rc", "d": 1, "s": {"a": 0, "k": [80, 80]}, "p": {"a": 0, "k": [50, 50]},
              "r": {"a": 0, "k": 0}}  # fmt: skip
    fill = {"ty": "fl", "c": {"a": 0, "k": [0, 0.4, 0.9, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    layer = {"ty": 4, "ind": 1, "nm": "square", "ip": 0, "op": 10, "st": 0, "sr": 1,
             "ks": {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]},
                    "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                    "r": {"a": 0, "k": 0}},
             "hasMask": True, "masksProperties": masks, "shapes": [square, fill]}  # fmt: skip
    doc = {"v": "5.5.2", "fr": 30, "ip": 0, "op": 10, "w": 100, "h": 100, "layers": [layer]}
    assert _painted_columns(_frame(doc, tmp_path)) == columns


#: Overlapping rectangles (left, top, right, bottom), every region of the first three apart.
_VENN = ((20, 20, 120, 120), (80, 50, 180, 150), (40, 90, 140, 190), (10, 60, 70, 170),
         (100, 10, 190, 100))  # fmt: skip


def _venn_mask(k: int, kind: str, inv_first: bool = True) -> dict[str, object]:
    """Mask ``k`` of :data:`_VENN`: ``kind`` is its mode, with ``v`` when inverted;
    ``inv_first``: ``"inv"`` comes before ``"mode"`` (else after it)."""
    left, top, right, bottom = _VENN[k]
    corners = [[left, top], [left, bottom], [right, bottom], [right, top]]
    path = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "v": corners, "c": True}
    inv, mode = {"inv": kind.endswith("v")}, {"mode": kind[0]}
    keys = {**inv, **mode} if inv_first else {**mode, **inv}
    return {**keys, "pt": {"a": 0, "k": path}, "o": {"a": 0, "k": 100}, "x": {"a": 0, "k": 0}}


def _shown_as_after_effects(kinds: list[str], size: int) -> np.ndarray:
    """Where a layer with :data:`_VENN` masks of ``kinds`` shows, taking them in order as
    After Effects and lottie-web do: from nothing (first mask Add) or everything."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    shown = np.full((size, size), kinds[0][0] != "a")
    for k, kind in enumerate(kinds):
        left, top, right, bottom = _VENN[k]
        area = (xs > left) & (xs < right) & (ys > top) & (ys < bottom)
        area = ~area if kind.endswith("v") else area
        shown = {"a": shown | area, "s": shown & ~area, "i": shown & area}[kind[0]]
    return shown


@pytest.mark.parametrize(
    "kinds",
    [["s", "a"], ["av", "s"], ["s", "av"], ["sv", "av"], ["av", "sv"], ["a", "av"],
     ["iv", "i"], ["av", "i", "av"], ["s", "a", "s"], ["sv", "iv", "i"], ["a", "sv", "iv"],
     ["iv"]],
    ids="-".join,
)  # fmt: skip
def test_masks_of_every_mode_inverted_or_not_are_taken_in_order(
    kinds: list[str], tmp_path: Path
) -> None:
    """A red 200x200 layer under masks ThorVG 1.0 alone combines otherwise (each case
    failed without the rewrite; all match lottie-web on a layer at the origin): drawn
    where After Effects shows it, every pixel."""
    doc = _venn_doc([_venn_mask(k, kind) for k, kind in enumerate(kinds)])
    drawn = _frame(doc, tmp_path)[..., 3] > 127
    expected = _shown_as_after_effects(kinds, 200)
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


@pytest.mark.parametrize(
    "kinds",
    [["s", "a", "s", "av", "i"], ["a", "sv", "s", "a", "iv"], ["av", "s", "a", "i", "s"]],
    ids="-".join,
)
def test_five_masks_are_taken_in_order(kinds: list[str], tmp_path: Path) -> None:
    """Five masks: too many to try every order, so the chain holds a rectangle standing
    for everything where a complement is needed; drawn where After Effects shows it."""
    doc = _venn_doc([_venn_mask(k, kind) for k, kind in enumerate(kinds)])
    drawn = _frame(doc, tmp_path)[..., 3] > 127
    expected = _shown_as_after_effects(kinds, 200)
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


@pytest.mark.parametrize("outside", [False, True], ids=["in-frame", "outside-frame"])
@pytest.mark.parametrize("kinds", [["a", "a", "s"], ["a", "a", "i", "sv"]], ids="-".join)
def test_masks_cut_after_adds_are_taken_in_order_in_and_outside_the_frame(
    kinds: list[str], outside: bool, tmp_path: Path
) -> None:
    """Add masks, then Subtract and Intersect masks: drawn where After Effects shows the
    layer. A mask that cuts lies wholly outside the frame until it is animated in, in
    many files (lottie-web's own ``navidad.json``); ThorVG left such a mask out of a chain
    with every mask chained after it, and the chain showed the whole layer: the third
    mask moved out of the frame showed all 200x200 pixels."""
    masks = [_venn_mask(k, kind) for k, kind in enumerate(kinds)]
    if outside:
        path: Any = masks[2]["pt"]
        path["k"]["v"] = [[x - 400, y - 400] for x, y in path["k"]["v"]]
    drawn = _frame(_venn_doc(masks), tmp_path)[..., 3] > 127
    if outside:  # the cut is nothing (Subtract) or everything (Intersect) in the frame
        kept = [kind for k, kind in enumerate(kinds) if k != 2]
        expected = _shown_as_after_effects(kept, 200)
        if kinds[2] == "i":
            expected[:] = False
    else:
        expected = _shown_as_after_effects(kinds, 200)
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


@pytest.mark.parametrize("outside", [0, 1, None], ids=["first-outside", "second-outside", "in"])
def test_add_masks_show_their_union_wherever_they_lie_and_whichever_way_they_turn(
    outside: int | None, tmp_path: Path
) -> None:
    """Three Add masks, the second drawn the other way round: their union, every pixel.
    ThorVG chained Add masks and left a mask wholly outside the frame out with every mask
    after it: the first mask moved out of the frame hid the other two (lottie-web's
    ``navidad.json`` lost its ribbons so)."""
    masks = [_venn_mask(k, "a") for k in range(3)]
    second: Any = masks[1]["pt"]
    second["k"]["v"] = second["k"]["v"][::-1]  # the other way round (no tangents)
    if outside is not None:
        path: Any = masks[outside]["pt"]
        path["k"]["v"] = [[x - 400, y - 400] for x, y in path["k"]["v"]]
    drawn = _frame(_venn_doc(masks), tmp_path)[..., 3] > 127
    ys, xs = np.mgrid[0:200, 0:200] + 0.5
    expected = np.zeros((200, 200), bool)
    for k, (left, top, right, bottom) in enumerate(_VENN[:3]):
        if k != outside:
            expected |= (xs > left) & (xs < right) & (ys > top) & (ys < bottom)
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


def test_none_masks_are_passed_over_and_the_others_taken_in_order(tmp_path: Path) -> None:
    """A None mask (mode "n", a path kept for effects) draws nothing, in lottie-web and
    ThorVG; it kept the layer's other masks from being rewritten, so Add, Add, Subtract
    after it came out as ThorVG chains them (lottie-web's ``navidad.json``: a monster's
    fur over the shapes beside it)."""
    none = {**_venn_mask(3, "a"), "mode": "n"}
    masks = [none, *[_venn_mask(k, kind) for k, kind in enumerate(["a", "a", "s"])]]
    drawn = _frame(_venn_doc(masks), tmp_path)[..., 3] > 127
    expected = _shown_as_after_effects(["a", "a", "s"], 200)
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


def test_an_inverted_mask_named_after_its_mode_is_still_inverted(tmp_path: Path) -> None:
    """ThorVG reads ``"inv"`` only before ``"mode"``: written after it, an inverted Add
    then a Subtract mask showed the second square inside the first."""
    masks = [_venn_mask(0, "av", inv_first=False), _venn_mask(1, "s", inv_first=False)]
    drawn = _frame(_venn_doc(masks), tmp_path)[..., 3] > 127
    assert (drawn == _shown_as_after_effects(["av", "s"], 200)).all()


def test_an_inverted_mask_on_a_moved_layer_shows_all_but_its_area(tmp_path: Path) -> None:
    """lottie-web inverts a mask with the rectangle from the layer's origin to the
    composition's size, so on a layer moved 30 right and 20 down it shows mostly the
    mask's area; After Effects shows everything but it, and so do we."""
    doc = _venn_doc([_venn_mask(0, "av")], position=(30, 20))
    drawn = _frame(doc, tmp_path)[..., 3] > 127
    expected = np.zeros((200, 200), bool)
    expected[20:, 30:] = ~_shown_as_after_effects(["a"], 200)[:180, :170]
    assert (drawn == expected).all(), np.argwhere(drawn != expected)[:5]


def _venn_doc(
    masks: list[dict[str, object]], position: tuple[int, int] = (0, 0)
) -> dict[str, object]:
    """A 200x200 composition of one red 200x200 layer at ``position`` under ``masks``."""
    ks = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [*position, 0]}, "a": {"a": 0, "k": [0, 0]},
          "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    red = [
        {"ty": "rc", "d": 1, "s": {"a": 0, "k": [200, 200]}, "p": {"a": 0, "k": [100, 100]},
         "r": {"a": 0, "k": 0}},
        {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}, "r": 1},
    ]  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": ks,
             "hasMask": True, "masksProperties": masks, "shapes": red}  # fmt: skip
    return {"v": "5.5.2", "fr": 10, "ip": 0, "op": 10, "w": 200, "h": 200, "layers": [layer]}


def test_time_remapped_to_the_out_point_shows_the_last_frame(tmp_path: Path) -> None:
    """A precomposition layer (out point 120, 60 fps) whose time remap runs from 0 s to
    2 s at frame 60 and back: at frame 60 lottie-web (and After Effects) show the inner
    composition's last frame; ThorVG alone drew nothing there (its layer ended at 120)."""
    ks = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
          "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    blue = {"ty": "fl", "c": {"a": 0, "k": [0, 0, 1, 1]}, "o": {"a": 0, "k": 100}, "r": 1}
    dot = [{"ty": "el", "s": {"a": 0, "k": [40, 40]}, "p": {"a": 0, "k": [50, 50]}}, blue]
    inner = {"ty": 4, "ind": 1, "ip": 0, "op": 120, "st": 0, "sr": 1, "ks": ks, "shapes": dot}
    linear = {"i": {"x": [1], "y": [1]}, "o": {"x": [0], "y": [0]}}
    remap = {"a": 1, "k": [{"t": 0, "s": [0], **linear}, {"t": 60, "s": [2], **linear},
                           {"t": 120, "s": [0]}]}  # fmt: skip
    outer = {"ty": 0, "ind": 1, "refId": "inner", "w": 100, "h": 100, "ip": 0, "op": 120,
             "st": 0, "sr": 1, "ks": ks, "tm": remap}  # fmt: skip
    doc = {"v": "5.5.2", "fr": 60, "ip": 0, "op": 120, "w": 100, "h": 100,
           "assets": [{"id": "inner", "layers": [inner]}], "layers": [outer]}  # fmt: skip
    rgba = _frame(doc, tmp_path, 60)
    assert rgba[50, 50, 3] == 255 and rgba[50, 50, 2] > 200
