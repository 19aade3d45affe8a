"""Expressions rewritten so ThorVG 1.0 evaluates them as lottie-web does.

Measured on one-layer probes against lottie-web in Chromium, ThorVG 1.0's expression
engine differs from lottie-web's (and After Effects') in four calls that rigs and the
common "inertial bounce" snippet use:

- ``effect('Name')('Slider')`` (by name, match name or index) gives a value that makes
  the layer vanish. A static slider's value is written into the expression instead (its
  own ``clamp(value, lo, hi)`` expression applied, as Bodymovin exports it).
- ``velocityAtTime(t)`` is the average speed over the keyframe segment; lottie-web takes
  ``(valueAtTime(t) - valueAtTime(t - 0.001)) / 0.001``, and so does the rewrite. The
  property's own ``velocity`` crashed ThorVG 1.0 (SIGSEGV as the frame was drawn: a DUIK
  spring's ``length(velocity)``); lottie-web takes it as ``velocityAtTime(time)``, and so
  does the rewrite.
- ``key(n)`` and ``nearestKey(t).index`` count keyframes from 0; lottie-web and After
  Effects from 1. ``key(n)`` becomes ``key(-1 + n)`` and ``nearestKey(t).index`` one more.

A velocity taken over a thousandth of a second magnifies ThorVG's estimate of where along
a motion path a point is (a few pixels' difference became dozens), so a property whose
expression asks for it loses the tangents of its straight segments: moving along a
straight line by the share of its length is moving by that share of the way.

Only calls on the expression's own property and layer are rewritten (``key(``, not
``x.key(``); what ThorVG cannot evaluate otherwise (rubber-hose rigs, arithmetic on other
layers' values) is left as it is.

References to shape properties: ThorVG 1.0's ``content()`` knows groups, paths, stars and
trim paths only, so an expression that is just another shape item's property, such as
``thisComp.layer('Dot').content('Ellipse 1').content('Ellipse Path 1').size``, gave
nothing: dots sized that way were not drawn. lottie-web takes that property's value at
the same time of the composition. Such an expression is replaced by a copy of the
property it names (keyframe times are times of the composition, so they copy as they
are), when that property has no expression of its own and neither layer stretches time.
An expression that is just another layer's effect value
(``thisComp.layer('traceNull').effect('Trace Path')('Progress')``: ThorVG 1.0 reads an
animated one as nothing) becomes a copy of that value too, where both layers start at the
same time; one that loops (``loopOut``) is copied as a keyframe at every frame.

A static path's ``points()`` (``thisComp.layer('bar').content('Path 1').path.points()``,
the layer also through a variable assigned it): ThorVG 1.0 knows no ``points`` there (nor
an array from it), so the expression failed and its layer was not drawn (the second dot
of every rung of a DNA ladder). lottie-web gives the path's vertices; the call becomes
them, written out.

``loopIn('cycle')`` before a first keyframe after frame 0: lottie-web cycles back from
frame 0, not from the first key (``getValueAtTime(cycle - (first - now) % cycle - first)``,
its ``loopOut`` counts from the first key), and ThorVG as After Effects does. A walking
figure keyed from frame 2 stood 33 px lower for its first two frames. Such loops are baked
to lottie-web's values (:func:`loop_ins_baked`).

RubberHose rigs are evaluated in :mod:`lottie_rubberhose`.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator
from typing import Any

from studio_render.compositions.lottie_effects import static_effect_values
from studio_render.compositions.lottie_motion import key_time, straightened_in_place
from studio_render.compositions.lottie_nulls import (
    LOOP,
    effect_property,
    is_number,
    layer_named,
    looped_keyframes,
)
from studio_render.compositions.lottie_tree import push_nested

#: ``effect('Group')('Value')`` or with indices, on the expression's own layer.
_EFFECT_VALUE = re.compile(
    r"(?<![\w$.])(?:thisLayer\.)?effect\((?:'([^']*)'|\"([^\"]*)\"|(\d+))\)"
    r"\((?:'([^']*)'|\"([^\"]*)\"|(\d+))\)"
)
_KEY = re.compile(r"(?<![\w$.])key\(")
_VELOCITY = re.compile(r"(?<![\w$.])velocityAtTime\(")
#: The property's own ``velocity``, which lottie-web takes as ``velocityAtTime(time)``.
_VELOCITY_NOW = re.compile(r"(?<![\w$.])velocity(?![\w$])")
_NEAREST = re.compile(r"(?<![\w$.])nearestKey\(")
#: lottie-web's velocity: the change over the last thousandth of a second.
_VELOCITY_AT = (
    "(function (t) { return div(sub(valueAtTime(t), valueAtTime(sub(t, 0.001))), 0.001); })("
)
#: Words that mark an expression this module may change.
MARKERS = (b"effect(", b"velocity", b"key(", b"nearestKey(", b"content(", b"loopIn(")

#: An expression that is only a reference to a shape item's property.
_REFERENCE = re.compile(
    r"\s*(?:var \$bm_rt;\s*)?\$bm_rt\s*=\s*"
    r"(?:thisComp\.layer\((?P<layer>'[^']*'|\"[^\"]*\"|\d+)\)\.|thisLayer\.)?"
    r"(?P<path>(?:content\((?:'[^']*'|\"[^\"]*\"|\d+)\)\.)+)(?P<prop>\w+)\s*;?\s*"
)
_CONTENT = re.compile(r"content\(('[^']*'|\"[^\"]*\"|\d+)\)")
#: An expression that is only another layer's effect value.
_EFFECT_REFERENCE = re.compile(
    r"\s*(?:var \$bm_rt;\s*)?\$bm_rt\s*=\s*thisComp\.layer\((?P<layer>'[^']*'|\"[^\"]*\"|\d+)\)"
    r"\.effect\((?P<effect>'[^']*'|\"[^\"]*\"|\d+)\)\((?P<value>'[^']*'|\"[^\"]*\"|\d+)\)\s*;?\s*"
)
#: ``OWNER.content(...)...path.points()``; OWNER ``thisComp.layer(...)``, ``thisLayer``, a
#: variable, or none (the expression's own layer).
_POINTS = re.compile(
    r"(?<![\w$.])(?:(?P<owner>thisComp\.layer\((?:'[^']*'|\"[^\"]*\"|\d+)\)|[A-Za-z_$][\w$]*)\.)?"
    r"(?P<path>(?:content\((?:'[^']*'|\"[^\"]*\"|\d+)\)\.)+)path\.points\(\)"
)
_LAYER_ARGUMENT = re.compile(r"thisComp\.layer\(('[^']*'|\"[^\"]*\"|\d+)\)")
#: Each shape item's properties by the names expressions give them.
_SHAPE_PROPERTIES = {
    "el": {"size": "s", "position": "p"},
    "rc": {"size": "s", "position": "p", "roundness": "r"},
    "sr": {"position": "p", "rotation": "r", "points": "pt", "innerRadius": "ir",
           "outerRadius": "or", "innerRoundness": "is", "outerRoundness": "os"},
    "sh": {"path": "ks"},
    "fl": {"color": "c", "opacity": "o"},
    "st": {"color": "c", "opacity": "o", "strokeWidth": "w"},
    "tm": {"start": "s", "end": "e", "offset": "o"},
}  # fmt: skip


def rewrite_expressions(layers: list[dict[str, object]]) -> bool:
    """Rewrite, in place, the expressions of ``layers``; whether any changed."""
    changed = False
    for layer in layers:
        sliders = static_effect_values(layer)
        for holder in _expression_holders(layer):
            code = holder["x"]
            assert isinstance(code, str)
            new = _rewritten(code, sliders)
            if new != code:
                holder["x"] = new
                changed = True
            # lottie-web drops tangents on a segment's line as it loads keyframes, for the
            # expression's value as for any other (the motion bake leaves these out)
            frames = holder.get("k")
            if holder.get("a") == 1 and isinstance(frames, list):
                changed |= straightened_in_place(frames)
    return changed


def loop_ins_baked(layers: list[dict[str, object]]) -> bool:
    """Bake every ``loopIn`` of ``layers`` whose first keyframe is after frame 0 and after
    its layer's in point (see above); whether any was."""
    changed = False
    for layer in layers:
        start = layer.get("ip")
        for holder in list(_expression_holders(layer)):
            loop = LOOP.fullmatch(str(holder["x"]))
            keys = holder.get("k")
            if loop is None or loop["side"] != "In" or not isinstance(keys, list) or not keys:
                continue
            first = key_time(keys[0])
            if not (is_number(start) and max(0, start) < first < math.inf):
                continue
            baked = looped_keyframes(holder, layer)
            if baked is not None:
                del holder["x"]
                holder.update(a=1, k=baked)
                changed = True
    return changed


def references_resolved(layer_lists: list[list[Any]]) -> bool:
    """Replace, in each list of a composition's layers, every expression that only names
    another shape item's property by a copy of that property (see above); whether any was."""
    changed = False
    for layers in layer_lists:
        named = [layer for layer in layers if isinstance(layer, dict)]
        for layer in named:
            for holder in list(_expression_holders(layer)):
                found = _reference(str(holder["x"]), layer, named)
                if found is not None:
                    holder.clear()
                    holder.update(copy.deepcopy(found))
                    changed = True
                    continue
                code = str(holder["x"])
                inlined = _points_inlined(code, layer, named)
                if inlined != code:
                    holder["x"] = inlined
                    changed = True
    return changed


def _points_inlined(code: str, layer: dict[str, Any], layers: list[dict[str, Any]]) -> str:
    """``code`` with each ``points()`` of a static path written out (see above)."""
    return _POINTS.sub(lambda match: _points(match, code, layer, layers), code)


def _points(
    match: re.Match[str], code: str, layer: dict[str, Any], layers: list[dict[str, Any]]
) -> str:
    """The vertices of the static path a ``points()`` call names, as a JavaScript array;
    the call as it was where the path cannot be found or moves."""
    owner = match["owner"]
    if owner is not None and owner != "thisLayer" and not owner.startswith("thisComp."):
        assigned = re.findall(rf"(?<![\w$.]){re.escape(owner)}\s*=(?!=)\s*([^;\n]*)", code)
        owner = assigned[0].strip() if len(assigned) == 1 else ""
    target: dict[str, Any] | None = layer
    if owner is not None and owner != "thisLayer":
        argument = _LAYER_ARGUMENT.fullmatch(owner)
        target = layer_named(_argument(argument[1]), layers) if argument else None
    items: object = target.get("shapes") if target is not None else None
    item: dict[str, Any] | None = None
    for name in _CONTENT.findall(match["path"]):
        item = _item_named(_argument(name), items)
        items = item.get("it") if item is not None else None
    shape = item.get("ks") if item is not None and item.get("ty") == "sh" else None
    static = isinstance(shape, dict) and shape.get("a", 0) == 0 and "x" not in shape
    path = shape.get("k") if static and isinstance(shape, dict) else None
    vertices = path.get("v") if isinstance(path, dict) else None
    if not isinstance(vertices, list) or not all(
        isinstance(v, list) and len(v) >= 2 and all(map(is_number, v[:2])) for v in vertices
    ):
        return match.group(0)
    return "[" + ", ".join(f"[{v[0]!r}, {v[1]!r}]" for v in vertices) + "]"


def _reference(
    code: str, layer: dict[str, Any], layers: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The property an expression ``code`` of ``layer`` is only a reference to, if it can
    be copied (see above)."""
    effect = _EFFECT_REFERENCE.fullmatch(code)
    if effect is not None:
        return _effect_reference(effect, layer, layers)
    match = _REFERENCE.fullmatch(code)
    if match is None:
        return None
    target: dict[str, Any] | None = layer
    if match["layer"] is not None:
        target = layer_named(_argument(match["layer"]), layers)
    if target is None or not _unstretched(layer) or not _unstretched(target):
        return None
    items: object = target.get("shapes")
    item: dict[str, Any] | None = None
    for name in _CONTENT.findall(match["path"]):
        item = _item_named(_argument(name), items)
        if item is None:
            return None
        items = item.get("it")
    key = _SHAPE_PROPERTIES.get(str(item.get("ty")), {}).get(match["prop"]) if item else None
    found = item.get(key) if item is not None and key is not None else None
    return found if isinstance(found, dict) and "k" in found and "x" not in found else None


def _effect_reference(
    match: re.Match[str], layer: dict[str, Any], layers: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The effect value another layer's expression names, as a property to copy."""
    source = layer_named(_argument(match["layer"]), layers)
    if source is None or source is layer or not _unstretched(source) or not _unstretched(layer):
        return None
    if source.get("st", 0) != layer.get("st", 0):
        return None
    effect = _item_named(_argument(match["effect"]), source.get("ef"), match_name=True)
    value = _item_named(_argument(match["value"]), effect.get("ef") if effect else None,
                        match_name=True)  # fmt: skip
    prop = effect_property(effect, value) if effect is not None and value is not None else None
    if not isinstance(prop, dict) or "k" not in prop:
        return None
    if "x" not in prop:
        return prop
    keys = looped_keyframes(prop, layer)
    return None if keys is None else {"a": 1, "k": keys}


def _argument(text: str) -> str | int:
    """A quoted name or a number, as ``layer(...)`` or ``content(...)`` was given it."""
    return int(text) if text.isdigit() else text[1:-1]


def _item_named(name: str | int, items: object, match_name: bool = False) -> dict[str, Any] | None:
    """The first item of ``items`` (shape items, effects) named ``name`` (or, with
    ``match_name``, with that match name), or the ``name``-th (from 1)."""
    shapes = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    if isinstance(name, int):
        return shapes[name - 1] if 0 < name <= len(shapes) else None
    found = next((item for item in shapes if item.get("nm") == name), None)
    if found is None and match_name:
        found = next((item for item in shapes if item.get("mn") == name), None)
    return found


def _unstretched(layer: dict[str, Any]) -> bool:
    stretch: object = layer.get("sr", 1)
    return stretch == 1


def _rewritten(code: str, sliders: dict[tuple[str, str], str]) -> str:
    def value(match: re.Match[str]) -> str:
        group = match.group(1) or match.group(2) or match.group(3)
        item = match.group(4) or match.group(5) or match.group(6)
        return sliders.get((group, item), match.group(0))

    code = _EFFECT_VALUE.sub(value, code)
    code = _VELOCITY_NOW.sub("velocityAtTime(time)", code)
    code = _VELOCITY.sub(_VELOCITY_AT, code)
    code = _KEY.sub("key(-1 + ", code)
    return _one_more_index(code)


def _one_more_index(code: str) -> str:
    """``nearestKey(ARGS)`` (balanced parentheses) wrapped so its index counts from 1."""
    out: list[str] = []
    start = 0
    for match in _NEAREST.finditer(code):
        if match.start() < start:
            continue  # inside a call already wrapped
        depth, end = 1, match.end()
        while end < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            end += 1
        if depth:
            break  # unbalanced: leave the rest
        call = code[match.start() : end]
        out.append(code[start : match.start()] + f"({{index: {call}.index + 1}})")
        start = end
    out.append(code[start:])
    return "".join(out)


def _expression_holders(item: object) -> Iterator[dict[str, object]]:
    """Every property of a layer that has an expression (nested precomps are layers of
    their own, so not entered)."""
    stack: list[Any] = [item]
    while stack:
        current = stack.pop()
        if type(current) is not dict:
            push_nested(stack, current)
            continue
        if isinstance(current.get("x"), str) and "k" in current:
            yield current
        push_nested(stack, (v for k, v in current.items() if k != "ef"))
