"""After Effects' "Create Nulls From Paths" rigs, baked into keyframes: paths whose points
follow null layers, and null layers that trace a path.

The script's "Points Follow Nulls" gives a path an
expression that moves each of its points to a null layer, named through a Layer Control
effect: ``fromCompToSurface(null.toComp(null.anchorPoint))`` inside ``createPath(...)``.
ThorVG 1.0 evaluates none of ``createPath``, ``fromCompToSurface`` or ``points()``, so
the path stays where the file saved it (a worm's body that should ripple lies still).
lottie-web moves the points. :func:`bake_null_rigs` replaces such a path by a
keyframe at every frame of its layer, each point where its null is, in the layer's own
space; the tangents and the rest stay as saved. Paths inside a moved group, 3D or
auto-oriented layers, skews, stretched time and transforms with expressions are left to
ThorVG.

Its "Trace Path" gives a null a Trace Path effect (a Progress from 0 to 100) and a
position expression that puts the null that share of the way along a path of another
layer: ``pathLayer.toComp(pathLayer(path).pointOnPath(progress))``, the path named by
match names and indices (``("ADBE Root Vectors Group")(1)("ADBE Vector Shape")``). ThorVG
1.0 reads neither an animated effect value nor a path named so (one such file crashed it
while loading), and its ``pointOnPath`` takes the curve's parameter, not the share of its
length. :func:`bake_null_rigs` replaces such a position by a keyframe at every frame of
the null, where lottie-web puts it: the share of the path's length measured as lottie-web
measures it (150 points a segment), the Progress's ``loopOut`` included (the script loops
it only while the effect's Loop box is ticked); the rotation the script gives the null
(``tangentOnPath``: turned along the path) is baked the same way. Only a path that does not
move inside its layer (no expression, no group transform), or one baked here. lottie-web
measures the path's length once, when an expression first asks, and keeps those lengths
as the path moves; so does the bake (measured on the tracing layer's first frame).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from studio_render.compositions.lottie_bounce import bounce_at
from studio_render.compositions.lottie_motion import value_at

#: What the script's expression calls: all of these tell it.
_MARKERS = ("nullLayerNames", "createPath(", "fromCompToSurface(", "toComp(")
#: The null layers' effect names, in the order of the points they move.
_NAMES = re.compile(r"nullLayerNames\s*=\s*\[(.*?)\]\s*;", re.S)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
#: A looping expression: ``loopOut('cycle')``, ``loopIn("pingpong")``, as Bodymovin writes
#: them (``var $bm_rt; $bm_rt = loopOut('cycle');``), or guarded as the Trace Path effect's
#: Progress has it (``if (thisProperty.numKeys > 1) {...loopOut('cycle')} else {value}``).
LOOP = re.compile(
    r"\s*(?:var \$bm_rt;\s*)?(?:\$bm_rt\s*=\s*)?(?:thisProperty\.)?loop(?P<side>Out|In)"
    r"\(\s*(?:['\"](?P<kind>cycle|pingpong)['\"])?\s*\)\s*;?\s*"
)
#: A loop guarded as the script writes the Progress's: ``if (thisProperty.numKeys > 1)
#: {...loopOut('cycle')} else {value}``, in newer versions also only while a checkbox of
#: the same effect is ticked (``thisProperty.propertyGroup(1)('...-0002') == true &&``).
_GUARDED_LOOP = re.compile(
    r"\s*var \$bm_rt;\s*if\s*\(\s*(?:thisProperty\.propertyGroup\(1\)\("
    r"\s*(?P<box>'[^']*'|\"[^\"]*\")\s*\)\s*==\s*true\s*&&\s*)?thisProperty\.numKeys\s*>\s*1\s*\)\s*\{\s*"
    r"(?P<loop>\$bm_rt\s*=\s*thisProperty\.loop(?:Out|In)\([^)]*\)\s*;?)\s*\}\s*else\s*\{\s*"
    r"\$bm_rt\s*=\s*value\s*;?\s*\}\s*"
)
#: What the Trace Path expression calls, and the effect it reads.
_TRACE_MARKERS = ("pointOnPath(", "toComp(", "ADBE Trace Path")
_TRACE_EFFECT = "Pseudo/ADBE Trace Path"
_TRACE = re.compile(
    r"var\s+(?P<var>\w+)\s*=\s*thisComp\.layer\((?P<layer>'[^']*'|\"[^\"]*\")\)\s*;"
    r".*?=\s*(?P=var)(?P<path>\(\s*['\"]ADBE Root Vectors Group['\"]\s*\)"
    r"(?:\(\s*(?:\d+|'[^']*'|\"[^\"]*\")\s*\))*)\s*;"
    r".*?(?P=var)\.toComp\(\s*\w+\.pointOnPath\(\s*\w+\s*\)\s*\)",
    re.S,
)
#: The rotation expression the script writes beside it: the null turned along the path.
_TURN = re.compile(
    r"thisComp\.layer\((?P<layer>'[^']*'|\"[^\"]*\")\)(?P<path>\(\s*['\"]ADBE Root Vectors Group"
    r"['\"]\s*\)(?:\(\s*(?:\d+|'[^']*'|\"[^\"]*\")\s*\))*)\s*;.*?var\s+(?P<var>\w+)\s*=\s*\w+\."
    r"tangentOnPath\(\s*\w+\s*\)\s*;.*?radiansToDegrees\(\s*Math\.atan2\(\s*(?P=var)\[1\]\s*,"
    r"\s*(?P=var)\[0\]\s*\)\s*\)",
    re.S,
)
_STEP = re.compile(r"\(\s*(\d+|'[^']*'|\"[^\"]*\")\s*\)")
#: The progress as the script computes it: the effect's first value over 100.
_PROGRESS = re.compile(
    r"effect\(\s*['\"]Pseudo/ADBE Trace Path['\"]\s*\)\(\s*['\"]Pseudo/ADBE Trace Path-0001"
    r"['\"]\s*\)(?:\s*/\s*100\b|\s*,\s*100\s*\))"
)
#: lottie-web's points per path segment when it measures lengths.
_CURVE_POINTS = 150
#: Most frames baked for one path, and layers followed up a parent chain.
_MOST_FRAMES = 20_000
_DEEPEST_PARENTS = 32

#: An affine transform (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
Layer = dict[str, Any]


def bake_null_rigs(compositions: list[list[Layer]], fps: float) -> bool:
    """Bake, in place, every path of these compositions' layers whose points follow nulls
    and every layer that traces a path (see above), at ``fps`` frames a second (what
    expressions' time counts in); whether any was."""
    changed = False
    for layers in compositions:
        by_index = {layer["ind"]: layer for layer in layers if is_number(layer.get("ind"))}
        for layer in layers:
            if layer.get("ty") == 4:
                for path in _paths(layer.get("shapes")):
                    changed |= _bake(path, layer, by_index, fps)
        for layer in layers:  # after the paths: a traced path may follow nulls
            changed |= _bake_trace(layer, layers, by_index, fps)
    return changed


def _bake_trace(
    layer: Layer, layers: list[Layer], by_index: dict[object, Layer], fps: float
) -> bool:
    ks = layer.get("ks")
    position = ks.get("p") if isinstance(ks, dict) else None
    if not isinstance(ks, dict) or not isinstance(position, dict):
        return False
    code = position.get("x")
    if not isinstance(code, str) or not all(m in code for m in _TRACE_MARKERS):
        return False
    found = _TRACE.search(code)
    if found is None or _PROGRESS.search(code) is None or position.get("s"):
        return False
    traced = layer_named(found["layer"][1:-1], layers)
    path = _traced_path(traced, found["path"]) if traced is not None else None
    progress = _trace_progress(layer)
    if path is None or progress is None or traced is None or layer.get("sr", 1) != 1:
        return False
    measured: dict[float, tuple[dict[str, Any], list[tuple[Segment, list[float]]]] | None] = {}
    held = _held_by_time(path)
    frames = layer_frames(layer)
    first = frames[0] if frames else 0

    def shape_at(frame: int) -> tuple[dict[str, Any], list[tuple[Segment, list[float]]]] | None:
        """The traced path at composition ``frame``, each segment with the lengths along it
        that lottie-web measured once, on the path at the layer's first frame (it keeps
        them as the path moves: ``pointOnPath`` caches ``_segmentsLength``)."""
        if frame not in measured:
            shape = path_shape(path.get("k") if held is None else held.get(frame))
            at_first = shape_at(first) if frame != first else None
            segments = None if shape is None else _measured(shape)
            if segments is not None and at_first is not None:
                kept = [lengths for _, lengths in at_first[1]]
                segments = (
                    [(s, k) for (s, _), k in zip(segments, kept, strict=True)]
                    if len(kept) == len(segments)
                    else None
                )
            measured[frame] = None if shape is None or segments is None else (shape, segments)
        return measured[frame]

    def share_at(frame: int) -> float | None:
        """The Progress at ``frame``, as a share of the path's length."""
        progress_now = value_or_loop_at(progress, frame, [0.0])
        return None if progress_now is None else progress_now[0] / 100

    def position_at(frame: int) -> list[float] | None:
        share, world, now = (
            share_at(frame),
            world_matrix(traced, frame, by_index, fps),
            shape_at(frame),
        )
        if share is None or world is None or now is None:
            return None
        return [*apply_matrix(world, _point_on_path(*now, share)), 0]

    def rotation_at(frame: int) -> list[float] | None:
        share, now = share_at(frame), shape_at(frame)
        if share is None or now is None:
            return None
        x, y = _tangent_on_path(*now, share)
        return [math.degrees(math.atan2(y, x))]

    if not bake_into(position, layer, position_at):
        return False
    rotation = ks["r"] if isinstance(ks.get("r"), dict) else {}
    turn = _TURN.search(str(rotation.get("x", "")))
    if (turn is not None and turn.group("layer", "path") == found.group("layer", "path")
            and _PROGRESS.search(turn.string)):  # fmt: skip
        bake_into(rotation, layer, rotation_at)
    return True


def layer_named(name: str | int, layers: list[Layer]) -> Layer | None:
    """The first layer named ``name``, or the one whose index it is."""
    key = "ind" if isinstance(name, int) else "nm"
    return next((layer for layer in layers if layer.get(key) == name), None)


def _traced_path(layer: Layer, path: str) -> dict[str, Any] | None:
    """The path property that the match names and indices of ``path`` name in
    ``layer``'s contents, if no group moves it, it has no expression and it is static
    or baked here (see :func:`_held_by_time`)."""
    items: object = layer.get("shapes")
    item: dict[str, Any] | None = None
    for step in _STEP.findall(path)[1:]:  # after "ADBE Root Vectors Group"
        name: str | int = int(step) if step.isdigit() else step[1:-1]
        if name == "ADBE Vectors Group" and item is not None and item.get("ty") == "gr":
            if not _unmoved(item.get("it")):
                return None
            items = item.get("it")
            continue
        if name in ("ADBE Vector Shape", "ADBE Vector Shape - Group") and item is not None:
            continue
        contents = [i for i in items if isinstance(i, dict) and i.get("ty") != "tr"] \
            if isinstance(items, list) else []  # fmt: skip
        if isinstance(name, int):
            item = contents[name - 1] if 0 < name <= len(contents) else None
        else:
            item = next((i for i in contents if name in (i.get("nm"), i.get("mn"))), None)
        if item is None:
            return None
    prop = item.get("ks") if item is not None and item.get("ty") == "sh" else None
    return prop if isinstance(prop, dict) and "x" not in prop else None


def _held_by_time(prop: dict[str, Any]) -> dict[object, object] | None:
    """Where ``prop`` holds keyframes, the value each holds by its time (a path baked by
    :func:`_bake` has one at every frame, read at exactly that time); None for a static
    one."""
    keys = prop.get("k")
    if not prop.get("a"):
        return None
    held = {}
    for key in keys if isinstance(keys, list) else []:
        value = key.get("s") if isinstance(key, dict) else None
        if isinstance(value, list) and value:
            held[key.get("t")] = value[0]
    return held


def path_shape(value: object) -> dict[str, Any] | None:
    """``value`` if it is a path (``v``, ``i``, ``o``, ``c``) with points, or None."""
    if not isinstance(value, dict) or not _points(value.get("v")):
        return None
    count = len(value["v"])
    for key in ("i", "o"):
        if not _points(value.get(key)) or len(value[key]) != count:
            return None
    return value if count else None


def _trace_progress(layer: Layer) -> dict[str, Any] | None:
    """The Progress property of ``layer``'s Trace Path effect (see :func:`effect_property`)."""
    effects = layer.get("ef")
    for effect in effects if isinstance(effects, list) else []:
        if isinstance(effect, dict) and effect.get("mn") == _TRACE_EFFECT:
            values = effect.get("ef")
            first = values[0] if isinstance(values, list) and values else None
            return effect_property(effect, first) if isinstance(first, dict) else None
    return None


def effect_property(effect: dict[str, Any], item: dict[str, Any]) -> dict[str, Any] | None:
    """The property of ``item``, a value of ``effect``; a loop that runs only while a
    checkbox of the effect is ticked (as the Trace Path effect's Progress has it) becomes
    that loop, or no expression, by the box's value; None where that box is animated."""
    prop = item.get("v")
    if not isinstance(prop, dict):
        return None
    guarded = _GUARDED_LOOP.fullmatch(str(prop.get("x", "")))
    if guarded is None or guarded["box"] is None:
        return prop
    name = guarded["box"][1:-1]
    siblings = effect.get("ef")
    box = next((i for i in siblings if isinstance(i, dict) and name in (i.get("mn"), i.get("nm"))),
               None) if isinstance(siblings, list) else None  # fmt: skip
    prop_of_box = box.get("v") if box is not None else None
    ticked = value_at(prop_of_box, 0) if isinstance(prop_of_box, dict) else None
    if ticked is None or (isinstance(prop_of_box, dict) and prop_of_box.get("a")):
        return None
    unguarded = {key: value for key, value in prop.items() if key != "x"}
    return {**unguarded, "x": f"var $bm_rt;\n{guarded['loop']}"} if ticked[0] else unguarded


Segment = tuple[tuple[float, float], ...]


def _measured(shape: dict[str, Any]) -> list[tuple[Segment, list[float]]]:
    """Each segment of a path (its four points) with the lengths along it at lottie-web's
    150 points (``bez.getBezierLength``)."""
    v, i, o = shape["v"], shape["i"], shape["o"]
    count = len(v)
    ends = [(k, k + 1) for k in range(count - 1)]
    if shape.get("c") and count:
        ends.append((count - 1, 0))
    measured: list[tuple[Segment, list[float]]] = []
    for a, b in ends:
        p0 = (float(v[a][0]), float(v[a][1]))
        p3 = (float(v[b][0]), float(v[b][1]))
        p1 = (p0[0] + o[a][0], p0[1] + o[a][1])
        p2 = (p3[0] + i[b][0], p3[1] + i[b][1])
        segment: Segment = (p0, p1, p2, p3)
        lengths, total, last = [], 0.0, p0
        for k in range(_CURVE_POINTS):
            point = _bezier(segment, k / (_CURVE_POINTS - 1))
            total += math.dist(point, last)
            lengths.append(total)
            last = point
        measured.append((segment, lengths))
    return measured


def _point_on_path(
    shape: dict[str, Any], segments: list[tuple[Segment, list[float]]], share: float
) -> tuple[float, float]:
    """lottie-web's ``pointOnPath(share)``: the point that share of the path's length
    along it (its last point, or its first for a closed path, past the end)."""
    position = sum(lengths[-1] for _, lengths in segments) * share
    walked = 0.0
    for segment, lengths in segments:
        if walked + lengths[-1] > position:
            return _bezier(segment, _parameter((position - walked) / lengths[-1], lengths))
        walked += lengths[-1]
    end = shape["v"][0] if shape.get("c") else shape["v"][-1]
    return (float(end[0]), float(end[1]))


def _tangent_on_path(
    shape: dict[str, Any], segments: list[tuple[Segment, list[float]]], share: float
) -> tuple[float, float]:
    """lottie-web's ``tangentOnPath(share)``: the unit vector from the point at ``share`` to
    the one a thousandth further (at 1: from the start, or the end of an open path; at 0:
    from 0.999, as lottie-web has it); (0, 0) where the two coincide."""
    if share == 1:
        share = 1.0 if shape.get("c") else 0.0
    elif share == 0:
        share = 0.999
    x1, y1 = _point_on_path(shape, segments, share)
    x2, y2 = _point_on_path(shape, segments, share + 0.001)
    length = math.hypot(x2 - x1, y2 - y1)
    return ((x2 - x1) / length, (y2 - y1) / length) if length else (0.0, 0.0)


def _parameter(share: float, lengths: list[float]) -> float:
    """lottie-web's ``getDistancePerc``: the curve parameter at ``share`` of a segment's
    length, between its sampled points (the first and the last sample taken as they are)."""
    count = len(lengths)
    index = math.floor((count - 1) * share)
    position = share * lengths[-1]
    if index in (0, count - 1) or position == lengths[index]:
        return index / (count - 1)
    while 0 <= index < count - 1:
        if lengths[index] <= position < lengths[index + 1]:
            part = (position - lengths[index]) / (lengths[index + 1] - lengths[index])
            return (index + part) / (count - 1)
        index += 1 if lengths[index] <= position else -1
    return min(max(index, 0), count - 1) / (count - 1)


def _bezier(segment: Segment, t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = segment
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (round((a * x0 + b * x1 + c * x2 + d * x3) * 1000) / 1000,
            round((a * y0 + b * y1 + c * y2 + d * y3) * 1000) / 1000)  # fmt: skip


def is_number(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a finite number (a layer's index, a time), not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _paths(shapes: object) -> Iterator[dict[str, Any]]:
    """The path properties among ``shapes`` that no group transform moves."""
    for item in shapes if isinstance(shapes, list) else []:
        if not isinstance(item, dict):
            continue
        if item.get("ty") == "sh" and isinstance(item.get("ks"), dict):
            yield item["ks"]
        elif item.get("ty") == "gr" and _unmoved(item.get("it")):
            yield from _paths(item.get("it"))


def _unmoved(items: object) -> bool:
    """Whether a group's transform (if it has one) leaves its contents where they are."""
    transforms = [i for i in items if isinstance(i, dict) and i.get("ty") == "tr"] \
        if isinstance(items, list) else []  # fmt: skip
    if not transforms:
        return True
    transform = transforms[0]
    values: dict[str, list[float]] = {}
    for key, default in (("p", [0.0, 0.0]), ("a", [0.0, 0.0]), ("s", [100.0, 100.0]),
                         ("r", [0.0]), ("sk", [0.0])):  # fmt: skip
        prop = transform.get(key)
        value = default if prop is None else value_at(prop, 0.0)
        if value is None or (isinstance(prop, dict) and prop.get("a")):
            return False
        values[key] = value
    return (values["p"][:2] == values["a"][:2] and values["s"][:2] == [100.0, 100.0]
            and values["r"][0] == 0 and values["sk"][0] == 0)  # fmt: skip


def _bake(path: dict[str, Any], layer: Layer, by_index: dict[object, Layer], fps: float) -> bool:
    expression = path.get("x")
    if not isinstance(expression, str) or not all(m in expression for m in _MARKERS):
        return False
    saved = path.get("k")
    shape = saved[0] if isinstance(saved, list) and saved else saved
    if path.get("a") or not isinstance(shape, dict) or not _points(shape.get("v")):
        return False
    effects = layer.get("ef")
    named = {e["nm"]: e for e in effects if isinstance(e, dict) and isinstance(e.get("nm"), str)} \
        if isinstance(effects, list) else {}  # fmt: skip
    nulls = {}
    for point, name in enumerate(_null_names(expression)[: len(shape["v"])]):
        index = _layer_control(named.get(name))
        null = by_index.get(index) if is_number(index) else None
        if null is not None and null is not layer:
            nulls[point] = null
    if not nulls:
        return False

    def shape_at(frame: int) -> list[dict[str, Any]] | None:
        surface = world_matrix(layer, frame, by_index, fps)
        inverse = inverse_matrix(surface) if surface is not None else None
        if inverse is None:
            return None
        vertices = [list(v) for v in shape["v"]]
        for point, null in nulls.items():
            world = world_matrix(null, frame, by_index, fps)  # None unless its "ks" is sound
            if world is None:
                return None
            anchor = value_or_loop_at(null["ks"].get("a"), frame, [0.0, 0.0])
            if anchor is None or len(anchor) < 2:
                return None
            vertices[point] = list(
                apply_matrix(inverse, apply_matrix(world, (anchor[0], anchor[1])))
            )
        return [{**shape, "v": vertices}]

    return bake_into(path, layer, shape_at)


def _points(value: object) -> bool:
    """Whether ``value`` is a list of points (lists of at least two numbers)."""
    return isinstance(value, list) and all(
        isinstance(v, list) and len(v) >= 2 and all(map(is_number, v[:2])) for v in value
    )


def _null_names(expression: str) -> list[str]:
    found = _NAMES.search(expression)
    if found is None:
        return []
    return [single or double for single, double in _STRING.findall(found.group(1))]


def _layer_control(effect: object) -> object:
    """The layer index a Layer Control effect names (None for anything else)."""
    values = effect.get("ef") if isinstance(effect, dict) else None
    for value in values if isinstance(values, list) else []:
        if isinstance(value, dict) and value.get("ty") == 10 and isinstance(value.get("v"), dict):
            return value["v"].get("k")
    return None


def world_matrix(
    layer: Layer, frame: float, by_index: dict[object, Layer], fps: float
) -> Matrix | None:
    """A layer's transform to the composition at composition frame ``frame``, its
    parents' included; None where it cannot be computed here."""
    matrix: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    current = layer
    for _ in range(_DEEPEST_PARENTS):
        local = _local(current, frame, fps)
        if local is None:
            return None
        matrix = _multiply(local, matrix)
        parent = current.get("parent")
        if parent is None:
            return matrix
        found = by_index.get(parent) if is_number(parent) else None
        if found is None:
            return None
        current = found
    return None


def _local(layer: Layer, frame: float, fps: float) -> Matrix | None:
    """translate(position) rotate(rotation) scale(scale) translate(-anchor), at
    composition frame ``frame`` (a layer's keyframes count the frames of the composition
    it is in, whatever its start, in lottie-web and ThorVG alike); an inertial bounce on
    the position included (see :mod:`lottie_bounce`)."""
    ks, time = layer.get("ks"), frame
    if not isinstance(ks, dict):
        return None
    if layer.get("ddd") == 1 or layer.get("ao") == 1 or layer.get("sr", 1) != 1:
        return None
    p = position_at(layer, time, fps)
    a = value_or_loop_at(ks.get("a"), time, [0.0, 0.0])
    s = value_or_loop_at(ks.get("s"), time, [100.0, 100.0])
    r = value_or_loop_at(ks.get("r"), time, [0.0])
    if (
        p is None
        or a is None
        or s is None
        or r is None
        or value_or_loop_at(ks.get("sk"), time, [0.0]) != [0]
    ):
        return None
    if min(len(p), len(a), len(s)) < 2:
        return None
    cos, sin = math.cos(math.radians(r[0])), math.sin(math.radians(r[0]))
    xx, xy, yx, yy = cos * s[0] / 100, sin * s[0] / 100, -sin * s[1] / 100, cos * s[1] / 100
    return (xx, xy, yx, yy, p[0] - xx * a[0] - yx * a[1], p[1] - xy * a[0] - yy * a[1])


def position_at(layer: Layer, time: float, fps: float) -> list[float] | None:
    """A layer's position at composition frame ``time``: split in x and y or not, an
    inertial bounce or a loop included; None where it cannot be computed here."""
    ks = layer.get("ks")
    position = ks.get("p") if isinstance(ks, dict) else None
    if isinstance(position, dict) and position.get("s"):
        x = value_or_loop_at(position.get("x"), time, [0.0])
        y = value_or_loop_at(position.get("y"), time, [0.0])
        return None if x is None or y is None else [x[0], y[0]]
    if isinstance(position, dict) and "x" in position:
        return bounce_at(position, time, layer, fps) or value_or_loop_at(position, time, [0.0, 0.0])
    return value_or_loop_at(position, time, [0.0, 0.0])


def value_or_loop_at(prop: object, time: float, default: list[float]) -> list[float] | None:
    """A property's value at ``time``, a ``loopOut``/``loopIn`` expression's ``cycle`` or
    ``pingpong`` included; ``default`` where there is none."""
    if prop is None:
        return default
    if not isinstance(prop, dict) or "x" not in prop:
        return value_at(prop, time)
    code = str(prop["x"])
    guarded = _GUARDED_LOOP.fullmatch(code)
    if guarded is not None and guarded["box"] is not None:
        return None  # the box decides (see :func:`effect_property`)
    loop = LOOP.fullmatch(guarded["loop"] if guarded is not None else code)
    keys = prop.get("k")
    unlooped = {key: v for key, v in prop.items() if key != "x"}
    if guarded is not None and not (isinstance(keys, list) and len(keys) > 1):
        return value_at(unlooped, time)  # the guard's "value"
    if loop is not None and not prop.get("a"):
        return value_at(unlooped, time)  # a loop of a static value is that value
    if loop is None or not isinstance(keys, list) or len(keys) < 2:
        return None
    times = [
        key["t"] for key in keys if isinstance(key, dict) and isinstance(key.get("t"), int | float)
    ]
    if len(times) != len(keys):
        return None
    first, last = float(times[0]), float(times[-1])
    span = last - first
    outside = time - last if loop["side"] == "Out" else first - time
    if span > 0 and outside > 0:
        cycles, into = divmod(outside, span)
        backwards = loop["kind"] == "pingpong" and cycles % 2 == 0
        if loop["side"] == "Out":
            time = last - into if backwards else first + into
        else:  # lottie-web's loopIn cycles back from frame 0, not from the first key
            time = first + into if backwards else span - into - first
    return value_at(unlooped, time)


def looped_keyframes(prop: dict[str, Any], layer: Layer) -> list[dict[str, Any]] | None:
    """Keyframes at every frame of ``layer`` that follow ``prop``, its ``loopOut`` or
    ``loopIn`` expression included (see :func:`value_or_loop_at`); None where that cannot
    be done."""
    return baked_keyframes(layer, lambda frame: value_or_loop_at(prop, frame, [0.0]))


def bake_into(
    prop: dict[str, Any],
    layer: Layer,
    value: Callable[[int], object | None],
    span: tuple[float, float] | None = None,
) -> bool:
    """Replace ``prop``'s expression and value by :func:`baked_keyframes`; whether done."""
    keys = baked_keyframes(layer, value, span)
    if keys is None:
        return False
    prop.pop("x", None)
    prop.update(a=1, k=keys)
    return True


def layer_frames(layer: Layer, span: tuple[float, float] | None = None) -> range | None:
    """The whole frames from ``layer``'s in point to its out point (within ``span`` where
    given), both included; None where its times are not numbers or it spans more than
    :data:`_MOST_FRAMES`."""
    first, last = layer.get("ip"), layer.get("op")
    if not (is_number(first) and is_number(last)):
        return None
    assert isinstance(first, int | float) and isinstance(last, int | float)
    if span is not None:
        first, last = max(first, span[0]), min(last, span[1])
    frames = range(math.floor(first), math.ceil(last) + 1)
    return frames if len(frames) <= _MOST_FRAMES else None


def baked_keyframes(
    layer: Layer, value: Callable[[int], object | None], span: tuple[float, float] | None = None
) -> list[dict[str, Any]] | None:
    """Straight keyframes at every frame of ``layer`` (the composition's, from its in to its
    out point, within ``span`` where given: keyframe times count the composition's frames),
    each holding ``value(frame)``; None where its times are not numbers, it spans too many
    frames, or a value is None."""
    frames = layer_frames(layer, span)
    if frames is None:
        return None
    keys = []
    for frame in frames:
        held = value(frame)
        if held is None:
            return None
        keys.append({"t": frame, "s": held,
                     "i": {"x": [1], "y": [1]}, "o": {"x": [0], "y": [0]}})  # fmt: skip
    return keys


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` after ``n``: a point goes through ``n`` first."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)  # fmt: skip


def inverse_matrix(m: Matrix) -> Matrix | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def apply_matrix(m: Matrix, point: tuple[float, float]) -> tuple[float, float]:
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
