"""Rewrites of shape items before ThorVG loads a Lottie document: rectangles, stars and
repeaters drawn as lottie-web draws them (see :mod:`lottie_fixes`, which runs them).

Repeater copies: lottie-web draws ``ceil(copies)`` copies, ThorVG 1.0 the copies cut to
a whole number, one fewer while an animated count is between two (a circle of 18 copies
growing in drew one copy late). A static count is rounded up; an animated one is raised
by just under one at every keyframe, which ThorVG's cut then turns into the count rounded
up (interpolation moves every value by the same amount).

Trimmed stars and polygons: ThorVG 1.0 trims a polygon wrongly (a triangle's corner
moved 7 pixels off the outline lottie-web trims, a star's cut ends a little). A star or
polygon whose properties are all static, in a layer with Trim Paths, becomes the path
lottie-web builds for it (``convertStarToPath``, ``convertPolygonToPath``): corners from
the top, turned by its rotation, each way by its direction, rounded by handles across the
radius ``roundness * 2 pi r / (4 n)`` long (``n`` points). A polygon that carries an
inner radius is left alone (lottie-web then drew nothing, for a reason not found).
Untrimmed ones are left to ThorVG, which draws them as lottie-web does and rounds their
corners (Round Corners) closer to it than it rounds a path's.

Star points: lottie-web draws a star of ``floor(points)`` points; ThorVG 1.0 draws the
fraction as a partial point (a 5.4-point star has a sixth, small point, and the others
turned to make room). A star's point count becomes whole: a static one rounded down, an
animated one held at its whole part between the times it crosses a whole number (found to
an eighth of a frame, exact at whole frames). ThorVG also draws a star's rounded corners
with handles 1.0875 times as long as lottie-web's (``r * roundness * 0.47829 / 0.28 /
points`` against ``r * roundness * pi / 2 / points``; polygons agree): a star's inner and
outer roundness are scaled down by that much.

Fill and stroke colours: lottie-web writes a colour's 8-bit channels cut down
(``Math.floor(c * 255)``), ThorVG rounds them, so a channel at 1.99 of 255 was 2 where
lottie-web draws 1: a difference no eye sees, but over a dark background it takes a
night sky's SSIM from 0.9996 to 0.975. Each channel of a fill's or stroke's colour
(static, or at its keyframes) that ThorVG would round up is written cut down, in
1/255ths. Gradients and text colours are rounded by lottie-web too, and left alone.

Sharp rectangles: ThorVG 1.0 draws a rectangle that stays axis-aligned on screen through
a fast track that rounds its edges to whole pixels, without anti-aliasing: a square at a
half-pixel position is drawn a half pixel off with hard edges, and a sliding bar moves in
whole-pixel steps. lottie-web draws the fractional edges soft, and moves smoothly. A
rectangle with no corner radius gets one of a hundredth of a pixel (invisible), which
ThorVG draws through its ordinary anti-aliased path; only where no visible stroke or
path modifier reaches the rectangle (those after it in its group or in a group around
it), since a rounded corner could change what they draw (a stroke's join). Solid layers
become paths (see :mod:`lottie_fixes`), which ThorVG does not take for rectangles.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from studio_render.compositions.lottie_motion import key_time, value_at


def map_values(prop: Any, change: Callable[[Any], Any]) -> None:
    """Replace every value of an animatable property by ``change(value)`` (raises for an
    expression or a form it does not know)."""
    if "x" in prop:
        raise ValueError("an expression")
    if not prop.get("a"):
        prop["k"] = change(prop["k"])
        return
    for key in prop["k"]:
        for end in ("s", "e"):
            if end in key:
                key[end] = change(key[end])


def scaled(factor: float) -> Callable[[Any], Any]:
    """A change for :func:`map_values`: a value (or a list of them) times ``factor``
    (raises for anything else)."""

    def scale(value: Any) -> Any:
        if isinstance(value, list):
            return [scale(v) for v in value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("not a number")
        return value * factor

    return scale


def colours_rounded_down(items: Iterable[dict[str, object]]) -> bool:
    """Round the colour of every fill and stroke of ``items`` down to a whole 8-bit value,
    as lottie-web does (see above); whether any changed."""
    changed = False

    def rounded_down(colour: Any) -> Any:
        nonlocal changed
        if not isinstance(colour, list) or not all(isinstance(c, int | float) for c in colour):
            return colour
        rgb = colour[:3]
        down = [math.floor(c * 255) for c in rgb]
        if all(c < 0 or c > 1 or round(c * 255) == d for c, d in zip(rgb, down, strict=True)):
            return colour  # ThorVG's rounding gives lottie-web's 8 bits already
        changed = True
        return [d / 255 if 0 <= c <= 1 else c for c, d in zip(rgb, down, strict=True)] + colour[3:]

    for item in items:
        prop = item.get("c") if item.get("ty") in ("fl", "st") else None
        if isinstance(prop, dict) and "x" not in prop:
            with contextlib.suppress(TypeError, KeyError):  # a form not known: what it reached
                map_values(prop, rounded_down)
    return changed


#: A corner radius ThorVG draws as a sharp corner, off its fast track (see above).
_HAIRLINE_RADIUS = 0.01
#: Shape items a rounded corner could change: strokes, and path modifiers.
_CORNER_SENSITIVE = ("st", "gs", "tm", "rd", "mm", "op", "pb", "zz", "tw")


def rectangles_anti_aliased(layers: Iterable[dict[str, object]]) -> bool:
    """Give every sharp rectangle that no visible stroke or path modifier reaches a
    hairline corner radius (see above); whether any got one."""
    changed = False
    for layer in layers:
        changed |= _hairline_corners(layer.get("shapes"), reached=False)
    return changed


def _hairline_corners(items: object, reached: bool) -> bool:
    """:func:`rectangles_anti_aliased` in one group's ``items``; ``reached``: whether a
    stroke or modifier after the group reaches into it. A stroke or modifier reaches the
    items before it in its group, those in groups before it included."""
    changed = False
    shapes = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    sensitive = [item.get("ty") in _CORNER_SENSITIVE and not _invisible(item) for item in shapes]
    for index, item in enumerate(shapes):
        here = reached or any(sensitive[index + 1 :])
        if item.get("ty") == "gr":
            changed |= _hairline_corners(item.get("it"), here)
            continue
        radius = item.get("r", {"a": 0, "k": 0})
        if here or item.get("ty") != "rc" or not isinstance(radius, dict):
            continue
        if not radius.get("a") and "x" not in radius and radius.get("k") in (0, [0]):
            item["r"] = {"a": 0, "k": _HAIRLINE_RADIUS}  # not animated, no expression
            changed = True
    return changed


def _invisible(item: dict[str, object]) -> bool:
    """Whether a shape item draws or changes nothing: hidden (``"hd": true``), or a stroke
    with no width or no opacity (some exporters leave one on every shape)."""
    if item.get("hd") is True:
        return True
    if item.get("ty") not in ("st", "gs"):
        return False
    for key in ("w", "o"):
        prop = item.get(key)
        if isinstance(prop, dict) and not prop.get("a") and prop.get("k") in (0, [0]):
            return True
    return False


def shape_items(shapes: object) -> Iterator[dict[str, object]]:
    """Every item of a shape layer's shapes, those in groups included."""
    stack = [shapes]
    while stack:
        items = stack.pop()
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                yield item
                stack.append(item.get("it"))


#: lottie-web's star corner handles over ThorVG's, for the same roundness.
_STAR_ROUNDNESS = (math.pi / 2) / (0.47829 / 0.28)
#: Where an animated star's point count is looked at between keyframes, in frames.
_POINTS_STEP = 1 / 8
#: Longest keyframe segment (frames) whose star points are made whole.
_LONGEST_POINTS_SEGMENT = 20_000
#: Most points of a star or polygon made into a path (a malformed count is left alone).
_MOST_POLYSTAR_POINTS = 10_000


def trimmed_polystars_as_paths(layers: Iterable[dict[str, object]]) -> bool:
    """Replace every star and polygon whose properties are all static, in a layer that
    trims paths, by the path lottie-web draws for it (see above); whether any was."""
    changed = False
    for layer in layers:
        items = list(shape_items(layer.get("shapes")))
        if not any(item.get("ty") == "tm" for item in items):
            continue
        for item in items:
            path = polystar_path(item) if item.get("ty") == "sr" else None
            if path is not None:
                kept = {key: item[key] for key in ("nm", "mn", "hd", "ix") if key in item}
                item.clear()
                item.update(ty="sh", ks={"a": 0, "k": path}, **kept)
                changed = True
    return changed


def polystar_path(star: dict[str, object]) -> dict[str, object] | None:
    """The closed path of a static star (``sy`` 1) or polygon (2), as lottie-web builds
    it; None when a property is animated, an expression or missing."""
    star_kind = star.get("sy", 1) == 1
    if not star_kind and (star.get("sy") != 2 or "ir" in star):
        return None
    names = ("pt", "or", "os", "r", "p", *(("ir", "is") if star_kind else ()))
    values = {}
    for name in names:
        prop = star.get(name)
        value = value_at(prop, 0) if isinstance(prop, dict) and not prop.get("a") else None
        if not value or not all(math.isfinite(v) for v in value):
            return None
        values[name] = value
    count = math.floor(values["pt"][0]) * (2 if star_kind else 1)
    if not 0 < count <= _MOST_POLYSTAR_POINTS or len(values["p"]) < 2:
        return None
    turn = -1 if star.get("d") == 3 else 1
    kinds = (("or", "os"), ("ir", "is")) if star_kind else (("or", "os"),)
    radii = [values[radius][0] for radius, _ in kinds]
    rounds = [values[roundness][0] / 100 for _, roundness in kinds]
    quarter = 2 if star_kind else 4  # lottie-web's "perimSegment" divisor per point
    angle = -math.pi / 2 + math.radians(values["r"][0])
    vertices, ins, outs = [], [], []
    for k in range(count):
        radius, roundness = radii[k % len(radii)], rounds[k % len(rounds)]
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        norm = math.hypot(x, y)
        ox, oy = (y / norm, -x / norm) if norm else (0.0, 0.0)
        handle = 2 * math.pi * radius / (count * quarter) * roundness * turn
        vertices.append([x + values["p"][0], y + values["p"][1]])
        outs.append([-ox * handle, -oy * handle])
        ins.append([ox * handle, oy * handle])
        angle += 2 * math.pi / count * turn
    return {"c": True, "v": vertices, "i": ins, "o": outs}


def stars_as_lottie_web_draws_them(objects: Iterable[dict[str, object]]) -> bool:
    """Make every star's point count whole and scale its roundness (see above); whether
    any changed."""
    changed = False
    for item in objects:
        points = item.get("pt")
        if item.get("ty") != "sr" or item.get("sy", 1) != 1 or not isinstance(points, dict):
            continue
        changed |= _whole_points(points)
        for key in ("is", "os"):
            roundness = copy.deepcopy(item.get(key))
            try:
                map_values(roundness, scaled(_STAR_ROUNDNESS))
            except (AttributeError, KeyError, TypeError, ValueError):
                continue  # none, an expression, or a form not known: left as it is
            item[key] = roundness
            changed = True
    return changed


def _whole_points(points: dict[str, object]) -> bool:
    """Round a point count down, or hold an animated one at its whole part; whether it
    changed (an expression, or keyframes of an unknown form, are left alone)."""
    if not points.get("a"):
        count = value_at(points, 0)
        if not count or count[0] == math.floor(count[0]):
            return False
        points["k"] = math.floor(count[0])
        return True
    keys = points.get("k")
    if not isinstance(keys, list) or not keys or "x" in points:
        return False
    first, last = key_time(keys[0]), key_time(keys[-1])
    if not math.isfinite(first) or not 0 <= last - first <= _LONGEST_POINTS_SEGMENT:
        return False
    # the keys' times, and a grid through every whole frame up to the last key
    grid = (math.floor(first) + k * _POINTS_STEP for k in itertools.count(1))
    times = sorted({*map(key_time, keys), *itertools.takewhile(lambda t: t < last, grid)})
    held: list[dict[str, object]] = []
    for time in (t for t in times if t >= first):
        value = value_at(points, time)
        if not value:
            return False
        if not held or held[-1]["s"] != [math.floor(value[0])]:
            held.append({"t": time, "s": [math.floor(value[0])], "h": 1})
    if held == keys:
        return False
    points["k"] = held
    return True


#: Added to an animated repeater count: ThorVG's cut of ``c + 1 - 1e-4`` is ``ceil(c)``
#: except within 1e-4 above a whole number.
_JUST_UNDER_ONE = 1 - 1e-4


def repeater_copies_rounded_up(objects: Iterable[dict[str, object]]) -> bool:
    """Make every repeater's copy count draw as ``ceil`` does (see above); whether any
    changed."""
    changed = False
    for item in objects:
        copies = item.get("c") if item.get("ty") == "rp" else None
        if isinstance(copies, dict) and "x" not in copies:
            changed |= _raise_count(copies)
    return changed


def _raise_count(copies: dict[str, object]) -> bool:
    value = copies.get("k")
    if copies.get("a", 0) == 0:
        if isinstance(value, int | float) and not isinstance(value, bool) and value % 1:
            copies["k"] = math.ceil(value)
            return True
        return False
    changed = False
    for key in value if isinstance(value, list) else []:
        for end in ("s", "e"):
            numbers = key.get(end) if isinstance(key, dict) else None
            if isinstance(numbers, list) and numbers and isinstance(numbers[0], int | float):
                key[end] = [numbers[0] + _JUST_UNDER_ONE, *numbers[1:]]
                changed = True
    return changed
