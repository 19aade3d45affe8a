"""Repeaters drawn as lottie-web draws them: each copy a group of its own.

A Repeater (``"ty": "rp"``) draws the shape items above it in its group ``c`` times, each
copy moved by its transform once more than the one before. ThorVG 1.0 repeats each path
on its own, with the styles that reach it: a logo of 18 paths merged and filled as one
(its holes cut by the paths inside) under a one-copy repeater became a solid blob, as
nothing cut the holes any more. It also fades copies by ``(i + 1) / c`` where lottie-web
fades them by ``i / (c - 1)`` (a single copy at the start opacity, not the end one), and
scales a copy a fraction of a step by a power where lottie-web interpolates.

lottie-web replaces the items with ``ceil(c)`` groups, each a copy of them and a
transform: the repeater's offset in steps (whole steps, then the fraction: position and
rotation by that share, scale from 1 to the step's by it), then one step more for each
copy after the first, the first on top when copies composite above (``"m": 1``), the last
when below; copy ``i`` of ``n`` at opacity ``so + (eo - so) * i / (n - 1)``. A copy
rotates about the anchor, scales about it, then moves. Here every repeater becomes those
groups (two nested ones a copy: rotation inside scale, as lottie-web orders them, which
the one transform of a group does not do for a scale that differs by axis); a repeater
whose properties change over time gets its groups' transforms at every frame. Hidden
repeaters, repeaters with expressions, and ones whose copies would hold more than
:data:`_MOST_COPIED_ITEMS` items are left to ThorVG.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from studio_render.compositions.lottie_motion import value_at
from studio_render.compositions.lottie_nulls import baked_keyframes, is_number, layer_frames
from studio_render.compositions.lottie_tree import objects

#: The most shape items all copies of one repeater may hold (a copy of each item above
#: it per copy): beyond that the file would grow past what is worth loading.
_MOST_COPIED_ITEMS = 20_000
#: The most copies a repeater is drawn with here.
_MOST_COPIES = 1_000


def repeaters_as_groups(layers: list[dict[str, Any]]) -> bool:
    """Turn every repeater of the shape layers into groups of copies (see above);
    whether any was."""
    changed = False
    for layer in layers:
        shapes = layer.get("shapes") if layer.get("ty") == 4 else None
        if isinstance(shapes, list):
            changed |= _expanded(shapes, layer)
    return changed


def _expanded(items: list[Any], layer: dict[str, Any]) -> bool:
    """Expand the repeaters of ``items`` and of the groups in it; whether any was."""
    changed = False
    for item in items:
        inner = item.get("it") if isinstance(item, dict) and item.get("ty") == "gr" else None
        if isinstance(inner, list):
            changed |= _expanded(inner, layer)
    start = 0
    while True:
        at = next((k for k in range(start, len(items)) if _repeater(items[k])), None)
        if at is None:
            return changed
        groups = _copies(items[:at], items[at], layer)
        if groups is None:
            start = at + 1  # left to ThorVG
            continue
        items[: at + 1] = groups
        start = len(groups)
        changed = True


def _repeater(item: object) -> bool:
    return isinstance(item, dict) and item.get("ty") == "rp" and not item.get("hd")


#: A repeater's properties: name -> (where it is, its value with no property).
_PROPERTIES: dict[str, tuple[tuple[str, ...], list[float]]] = {
    "c": (("c",), [1.0]),
    "o": (("o",), [0.0]),
    "p": (("tr", "p"), [0.0, 0.0]),
    "a": (("tr", "a"), [0.0, 0.0]),
    "s": (("tr", "s"), [100.0, 100.0]),
    "r": (("tr", "r"), [0.0]),
    "so": (("tr", "so"), [100.0]),
    "eo": (("tr", "eo"), [100.0]),
}

_DEFAULTS = {name: default for name, (_path, default) in _PROPERTIES.items()}

Values = dict[str, list[float]]
Transform = tuple[float, tuple[float, float], float]  # steps, scale factors, opacity


def _copies(
    above: list[Any], repeater: dict[str, Any], layer: dict[str, Any]
) -> list[dict[str, Any]] | None:
    """The groups that draw ``above`` as ``repeater`` repeats it, or None (left alone)."""
    props: dict[str, object] = {}
    for name, (path, _default) in _PROPERTIES.items():
        holder: object = repeater
        for key in path:
            holder = holder.get(key) if isinstance(holder, dict) else None
        props[name] = holder
    if any(isinstance(prop, dict) and "x" in prop for prop in props.values()):
        return None  # an expression: its values are not known here

    def values(frame: float) -> Values | None:
        found: Values = {}
        for name, prop in props.items():
            value = _DEFAULTS[name] if prop is None else value_at(prop, frame)
            if value is None or not all(is_number(v) for v in value):
                return None
            found[name] = value
        return found

    animated = any(isinstance(prop, dict) and prop.get("a") for prop in props.values())
    mode = repeater.get("m", 1)
    frames = layer_frames(layer) if animated else [0]
    if frames is None:
        return None  # no span, or too long a one to bake
    states: dict[int, tuple[Values, list[Transform]]] = {}
    for frame in frames:
        now = values(frame)
        if now is None:
            return None
        states[frame] = (now, _transforms(now, _count(now), mode))
    most = max((_count(now) for now, _ in states.values()), default=0)
    size = sum(1 for _ in objects(above))
    if not states or most > _MOST_COPIES or most * size > _MOST_COPIED_ITEMS:
        return None
    if not animated:
        now, transforms = states[0]
        return [_group(above, *_static(now, transforms[j])) for j in range(most)]
    groups = []
    for j in range(most):
        outer, inner = _animated(layer, states, j)
        if outer is None or inner is None:
            return None
        groups.append(_group(above, outer, inner))
    return groups


def _count(values: Values) -> int:
    """How many copies lottie-web draws: the count rounded up, none below 0."""
    return max(0, math.ceil(values["c"][0]))


def _transforms(values: Values, count: int, mode: object) -> list[Transform]:
    """Each copy's steps (of position and rotation), scale factors and opacity (0 to 1),
    by group index, as lottie-web's ``RepeaterModifier.processShapes`` works them out;
    copies past ``count`` are drawn at opacity 0."""
    sx, sy = (v / 100 for v in values["s"][:2]) if len(values["s"]) > 1 else (1.0, 1.0)
    steps, scale = 0.0, [1.0, 1.0]

    def step(share: float, back: bool) -> None:
        nonlocal steps
        steps += -share if back else share
        for axis, s in enumerate((sx, sy)):
            factor = s + (1 - s) * (1 - share)
            if not back:
                scale[axis] *= factor
            else:
                scale[axis] = scale[axis] / factor if factor else 0.0

    offset = values["o"][0]
    fraction = math.fmod(offset, 1)
    whole = math.floor(offset) if offset > 0 else math.ceil(offset)
    iteration = 0.0
    if offset > 0:
        while iteration < whole:
            step(1, back=False)
            iteration += 1
        if fraction:
            step(fraction, back=False)
            iteration += fraction
    elif offset < 0:
        while iteration > whole:
            step(1, back=True)
            iteration -= 1
        if fraction:
            step(-fraction, back=True)
            iteration -= fraction
    start, end = values["so"][0] / 100, values["eo"][0] / 100
    found: list[Transform] = [(0.0, (1.0, 1.0), 0.0)] * max(count, 1)
    forward = mode == 1
    index = 0 if forward else count - 1
    for _ in range(count):
        opacity = start if count == 1 else start + (end - start) * index / (count - 1)
        if iteration != 0:
            if (index != 0 and forward) or (index != count - 1 and not forward):
                step(1, back=False)
            found[index] = (steps, (scale[0], scale[1]), opacity)
        else:
            found[index] = (0.0, (1.0, 1.0), opacity)
        iteration += 1
        index += 1 if forward else -1
    return found


def _copy_transforms(values: Values, transform: Transform) -> tuple[Values, Values]:
    """The outer group's transform (scale about the anchor, then the move; the opacity)
    and the inner group's (rotation about the anchor) of one copy, as values."""
    steps, (sx, sy), opacity = transform
    anchor = values["a"][:2] if len(values["a"]) > 1 else [0.0, 0.0]
    move = values["p"][:2] if len(values["p"]) > 1 else [0.0, 0.0]
    outer = {"p": [anchor[0] + steps * move[0], anchor[1] + steps * move[1]], "a": anchor,
             "s": [100 * sx, 100 * sy], "r": [0.0], "o": [100 * opacity]}  # fmt: skip
    inner = {"p": anchor, "a": anchor, "s": [100.0, 100.0], "r": [steps * values["r"][0]],
             "o": [100.0]}  # fmt: skip
    return outer, inner


def _static(values: Values, transform: Transform) -> tuple[dict[str, Any], dict[str, Any]]:
    outer, inner = _copy_transforms(values, transform)
    return _transform_item(outer), _transform_item(inner)


def _animated(
    layer: dict[str, Any], states: dict[int, tuple[Values, list[Transform]]], index: int
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Copy ``index``'s outer and inner transforms, keyframed at every frame, from each
    frame's repeater values and copies' transforms."""
    hidden: Transform = (0.0, (1.0, 1.0), 0.0)  # past the count at that frame

    def part(which: int, key: str) -> Callable[[int], object | None]:
        def at(frame: int) -> object | None:
            if frame not in states:
                return None
            now, transforms = states[frame]
            transform = transforms[index] if index < _count(now) else hidden
            return _copy_transforms(now, transform)[which][key]

        return at

    built: list[dict[str, Any] | None] = []
    for which in (0, 1):
        props: dict[str, Any] = {}
        for key in ("p", "a", "s", "r", "o"):
            keys = baked_keyframes(layer, part(which, key))
            if keys is None:
                return None, None
            held = keys[0]["s"] if all(k["s"] == keys[0]["s"] for k in keys) else None
            props[key] = {"a": 1, "k": keys} if held is None else _static_value(key, held)
        built.append({"ty": "tr", **props})
    return built[0], built[1]


def _transform_item(values: Values) -> dict[str, Any]:
    return {"ty": "tr", **{key: _static_value(key, value) for key, value in values.items()}}


def _static_value(key: str, value: object) -> dict[str, Any]:
    """A transform property that keeps ``value`` (a list; one number for r and o)."""
    held = value[0] if key in ("r", "o") and isinstance(value, list) else value
    return {"a": 0, "k": held}


def _group(above: list[Any], outer: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``above``: rotated inside, scaled and moved outside."""
    rotated = {"ty": "gr", "nm": "Repeater copy", "it": [*copy.deepcopy(above), inner]}
    return {"ty": "gr", "nm": "Repeater copy", "it": [rotated, outer]}
