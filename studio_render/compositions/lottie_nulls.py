"""Paths whose points follow null layers, baked into keyframes.

After Effects' "Create Nulls From Paths" script ("Points Follow Nulls") gives a path an
expression that moves each of its points to a null layer, named through a Layer Control
effect: ``fromCompToSurface(null.toComp(null.anchorPoint))`` inside ``createPath(...)``.
ThorVG 1.0 evaluates none of ``createPath``, ``fromCompToSurface`` or ``points()``, so
the path stays where the file saved it (a worm's body that should ripple lies still).
lottie-web moves the points. :func:`bake_points_follow_nulls` replaces such a path by a
keyframe at every frame of its layer, each point where its null is, in the layer's own
space; the tangents and the rest stay as saved. Paths inside a moved group, 3D or
auto-oriented layers, skews, stretched time and transforms with expressions are left to
ThorVG.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from studio_render.compositions.lottie_motion import value_at

#: What the script's expression calls: all of these tell it.
_MARKERS = ("nullLayerNames", "createPath(", "fromCompToSurface(", "toComp(")
#: The null layers' effect names, in the order of the points they move.
_NAMES = re.compile(r"nullLayerNames\s*=\s*\[(.*?)\]\s*;", re.S)
_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")
#: A looping expression: ``loopOut('cycle')``, ``loopIn("pingpong")``, as Bodymovin writes
#: them (``var $bm_rt; $bm_rt = loopOut('cycle');``).
_LOOP = re.compile(r"\s*(?:var \$bm_rt;\s*)?(?:\$bm_rt\s*=\s*)?loop(?P<side>Out|In)\(\s*"
                   r"(?:['\"](?P<kind>cycle|pingpong)['\"])?\s*\)\s*;?\s*")  # fmt: skip
#: Most frames baked for one path, and layers followed up a parent chain.
_MOST_FRAMES = 20_000
_DEEPEST_PARENTS = 32

#: An affine transform (a, b, c, d, e, f): x' = a x + c y + e, y' = b x + d y + f.
Matrix = tuple[float, float, float, float, float, float]
Layer = dict[str, Any]


def bake_points_follow_nulls(compositions: list[list[Layer]]) -> bool:
    """Bake, in place, every path of these compositions' layers whose points follow
    nulls (see above); whether any was."""
    changed = False
    for layers in compositions:
        by_index = {layer["ind"]: layer for layer in layers if _is_index(layer.get("ind"))}
        for layer in layers:
            if layer.get("ty") == 4:
                for path in _paths(layer.get("shapes")):
                    changed |= _bake(path, layer, by_index)
    return changed


def _is_index(value: object) -> bool:
    """Whether ``value`` can be a layer's index (a number, as files give it)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


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


def _bake(path: dict[str, Any], layer: Layer, by_index: dict[object, Layer]) -> bool:
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
        null = by_index.get(index) if _is_index(index) else None
        if null is not None and null is not layer:
            nulls[point] = null
    first, last, start = layer.get("ip"), layer.get("op"), layer.get("st", 0)
    if not nulls or not isinstance(first, int | float) or not isinstance(last, int | float):
        return False
    if not isinstance(start, int | float):
        return False
    frames = range(math.floor(first), math.ceil(last) + 1)  # the composition's
    if len(frames) > _MOST_FRAMES:
        return False
    keys = []
    for frame in frames:
        surface = _world(layer, frame, by_index)
        inverse = _inverse(surface) if surface is not None else None
        if inverse is None:
            return False
        vertices = [list(v) for v in shape["v"]]
        for point, null in nulls.items():
            world = _world(null, frame, by_index)  # None unless its "ks" and "st" are sound
            if world is None:
                return False
            anchor = _at(null["ks"].get("a"), frame - null.get("st", 0), [0.0, 0.0])
            if anchor is None or len(anchor) < 2:
                return False
            vertices[point] = list(_apply(inverse, _apply(world, (anchor[0], anchor[1]))))
        keys.append({"t": frame - start, "s": [{**shape, "v": vertices}],
                     "i": {"x": [1], "y": [1]}, "o": {"x": [0], "y": [0]}})  # fmt: skip
    path.pop("x")
    path.update(a=1, k=keys)
    return True


def _points(value: object) -> bool:
    """Whether ``value`` is a list of points (lists of at least two numbers)."""
    return isinstance(value, list) and all(
        isinstance(v, list) and len(v) >= 2 and all(isinstance(c, int | float) for c in v[:2])
        for v in value
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


def _world(layer: Layer, frame: float, by_index: dict[object, Layer]) -> Matrix | None:
    """A layer's transform to the composition at composition frame ``frame``, its
    parents' included; None where it cannot be computed here."""
    matrix: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    current = layer
    for _ in range(_DEEPEST_PARENTS):
        local = _local(current, frame)
        if local is None:
            return None
        matrix = _multiply(local, matrix)
        parent = current.get("parent")
        if parent is None:
            return matrix
        found = by_index.get(parent) if _is_index(parent) else None
        if found is None:
            return None
        current = found
    return None


def _local(layer: Layer, frame: float) -> Matrix | None:
    """translate(position) rotate(rotation) scale(scale) translate(-anchor), at
    composition frame ``frame`` (the layer's own time: ``frame`` less its start)."""
    ks, start = layer.get("ks"), layer.get("st", 0)
    if not isinstance(ks, dict) or not isinstance(start, int | float):
        return None
    if layer.get("ddd") == 1 or layer.get("ao") == 1 or layer.get("sr", 1) != 1:
        return None
    time = frame - start
    position = ks.get("p")
    if isinstance(position, dict) and position.get("s"):
        x, y = _at(position.get("x"), time, [0.0]), _at(position.get("y"), time, [0.0])
        p = None if x is None or y is None else [x[0], y[0]]
    else:
        p = _at(position, time, [0.0, 0.0])
    a = _at(ks.get("a"), time, [0.0, 0.0])
    s = _at(ks.get("s"), time, [100.0, 100.0])
    r = _at(ks.get("r"), time, [0.0])
    if p is None or a is None or s is None or r is None or _at(ks.get("sk"), time, [0.0]) != [0]:
        return None
    if min(len(p), len(a), len(s)) < 2:
        return None
    cos, sin = math.cos(math.radians(r[0])), math.sin(math.radians(r[0]))
    xx, xy, yx, yy = cos * s[0] / 100, sin * s[0] / 100, -sin * s[1] / 100, cos * s[1] / 100
    return (xx, xy, yx, yy, p[0] - xx * a[0] - yx * a[1], p[1] - xy * a[0] - yy * a[1])


def _at(prop: object, time: float, default: list[float]) -> list[float] | None:
    """A property's value at ``time``, a ``loopOut``/``loopIn`` expression's ``cycle`` or
    ``pingpong`` included; ``default`` where there is none."""
    if prop is None:
        return default
    if not isinstance(prop, dict) or "x" not in prop:
        return value_at(prop, time)
    loop = _LOOP.fullmatch(str(prop["x"]))
    keys = prop.get("k")
    if loop is None or not prop.get("a") or not isinstance(keys, list) or len(keys) < 2:
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
        else:
            time = first + into if backwards else last - into
    return value_at({key: v for key, v in prop.items() if key != "x"}, time)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` after ``n``: a point goes through ``n`` first."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + c * b2, b * a2 + d * b2, a * c2 + c * d2, b * c2 + d * d2,
            a * e2 + c * f2 + e, b * e2 + d * f2 + f)  # fmt: skip


def _inverse(m: Matrix) -> Matrix | None:
    a, b, c, d, e, f = m
    det = a * d - b * c
    if abs(det) < 1e-12:
        return None
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _apply(m: Matrix, point: tuple[float, float]) -> tuple[float, float]:
    x, y = point
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
