"""Motion along curved paths, moved as lottie-web moves it.

A keyframe with spatial tangents (``to``/``ti``) moves its value along a cubic curve, at
the eased share of the curve's length. ThorVG 1.0 measures that length with a rough
estimate (``max + 0.375 min`` per line piece, up to ~7% off), so things on curved paths
land a few pixels off lottie-web's; it ignores the tangents of an anchor point altogether.
:func:`bake_curved_motion` replaces each curved segment by straight keyframes at every
whole frame (finer where a frame's chord strays from the curve), placed by lottie-web's
rule: the curve sampled at 150 points (a straight line when both tangents lie on it), the
point at the eased share of the sampled length. ThorVG then only interpolates linearly.
Before that, lottie-web drops the tangents of a segment whose tangents lie on its line
(2D, or 3D) and of one that stays put with zero tangents, so that it moves straight;
they are dropped here too (a 3D position whose in-tangent points past its end went past
it and came back in ThorVG, and in the 150-point curve).

A keyframe can also ease each dimension of its value its own way (``"i": {"x": [0.8,
0.8], "y": [1, 0.8]}``: a size whose width settles sooner than its height). ThorVG 1.0
reads the first dimension's easing only; lottie-web eases each. :func:`bake_split_easing`
replaces such segments by straight keyframes at every whole frame, each dimension eased
by its own curve.

An auto-oriented layer turns with its motion. lottie-web turns it by the direction from
where it was 0.01 frames before to where it is (from its first keyframe to 0.01 frames
after it, and from 0.05 frames before its last to it); ThorVG 1.0 by the tangent of its
own curve at its own estimate of the point, a degree or so off on a curve.
:func:`bake_auto_orient` bakes the layer's rotation at every frame to its own plus
lottie-web's direction and drops the auto-orientation, so that its motion path is baked
as any other.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
from collections.abc import Callable
from typing import Any

from studio_render.compositions.lottie_tree import push_nested

#: lottie-web's samples per curve.
_CURVE_SAMPLES = 150
#: Largest distance (in the property's units) a baked piece may stray from the curve.
_TOLERANCE = 0.05
#: Shortest baked piece, in frames.
_FINEST = 1 / 8
#: Segments longer than this (frames), and any past this many baked keyframes in one
#: document, are left to ThorVG: a malformed file must not take minutes to load.
_LONGEST_SEGMENT = 20_000
_MOST_KEYFRAMES = 200_000

Point = list[float]


def bake_curved_motion(doc: dict[str, object]) -> bool:
    """Bake, in place, every animated property of ``doc`` that has curved segments and
    no expression; whether any was. An auto-oriented layer turns along its own path, so
    its transform keeps ThorVG's tangents."""
    return _bake_keyframes(doc, _bake_property, skip_auto_oriented=True)


def bake_split_easing(doc: dict[str, object]) -> bool:
    """Bake, in place, every keyframe segment of ``doc`` that eases its dimensions
    differently (in a property with no expression or motion path); whether any was."""

    def bake(frames: list[object]) -> list[object] | None:
        return None if _has_tangents(frames) else _bake_split(frames)

    return _bake_keyframes(doc, bake, skip_auto_oriented=False)


def _bake_keyframes(
    doc: dict[str, object],
    bake: Callable[[list[object]], list[object] | None],
    skip_auto_oriented: bool,
) -> bool:
    """Replace the keyframes of every animated property of ``doc`` without an expression
    by ``bake(keyframes)`` where that is not None, up to ``_MOST_KEYFRAMES`` in all;
    whether any were."""
    changed = False
    budget = _MOST_KEYFRAMES
    stack: list[Any] = [doc]
    while stack and budget > 0:
        item = stack.pop()
        if type(item) is not dict:
            push_nested(stack, item)
            continue
        frames = item.get("k")
        if item.get("a") == 1 and "x" not in item and isinstance(frames, list):
            baked = bake(frames)
            if baked is not None:
                item["k"] = baked
                budget -= len(baked)
                changed = True
            continue
        if skip_auto_oriented and item.get("ao") == 1:
            push_nested(stack, (v for k, v in item.items() if k != "ks"))
        else:
            push_nested(stack, item.values())
    return changed


def _split(key: object) -> bool:
    """Whether keyframe ``key`` eases its dimensions by different curves."""
    if not isinstance(key, dict) or key.get("h") == 1:
        return False
    curves = [_components(key.get(side), axis) for side in ("o", "i") for axis in ("x", "y")]
    return any(len(set(c)) > 1 for c in curves)


def _components(ease: object, axis: str) -> list[float]:
    values = ease.get(axis) if isinstance(ease, dict) else None
    if isinstance(values, int | float):
        return [float(values)]
    if isinstance(values, list) and all(isinstance(v, int | float) for v in values):
        return [float(v) for v in values]
    return []


def _bake_split(frames: list[object]) -> list[object] | None:
    """The keyframes with each split-eased segment baked (see the module's text)."""

    def bake(key: object, after: object) -> list[object] | None:
        segment = _split_segment(key, after)
        if segment is None:
            return None
        t0, t1, start, end, eases = segment
        times = [t0 + k for k in range(math.ceil(t1 - t0 - 1e-6))] + [t1]
        dims = list(zip(start, end, eases, strict=True))
        values = [[a + (b - a) * ease((t - t0) / (t1 - t0)) for a, b, ease in dims] for t in times]
        return [{"t": times[k], "s": values[k], "e": values[k + 1]} for k in range(len(times) - 1)]

    return _bake_segments(frames, bake)


def _bake_segments(
    frames: list[object], bake: Callable[[object, object], list[object] | None]
) -> list[object] | None:
    """The keyframes with each segment (a key and the one after it) that ``bake`` bakes
    replaced by what it gives; None when it bakes none."""
    out: list[object] = []
    changed = False
    for index, key in enumerate(frames):
        after = frames[index + 1] if index + 1 < len(frames) else None
        baked = bake(key, after)
        out.extend([key] if baked is None else baked)
        changed |= baked is not None
    return out if changed else None


def _split_segment(
    key: object, after: object
) -> tuple[float, float, Point, Point, list[Easing]] | None:
    """(start time, end time, start, end, an easing per dimension) of a split-eased
    segment from ``key`` to ``after``; None for anything else."""
    if not _split(key) or not isinstance(after, dict):
        return None
    assert isinstance(key, dict)
    t0, t1 = key.get("t"), after.get("t")
    start, end = _vector(key.get("s")), _vector(after.get("s") or key.get("e"))
    if not isinstance(t0, int | float) or not isinstance(t1, int | float):
        return None
    if start is None or end is None or len(start) != len(end):
        return None
    if not 0 < t1 - t0 <= _LONGEST_SEGMENT:
        return None
    return float(t0), float(t1), start, end, _easings(key, len(start))


def _easings(key: dict[str, object], dims: int) -> list[Easing]:
    """A keyframe's easing for each of ``dims`` dimensions (the last one given repeats)."""
    ease_out, ease_in = key.get("o"), key.get("i")
    return [Easing(_nth(ease_out, "x", d), _nth(ease_out, "y", d),
                   _nth(ease_in, "x", d), _nth(ease_in, "y", d)) for d in range(dims)]  # fmt: skip


def _nth(ease: object, axis: str, d: int) -> float:
    """Component ``d`` of an easing's ``axis`` (its last one when it has fewer)."""
    values = _components(ease, axis)
    return values[min(d, len(values) - 1)] if values else 0.0


def _has_tangents(frames: object) -> bool:
    return isinstance(frames, list) and any(isinstance(f, dict) and "to" in f for f in frames)


def _bake_property(frames: list[object]) -> list[object] | None:
    """The keyframes with the tangents lottie-web ignores left out and each curved
    segment baked; None when neither changed anything."""

    def bake(key: object, after: object) -> list[object] | None:
        segment = _curved_segment(key, after)
        return None if segment is None else list(_bake_segment(*segment))

    straightened = straightened_in_place(frames)
    baked = _bake_segments(frames, bake)
    return frames if baked is None and straightened else baked


def straightened_in_place(frames: list[object]) -> bool:
    """Leave out, in place, the tangents lottie-web drops as it loads keyframes: those of
    a segment whose tangents lie on the line from its value to the next key's (``s``, as
    lottie-web reads it: not an old exporter's ``e``; 2D, or 3D by distances), or that
    stays put with zero tangents. It then moves straight, and a 3D curve whose tangents
    lie on its line does not overshoot. Whether any were."""
    changed = False
    for key, after in itertools.pairwise(frames):
        if not isinstance(key, dict) or not isinstance(after, dict):
            continue
        start, end = _vector(key.get("s")), _vector(after.get("s"))
        out_t, in_t = _vector(key.get("to")), _vector(key.get("ti"))
        if start is None or end is None or out_t is None or in_t is None:
            continue
        if len(start) not in (2, 3) or min(len(end), len(out_t), len(in_t)) < len(start):
            continue
        dims = len(start)
        c1 = [a + b for a, b in zip(start, out_t[:dims], strict=True)]
        c2 = [a + b for a, b in zip(end[:dims], in_t[:dims], strict=True)]
        moves = start != end[:dims]
        on_line = _on_line if dims == 2 else _on_line_3d
        still = not moves and not any(out_t[:dims]) and not any(in_t[:dims])
        if (moves and on_line(start, end, c1) and on_line(start, end, c2)) or still:
            del key["to"], key["ti"]
            changed = True
    return changed


Segment = tuple[float, float, Point, Point, Point, Point, dict[str, object], dict[str, object]]


def _curved_segment(key: object, after: object) -> Segment | None:
    """(start time, end time, start, end, out tangent, in tangent, easing out, easing in)
    of a curved segment from ``key`` to ``after``; None for anything else (held, straight,
    the last key, malformed)."""
    if not isinstance(key, dict) or not isinstance(after, dict) or key.get("h") == 1:
        return None
    t0, t1 = key.get("t"), after.get("t")
    start, end = _vector(key.get("s")), _vector(after.get("s") or key.get("e"))
    out_t, in_t = _vector(key.get("to")), _vector(key.get("ti"))
    ease_out, ease_in = key.get("o"), key.get("i")
    if not isinstance(t0, int | float) or not isinstance(t1, int | float):
        return None
    if start is None or end is None or out_t is None or in_t is None:
        return None
    if not isinstance(ease_out, dict) or not isinstance(ease_in, dict):
        return None
    if not 0 < t1 - t0 <= _LONGEST_SEGMENT or not (any(out_t) or any(in_t)):
        return None
    if len(in_t) != len(out_t) or min(len(start), len(end)) < len(out_t):
        return None
    return float(t0), float(t1), start, end, out_t, in_t, ease_out, ease_in


def _vector(value: object) -> Point | None:
    """``value`` if it is a non-empty list of numbers, else None."""
    if isinstance(value, list) and value and all(isinstance(c, int | float) for c in value):
        return value
    return None


def _bake_segment(
    t0: float,
    t1: float,
    start: Point,
    end: Point,
    out_t: Point,
    in_t: Point,
    ease_out: dict[str, object],
    ease_in: dict[str, object],
) -> list[dict[str, object]]:
    """Straight keyframes (``s`` and ``e``, no easing) following the curve from t0 to t1."""
    dims = len(out_t)
    points, lengths = _sampled_curve(start[:dims], end[:dims], out_t, in_t)
    ease = Easing.of(ease_out, ease_in)
    extra = list(start[dims:])  # components the tangents do not cover stay as they are

    def at(time: float) -> Point:
        return _point_at(points, lengths, ease((time - t0) / (t1 - t0)))

    def pieces(a: float, b: float, pa: Point, pb: Point) -> list[tuple[float, Point, Point]]:
        if b - a > _FINEST:
            middle = (a + b) / 2
            pm = at(middle)
            if math.dist([(u + v) / 2 for u, v in zip(pa, pb, strict=True)], pm) > _TOLERANCE:
                return pieces(a, middle, pa, pm) + pieces(middle, b, pm, pb)
        return [(a, pa, pb)]

    times = [t0 + k for k in range(math.ceil(t1 - t0 - 1e-6))] + [t1]
    values = [points[0], *(at(t) for t in times[1:-1]), points[-1]]
    baked: list[dict[str, object]] = []
    for k in range(len(times) - 1):
        for a, pa, pb in pieces(times[k], times[k + 1], values[k], values[k + 1]):
            baked.append({"t": a, "s": pa + extra, "e": pb + extra})
    return baked


def _sampled_curve(
    start: Point, end: Point, out_t: Point, in_t: Point
) -> tuple[list[Point], list[float]]:
    """lottie-web's samples of the curve and the length up to each."""
    c1 = [s + o for s, o in zip(start, out_t, strict=True)]
    c2 = [e + i for e, i in zip(end, in_t, strict=True)]
    weights = _WEIGHTS
    if len(start) == 2 and start != end and _on_line(start, end, c1) and _on_line(start, end, c2):
        weights = _STRAIGHT
    if len(start) in (2, 3) and start[2:] == c1[2:] == c2[2:] == end[2:]:
        # the usual case, z (if any) staying put, spelt out: a third of the time
        (ax, ay), (bx, by), (cx, cy), (dx, dy) = start[:2], c1[:2], c2[:2], end[:2]
        z = start[2:]
        points = [
            [w0 * ax + w1 * bx + w2 * cx + w3 * dx, w0 * ay + w1 * by + w2 * cy + w3 * dy, *z]
            for w0, w1, w2, w3 in weights
        ]
    else:
        columns = list(zip(start, c1, c2, end, strict=True))
        points = [
            [w0 * a + w1 * b + w2 * c + w3 * d for a, b, c, d in columns]
            for w0, w1, w2, w3 in weights
        ]
    lengths = [0.0, *itertools.accumulate(map(math.dist, points, points[1:]))]
    return points, lengths


def _bernstein(samples: int) -> list[tuple[float, float, float, float]]:
    """The cubic Bernstein weights at ``samples`` evenly spaced parameters from 0 to 1."""
    weights = []
    for k in range(samples):
        p = k / (samples - 1)
        q = 1 - p
        weights.append((q * q * q, 3 * q * q * p, 3 * q * p * p, p * p * p))
    return weights


_WEIGHTS = _bernstein(_CURVE_SAMPLES)
_STRAIGHT = _bernstein(2)


def _on_line(a: Point, b: Point, c: Point) -> bool:
    """lottie-web's test that ``c`` lies on the line through ``a`` and ``b``."""
    det = a[0] * b[1] + a[1] * c[0] + b[0] * c[1] - c[0] * b[1] - c[1] * a[0] - b[0] * a[1]
    return -0.001 < det < 0.001


def _on_line_3d(a: Point, b: Point, c: Point) -> bool:
    """lottie-web's test that ``c`` lies on the line through ``a`` and ``b`` in 3D: the
    2D one where all three lie at z 0, else by the sum of distances."""
    if a[2] == b[2] == c[2] == 0:
        return _on_line(a, b, c)
    ab, ac, bc = math.dist(a, b), math.dist(a, c), math.dist(b, c)
    longest = max(ab, ac, bc)
    return abs(2 * longest - ab - ac - bc) < 0.0001


def _point_at(points: list[Point], lengths: list[float], share: float) -> Point:
    """The point at ``share`` of the sampled length (ends held outside 0-1)."""
    distance = lengths[-1] * share
    if share <= 0 or distance <= 0:
        return list(points[0])
    j = bisect.bisect_right(lengths, distance)
    if j >= len(points):
        return list(points[-1])
    piece = lengths[j] - lengths[j - 1]
    f = (distance - lengths[j - 1]) / piece if piece > 0 else 0.0
    return [a + (b - a) * f for a, b in zip(points[j - 1], points[j], strict=True)]


def _first(value: object, default: float) -> float:
    value = value[0] if isinstance(value, list) and value else value
    return float(value) if isinstance(value, int | float) else default


class Easing:
    """A cubic-bezier easing from (0,0) through (x1,y1), (x2,y2) to (1,1)."""

    def __init__(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.linear = x1 == y1 and x2 == y2
        # x(t) = ((ax t + bx) t + cx) t, and y(t) alike
        self.ax, self.bx, self.cx = 1 - 3 * x2 + 3 * x1, 3 * x2 - 6 * x1, 3 * x1
        self.ay, self.by, self.cy = 1 - 3 * y2 + 3 * y1, 3 * y2 - 6 * y1, 3 * y1

    @classmethod
    def of(cls, ease_out: dict[str, object], ease_in: dict[str, object]) -> Easing:
        """A keyframe's easing (first component, as ThorVG and lottie-web use for a curve)."""
        x1, y1 = _first(ease_out.get("x"), 0.0), _first(ease_out.get("y"), 0.0)
        x2, y2 = _first(ease_in.get("x"), 1.0), _first(ease_in.get("y"), 1.0)
        return cls(x1, y1, x2, y2)

    def __call__(self, u: float) -> float:
        if u <= 0 or u >= 1 or self.linear:
            return min(max(u, 0.0), 1.0)
        t = self._solve_x(u)
        return ((self.ay * t + self.by) * t + self.cy) * t

    def _solve_x(self, u: float) -> float:
        """The t where x(t) = u: Newton's method; where it does not converge (a curve
        nearly flat at one end), Newton's steps kept inside a bracket that bisection
        narrows where a step would leave it."""
        ax, bx, cx = self.ax, self.bx, self.cx
        t = u
        for _ in range(8):
            error = ((ax * t + bx) * t + cx) * t - u
            if abs(error) < 1e-9:
                return t
            slope = (3 * ax * t + 2 * bx) * t + cx
            if abs(slope) < 1e-6:
                break
            t -= error / slope
            if not 0 <= t <= 1:
                break
        lo, hi, t = 0.0, 1.0, 0.5
        for _ in range(50):
            error = ((ax * t + bx) * t + cx) * t - u
            if abs(error) < 1e-12 or hi - lo < 1e-15:
                return t
            if error < 0:
                lo = t
            else:
                hi = t
            slope = (3 * ax * t + 2 * bx) * t + cx
            step = t - error / slope if slope else lo
            t = step if lo < step < hi else (lo + hi) / 2
        return t


def value_at(prop: object, time: float) -> Point | None:
    """An animatable property's value at ``time`` (frames), as lottie-web computes it:
    held keyframes, each dimension eased by its own curve, motion along curves; None for
    an expression or a form it does not know."""
    if not isinstance(prop, dict) or "x" in prop:
        return None
    frames = prop.get("k")
    if not prop.get("a"):
        return [float(frames)] if isinstance(frames, int | float) else _vector(frames)
    if not isinstance(frames, list) or not frames or not isinstance(frames[0], dict):
        return None
    index = 0
    while index + 1 < len(frames) and key_time(frames[index + 1]) <= time:
        index += 1
    key = frames[index]
    after = frames[index + 1] if index + 1 < len(frames) else None
    after = after if isinstance(after, dict) else None
    start = _vector(key.get("s")) if isinstance(key, dict) else None
    if start is None and index > 0:  # a last key that only gives its time
        previous = frames[index - 1]
        start = _vector(previous.get("e")) if isinstance(previous, dict) else None
    if start is None or after is None or time <= key_time(key) or key.get("h") == 1:
        return None if start is None else [float(v) for v in start]
    curved = _curved_segment(key, after)
    if curved is not None:
        t0, t1, begin, end, out_t, in_t, ease_out, ease_in = curved
        dims = len(out_t)
        points, lengths = _sampled_once(
            *(tuple(v) for v in (begin[:dims], end[:dims], out_t, in_t))
        )
        share = Easing.of(ease_out, ease_in)((time - t0) / (t1 - t0))
        return _point_at(points, lengths, share) + [float(v) for v in begin[dims:]]
    target = _vector(after.get("s") or key.get("e"))
    t0, t1 = key_time(key), key_time(after)
    if target is None or len(target) != len(start) or not t1 > t0:
        return None
    u = (time - t0) / (t1 - t0)
    eases = _easings(key, len(start))
    return [a + (b - a) * ease(u) for a, b, ease in zip(start, target, eases, strict=True)]


@functools.lru_cache(maxsize=256)
def _sampled_once(
    start: tuple[float, ...],
    end: tuple[float, ...],
    out_t: tuple[float, ...],
    in_t: tuple[float, ...],
) -> tuple[list[Point], list[float]]:
    """:func:`_sampled_curve`, remembered: a layer's orientation reads each segment's
    curve at every frame, twice (rlottie's D Transforms sample, 32 auto-oriented layers:
    0.40 s to rewrite, 0.12 s remembered)."""
    return _sampled_curve(list(start), list(end), list(out_t), list(in_t))


def key_time(key: object) -> float:
    """A keyframe's time (infinity for a malformed one: never reached)."""
    t = key.get("t") if isinstance(key, dict) else None
    return float(t) if isinstance(t, int | float) else math.inf


def bake_auto_orient(layers: list[dict[str, object]]) -> bool:
    """Turn every 2D auto-oriented layer (``"ao": 1``) whose position is keyframed into
    one without, its rotation baked at every frame to its own plus the direction of its
    motion, measured as lottie-web measures it (see the module's text); whether any was."""
    changed = False
    for layer in layers:
        turns = _turns(layer)
        if turns is not None:
            layer["ks"]["r"] = {"a": 1, "k": turns}  # type: ignore[index]
            layer["ao"] = 0
            changed = True
    return changed


def _turns(layer: dict[str, object]) -> list[dict[str, object]] | None:
    """An auto-oriented layer's rotation keyframes, one a frame; None where it is not
    one or they cannot be worked out. Keyframes count the frames of the layer's
    composition, whatever the layer's start (``st``), as both players count them."""
    ks, first, last = layer.get("ks"), layer.get("ip"), layer.get("op")
    if layer.get("ao") != 1 or layer.get("ddd") == 1 or not isinstance(ks, dict):
        return None
    if not isinstance(first, int | float) or not isinstance(last, int | float):
        return None
    if not 0 <= last - first <= _LONGEST_SEGMENT:
        return None
    keys: list[dict[str, object]] = []
    previous = None
    for time in range(math.floor(first), math.ceil(last) + 1):
        angle, spin = _orientation(ks, time), value_at(ks.get("r", {"a": 0, "k": 0}), time)
        if angle is None or not spin:
            return None
        total = spin[0] + angle
        if previous is not None:  # the short way round from the frame before
            total -= 360 * round((total - previous) / 360)
        keys.append({"t": time, "s": [total], "i": {"x": [1], "y": [1]},
                     "o": {"x": [0], "y": [0]}})  # fmt: skip
        previous = total
    return keys


def _orientation(ks: dict[str, object], time: float) -> float | None:
    """The direction of motion (degrees) lottie-web turns an auto-oriented layer by at
    ``time``: from the position 0.01 frames before to now (at the first keyframe, to
    0.01 after it; at the last, from 0.05 before it, 0.01 for a split position); None
    where the position is not keyframed or cannot be read."""
    position = ks.get("p")
    if not isinstance(position, dict):
        return None
    split = bool(position.get("s"))
    tracks: list[object] = [position.get("x"), position.get("y")] if split else [position]
    keys = tracks[0].get("k") if isinstance(tracks[0], dict) else None
    if not all(isinstance(t, dict) and t.get("a") for t in tracks) or not isinstance(keys, list):
        return None
    t0, t1 = key_time(keys[0]), key_time(keys[-1])
    if not math.isfinite(t0) or not math.isfinite(t1):
        return None
    if time <= t0:
        now, before = t0 + 0.01, t0
    elif time >= t1:
        now, before = t1, t1 - (0.01 if split else 0.05)
    else:
        now, before = time, time - 0.01
    head, tail = _position(tracks, now), _position(tracks, before)
    if head is None or tail is None:
        return None
    return math.degrees(math.atan2(head[1] - tail[1], head[0] - tail[0]))


def _position(tracks: list[object], time: float) -> Point | None:
    """x and y at ``time``, from one position property or two split ones."""
    point: Point = []
    for track in tracks:
        value = value_at(track, time)
        if value is None or len(value) < 3 - len(tracks):
            return None
        point.extend(value[: 3 - len(tracks)])
    return point
