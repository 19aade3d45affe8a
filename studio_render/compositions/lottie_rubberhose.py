"""RubberHose rigs, evaluated here as lottie-web evaluates their expressions.

RubberHose 2 (Battle Axe's After Effects rig, common in character animation) draws each
limb ("hose") with expressions: two controller layers (``Leg::Ankle`` carries the
"RubberHose 2" effect, ``Leg::Hip`` is its other end) and a shape layer that strokes a
quarter of a four-pointed star, trimmed by its "Line Halfer", whose two outer points sit
on the controllers and whose inner point is the bend. Its groups name the rig: ``Admin``
holds ``A`` (a group named after the effect's controller), ``B`` (the other one) and
``ArcMath`` (the star, trim and transform every drawn style copies by
``thisLayer(2)('Admin')(2)('ArcMath')``). ThorVG 1.0 evaluates none of it: legs, arms and
an elephant's trunk were not drawn. :func:`bake_rubberhose_rigs` computes, at every frame,
what lottie-web computes (its ``linear()`` swaps a reversed input range but not the
values, so the bend's rounding is lottie-web's, not After Effects'):

- the controllers' rotation (Auto Rotate Start/End: the end turned along the bend), which
  the hands and feet parented to them follow;
- the star's radii, the arc's anchor, scale and rotation, the hose's position (the
  controller's) and stroke width (times the parents' scale), and the hose layer's own
  transform (which cancels its parent's).

The star is written as the path lottie-web builds for it (see :mod:`lottie_shapes`).
A rig whose layers cannot be followed (3D, stretched time, anchors off the controllers'
origins, expressions of other kinds) is left as it is, and named in a warning.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from studio_render.compositions.lottie_motion import value_at
from studio_render.compositions.lottie_nulls import (
    Matrix,
    apply_matrix,
    bake_into,
    inverse_matrix,
    is_number,
    layer_named,
    position_at,
    value_or_loop_at,
    world_matrix,
)
from studio_render.compositions.lottie_shapes import polystar_path, shape_items
from studio_render.compositions.lottie_tree import objects
from studio_render.core.errors import listed

Layer = dict[str, Any]
T = TypeVar("T")

#: The effect the rig's end controller carries, by name.
_EFFECT = "RubberHose"
#: An expression that only gives a number or a list of numbers.
_CONSTANT = re.compile(r"\s*var \$bm_rt;\s*\$bm_rt\s*=\s*(\[[-\d.eE,\s]*\]|-?[\d.eE]+)\s*;?\s*")
#: A controller's rotation expression: RubberHose 2.0's reads its Admin group's rotation
#: (which turns it), 2.1's turns it itself, from a base angle half a turn round.
_ADMIN_ROTATION = "('Admin')('Transform')('Rotation')"
_AUTO_ROTATE = "Auto Rotate"
_HALF_TURN = re.compile(r"baseRot = (?:\$bm_)?sub\(180,")
#: Layers followed up a parent chain.
_DEEPEST_PARENTS = 32


@dataclass(frozen=True)
class _Rig:
    end: Layer  # carries the effect; the hose starts here (its "A")
    start: Layer  # the other end ("B")
    effect: dict[str, Any]
    flop: Layer | None  # "<rig>::AutoFlop", which flips the bend past an angle


@dataclass(frozen=True)
class _Hose:
    """One frame of a rig: its ends in the composition, its effect's values, the
    parents' scale and the AutoFlop factor."""

    a: tuple[float, float]
    b: tuple[float, float]
    values: dict[str, float]
    parent_scale: float
    flop: float

    @property
    def span(self) -> float:
        return math.dist(self.a, self.b)

    @property
    def outer_radius(self) -> float:
        return math.sin(math.pi / 4) * self.span

    @property
    def straight(self) -> float:
        return math.sqrt(2) * self.outer_radius / max(abs(self.parent_scale), 0.001) / 2

    def _bent(self) -> float:
        """The inner radius before the parents' scale and AutoFlop."""
        half, straight = self.values["Hose Length"] / 2, self.straight
        if half <= straight:
            return straight
        shrink = _linear(abs(self.values["Bend Radius"]), 0, 100, 1, 0.87)
        inner = straight + math.sqrt(half**2 - straight**2) * shrink
        inner = _linear(self.values["Realism"], 0, 100, half, inner)
        return _linear(abs(self.values["Bend Direction"] / 100), 0, 1, straight, inner)

    @property
    def inner_radius(self) -> float:
        scale = abs(self.parent_scale)
        floor = self.straight * max(scale, 0.001)
        return _linear(abs(self.flop), 0, 1, floor, self._bent() * scale)

    @property
    def arc_scale(self) -> list[float]:
        flop = 1 if self.values["Bend Direction"] > 0 else -1
        if self.flop <= 0:
            flop = -flop
        sx = -100.0 if flop == 1 else 100.0
        return [-sx if self.parent_scale < 0 else sx, 100.0]

    @property
    def arc_rotation(self) -> float:
        base = math.degrees(math.atan2(self.a[1] - self.b[1], self.a[0] - self.b[0]))
        return base + (-45 if self.arc_scale[0] < 0 else 225)

    def end_rotation(self, at_end: bool, offset: float) -> float:
        """Auto Rotate End (``at_end``) or Start: the controller turned along the bend
        (``offset``: 180 in RubberHose 2.1's expression, 0 in 2.0's)."""
        a, b, straight = self.a, self.b, self.straight
        base = offset - math.degrees(math.atan2(b[0] - a[0], b[1] - a[1]))
        inner = _linear(abs(self.flop), 0, 1, straight, self._bent())
        direction = (-1 if self.values["Bend Direction"] < 0 else 1) * self.flop
        theta = math.atan((inner - straight) * direction / max(straight, 0.001))
        if self.parent_scale < 0:
            base = -base
        half = self.values["Hose Length"] / 2
        rounding = (
            self.values["Bend Radius"] * (theta / -math.pi) / _linear(self.span, half, 0, 2, 0.9)
        )
        bend = math.degrees(theta)
        return base + bend - rounding if at_end else base - bend + rounding

    def star(self) -> dict[str, Any]:
        """The ArcMath star (four points, outer ones on the two ends once placed)."""
        return {"ty": "sr", "sy": 1, "d": 1, "pt": {"a": 0, "k": 4}, "p": {"a": 0, "k": [0, 0]},
                "r": {"a": 0, "k": 0}, "ir": {"a": 0, "k": self.inner_radius},
                "is": {"a": 0, "k": self.values["Bend Radius"]},
                "or": {"a": 0, "k": self.outer_radius}, "os": {"a": 0, "k": 0}}  # fmt: skip


class _States:
    """Each rig's state at each frame, computed once (a hose and its controllers read it)."""

    def __init__(self, by_index: dict[object, Layer], fps: float) -> None:
        self.by_index, self.fps = by_index, fps
        self.known: dict[tuple[int, int], _Hose | None] = {}

    def __call__(self, rig: _Rig, frame: int) -> _Hose | None:
        key = (id(rig.end), frame)
        if key not in self.known:
            self.known[key] = _state(rig, frame, self.by_index, self.fps)
        return self.known[key]


def _linear(t: float, t_min: float, t_max: float, low: float, high: float) -> float:
    """lottie-web's ``linear()``: a reversed input range is swapped, its values are not."""
    if t_max < t_min:
        t_min, t_max = t_max, t_min
    if t <= t_min:
        return low
    if t >= t_max:
        return high
    return low + (high - low) * (t - t_min) / (t_max - t_min)


def bake_rubberhose_rigs(
    compositions: list[list[Layer]], fps: float, span: tuple[float, float] | None
) -> list[str]:
    """Bake every RubberHose rig of ``compositions`` (the first list the main one, drawn
    over ``span``) that can be followed; the names of the rigs baked."""
    baked: list[str] = []
    for number, layers in enumerate(compositions):
        named = [layer for layer in layers if isinstance(layer, dict)]
        by_index = {layer["ind"]: layer for layer in named if is_number(layer.get("ind"))}
        frames = span if number == 0 else None
        rigs = [(hose, rig) for hose in named if (rig := _rig_of(hose, named)) is not None]
        if not rigs:
            continue
        try:
            baked += _rigs_baked(rigs, _States(by_index, fps), by_index, fps, frames)
        except (ArithmeticError, AttributeError, IndexError, KeyError, TypeError, ValueError):
            continue  # a damaged rig: left as ThorVG reads it, and warned of
    return list(dict.fromkeys(baked))


def _rigs_baked(
    rigs: list[tuple[Layer, _Rig]],
    state: _States,
    by_index: dict[object, Layer],
    fps: float,
    frames: tuple[float, float] | None,
) -> list[str]:
    """Bake the controllers, then the hoses, of one composition's rigs; the names of the
    rigs whose hoses were baked."""
    controllers = {id(layer): (layer, rig) for _, rig in rigs for layer in (rig.end, rig.start)}
    for layer, _ in controllers.values():
        _constants_set(layer)
    if not _controllers_turned(list(controllers.values()), state, by_index, frames):
        return []
    return [str(rig.end.get("nm", "")).split("::")[0] for hose, rig in rigs
            if _hose_baked(hose, rig, state, by_index, fps, frames)]  # fmt: skip


def rig_warnings(layers: list[Layer], drawn: list[str]) -> tuple[str, ...]:
    """A line naming the RubberHose rigs among ``layers`` that are not ``drawn`` (each
    rig's name, as its controllers' names begin: "Hose 1" for "Hose 1::Wrist"), or none."""
    rigs: list[str] = []
    for layer in layers:
        if _effect(layer) is not None:
            rig = str(layer.get("nm", "")).split("::")[0]
            if rig not in rigs and rig not in drawn:
                rigs.append(rig)
    if not rigs:
        return ()
    count = "1 RubberHose rig" if len(rigs) == 1 else f"{len(rigs)} RubberHose rigs"
    names = listed([repr(rig) for rig in rigs])
    return (f"{count} ({names}) drawn by expressions this renderer cannot evaluate: "
            "those limbs may be missing or misplaced",)  # fmt: skip


def _effect(layer: Layer) -> dict[str, Any] | None:
    effects = layer.get("ef")
    for effect in effects if isinstance(effects, list) else []:
        if isinstance(effect, dict) and str(effect.get("nm", "")).startswith(_EFFECT):
            return effect
    return None


def _group(items: object, name: str) -> dict[str, Any] | None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("ty") == "gr" and item.get("nm") == name:
            return item
    return None


def _slot(admin: dict[str, Any], slot: str) -> str | None:
    """The controller's name that the Admin group's ``A`` or ``B`` holds."""
    holder = _group(admin.get("it"), slot)
    items = holder.get("it") if holder is not None else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("ty") == "gr":
            return str(item.get("nm"))
    return None


def _rig_of(hose: Layer, layers: list[Layer]) -> _Rig | None:
    """The rig a hose layer (a shape layer whose Admin group holds ArcMath) draws."""
    admin = _group(hose.get("shapes"), "Admin")
    if admin is None or _group(admin.get("it"), "ArcMath") is None:
        return None
    end_name = _slot(admin, "A")
    end = layer_named(end_name, layers) if end_name is not None else None
    effect = _effect(end) if end is not None else None
    end_admin = _group(end.get("shapes"), "Admin") if end is not None else None
    start_name = _slot(end_admin, "B") if end_admin is not None else None
    start = layer_named(start_name, layers) if start_name is not None else None
    if end is None or effect is None or start is None:
        return None
    flop = layer_named(f"{str(end.get('nm', '')).split('::')[0]}::AutoFlop", layers)
    return _Rig(end, start, effect, flop)


def _effect_values(effect: dict[str, Any], frame: float) -> dict[str, float] | None:
    """The effect's own values (its computed ones are computed here) at ``frame``."""
    values: dict[str, float] = {}
    items = effect.get("ef")
    for item in items if isinstance(items, list) else []:
        value = item.get("v") if isinstance(item, dict) else None
        if isinstance(value, dict) and "x" not in value:
            got = value_at(value, frame)
            if got:
                values[str(item.get("nm"))] = got[0]
    needed = ("Hose Length", "Bend Radius", "Realism", "Bend Direction")
    return values if all(name in values for name in needed) else None


def _parents(layer: Layer, by_index: dict[object, Layer]) -> Iterator[Layer | None]:
    """The layer's parents, nearest first; None for one that is not found."""
    current = layer
    for _ in range(_DEEPEST_PARENTS):
        parent = current.get("parent")
        if parent is None:
            return
        found = by_index.get(parent) if is_number(parent) else None
        yield found
        if found is None:
            return
        current = found
    yield None


def _origin(
    layer: Layer, frame: int, by_index: dict[object, Layer], fps: float
) -> tuple[float, float] | None:
    """``toComp([0, 0, 0])`` of a layer whose anchor is its origin."""
    ks = layer.get("ks")
    anchor = value_or_loop_at(ks.get("a"), frame, [0.0, 0.0]) if isinstance(ks, dict) else None
    position = position_at(layer, frame, fps)
    if anchor is None or any(anchor[:2]) or position is None or len(position) < 2:
        return None
    if layer.get("parent") is None:
        return (position[0], position[1])
    parent = next(_parents(layer, by_index), None)
    world = world_matrix(parent, frame, by_index, fps) if parent is not None else None
    return apply_matrix(world, (position[0], position[1])) if world is not None else None


def _parent_total(
    layer: Layer, frame: int, by_index: dict[object, Layer], read: Callable[[Layer], T | None]
) -> list[T] | None:
    """``read`` of each of the layer's parents, nearest first; None where one is None."""
    values = []
    for parent in _parents(layer, by_index):
        value = read(parent) if parent is not None else None
        if value is None:
            return None
        values.append(value)
    return values


def _rotation(layer: Layer, frame: int) -> float | None:
    ks = layer.get("ks")
    value = value_or_loop_at(ks.get("r"), frame, [0.0]) if isinstance(ks, dict) else None
    return value[0] if value else None


def _scale_x(layer: Layer, frame: int) -> float | None:
    scale = _scale(layer, frame)
    return scale[0] if scale is not None else None


def _scale(layer: Layer, frame: int) -> list[float] | None:
    ks = layer.get("ks")
    value = value_or_loop_at(ks.get("s"), frame, [100.0, 100.0]) if isinstance(ks, dict) else None
    return value if value is not None and len(value) >= 2 else None


def _state(rig: _Rig, frame: int, by_index: dict[object, Layer], fps: float) -> _Hose | None:
    a = _origin(rig.end, frame, by_index, fps)
    b = _origin(rig.start, frame, by_index, fps)
    values = _effect_values(rig.effect, frame)
    scales = _parent_total(rig.end, frame, by_index, lambda p: _scale_x(p, frame))
    if a is None or b is None or values is None or scales is None:
        return None
    flop = _auto_flop(rig.flop, a, b, frame)
    return None if flop is None else _Hose(a, b, values, math.prod(s / 100 for s in scales), flop)


def _auto_flop(
    layer: Layer | None, a: tuple[float, float], b: tuple[float, float], frame: int
) -> float | None:
    """The AutoFlop layer's factor: 1, or from -1 to 1 as the limb turns past its line."""
    if layer is None:
        return 1.0
    enable, falloff = (_first_value(layer, name, frame) for name in ("Enable", "Falloff"))
    if enable != 1:
        return 1.0
    threshold = _rotation(layer, frame)
    if threshold is None or falloff is None:
        return None
    control = -math.degrees(math.atan2(b[0] - a[0], b[1] - a[1]))
    offset = math.fmod(math.fmod(threshold, 360) - control, 360)
    sign = -1 if 0 < offset < 180 or offset < -180 else 1
    angle = abs(offset)
    for _ in range(2):
        angle = abs(angle - 180) if angle > 90 else angle
    return _linear(angle, 0, falloff, 0, 1) * sign


def _first_value(layer: Layer, name: str, frame: int) -> float | None:
    effects = layer.get("ef")
    for effect in effects if isinstance(effects, list) else []:
        if isinstance(effect, dict) and effect.get("nm") == name:
            items = effect.get("ef")
            first = items[0] if isinstance(items, list) and items else None
            value = first.get("v") if isinstance(first, dict) else None
            got = value_at(value, frame) if isinstance(value, dict) else None
            return got[0] if got else None
    return None


def _expressions(root: object) -> Iterator[dict[str, Any]]:
    """Every property under ``root`` that has an expression."""
    return (item for item in objects(root) if isinstance(item.get("x"), str))


def _constants_set(root: object) -> None:
    """Replace every expression under ``root`` that only gives a constant by it."""
    for prop in list(_expressions(root)):
        match = _CONSTANT.fullmatch(str(prop["x"]))
        if match is not None:
            prop.clear()
            prop.update(a=0, k=json.loads(match.group(1)))


def _controllers_turned(
    controllers: list[tuple[Layer, _Rig]],
    state: Callable[[_Rig, int], _Hose | None],
    by_index: dict[object, Layer],
    span: tuple[float, float] | None,
) -> bool:
    """Bake every controller's rotation expression, parents first (a controller parented
    to another follows its turn); whether all were."""
    pending = [(layer, rig) for layer, rig in controllers if _turns(layer)]
    for _ in range(len(pending) + 1):
        if not pending:
            return True
        waiting = []
        for layer, rig in pending:
            if not bake_into(layer["ks"]["r"], layer, _turn(layer, rig, state, by_index), span):
                waiting.append((layer, rig))
        if len(waiting) == len(pending):
            return False
        pending = waiting
    return not pending


def _turns(layer: Layer) -> bool:
    ks = layer.get("ks")
    rotation = ks.get("r") if isinstance(ks, dict) else None
    code = str(rotation.get("x", "")) if isinstance(rotation, dict) else ""
    return _ADMIN_ROTATION in code or _AUTO_ROTATE in code


def _turn(
    layer: Layer,
    rig: _Rig,
    state: Callable[[_Rig, int], _Hose | None],
    by_index: dict[object, Layer],
) -> Callable[[int], object | None]:
    """The controller's rotation at a frame: its keyframed value, plus (2.0) its Admin
    rotation (Auto Rotate, or the Admin group's own) less its parents' rotations, or (2.1)
    with Auto Rotate on, the turn less its parents' rotations."""
    code = str(layer["ks"]["r"]["x"])
    modern = _ADMIN_ROTATION not in code
    at_end = "Auto Rotate End" in code if modern else layer is rig.end
    offset = 180.0 if _HALF_TURN.search(code) else 0.0
    admin = _group(layer.get("shapes"), "Admin")
    items = admin.get("it") if admin is not None else None
    transform = (
        next((item for item in items if item.get("ty") == "tr"), None)
        if isinstance(items, list)
        else None
    )
    kept = {key: value for key, value in layer["ks"]["r"].items() if key != "x"}

    def at(frame: int) -> object | None:
        values = _effect_values(rig.effect, frame)
        parents = _parent_total(layer, frame, by_index, lambda p: _rotation(p, frame))
        own = value_at(kept, frame)
        if values is None or parents is None or not own:
            return None
        if values.get("Auto Rotate End" if at_end else "Auto Rotate Start") == 1:
            hose = state(rig, frame)
            if hose is None:
                return None
            admin_rotation = hose.end_rotation(at_end, offset)
        elif modern:
            return own
        elif at_end and transform is not None:
            got = value_at({k: v for k, v in transform.get("r", {}).items() if k != "x"}, frame)
            admin_rotation = got[0] if got else 0.0
        else:
            admin_rotation = 0.0
        return [admin_rotation - sum(parents) + own[0]]

    return at


#: What the hose's expressions read of the rig.
_RIG_WORDS = ("ArcMath", "RubberHose", "Admin", "Parent Scale")


def _hose_baked(
    hose: Layer,
    rig: _Rig,
    state: Callable[[_Rig, int], _Hose | None],
    by_index: dict[object, Layer],
    fps: float,
    span: tuple[float, float] | None,
) -> bool:
    """Bake a hose layer's star, trims, transforms, stroke widths and own transform;
    whether it was (nothing changes unless all of it can be)."""
    admin = _group(hose.get("shapes"), "Admin")
    arc = _group(admin.get("it"), "ArcMath") if admin is not None else None
    if arc is None:
        return False
    _constants_set(hose)
    arc_items = arc.get("it", [])
    halfer = next((item for item in arc_items if item.get("ty") == "tm"), None)
    if halfer is None or any(_expressions(halfer)):
        return False

    def each(compute: Callable[[_Hose], object]) -> Callable[[int], object | None]:
        def at(frame: int) -> object | None:
            hose_now = state(rig, frame)
            return None if hose_now is None else compute(hose_now)

        return at

    changes: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def bake(prop: dict[str, Any], compute: Callable[[_Hose], object]) -> bool:
        replacement: dict[str, Any] = {}
        if not bake_into(replacement, hose, each(compute), span):
            return False
        changes.append((prop, replacement))
        return True

    for found in shape_items(hose.get("shapes")):
        item = cast(dict[str, Any], found)
        kind = item.get("ty")
        reads = " ".join(str(p["x"]) for p in _expressions(item)) if kind != "gr" else ""
        in_arc = any(item is arc_item for arc_item in arc_items)
        on_rig = in_arc or any(word in reads for word in _RIG_WORDS)
        if kind == "sr" and on_rig:
            path: dict[str, Any] = {}
            if not bake(path, lambda h: [polystar_path(h.star())]):
                return False
            kept: dict[str, Any] = {
                key: item[key] for key in ("nm", "mn", "hd", "ix") if key in item
            }
            changes.append((item, {"ty": "sh", "ks": path, **kept}))
        elif kind == "tm" and on_rig:
            changes.extend((item[key], dict(halfer[key])) for key in ("s", "e", "o"))
        elif kind == "tr" and (in_arc or "ArcMath" in reads):
            for key, compute in (("a", lambda h: [-h.outer_radius, 0]),
                                 ("s", lambda h: h.arc_scale),
                                 ("r", lambda h: [h.arc_rotation])):  # fmt: skip
                if not bake(item.setdefault(key, {}), compute):
                    return False
            fixed = (("p", [0, 0]), ("o", 100), ("sk", 0), ("sa", 0))
            changes.extend((item[key], {"a": 0, "k": v}) for key, v in fixed if key in item)
        elif kind == "tr" and "('A')" in str(item.get("p", {}).get("x", "")):
            if not bake(item["p"], lambda h: list(h.a)):
                return False
        elif kind == "st" and "Parent Scale" in reads:
            width = value_at({k: v for k, v in item.get("w", {}).items() if k != "x"}, 0)
            if not width or not bake(item["w"], _stroke_width(width[0])):
                return False
    if not _placed_as_composition(hose, by_index, fps, span, changes):
        return False
    for prop, replacement in changes:
        prop.clear()
        prop.update(replacement)
    return not any(any(word in str(p["x"]) for word in _RIG_WORDS) for p in _expressions(hose))


def _stroke_width(width: float) -> Callable[[_Hose], object]:
    """The stroke's width times the parents' scale (RubberHose keeps it on screen)."""
    return lambda hose: [abs(width * hose.parent_scale)]


def _placed_as_composition(
    hose: Layer,
    by_index: dict[object, Layer],
    fps: float,
    span: tuple[float, float] | None,
    changes: list[tuple[dict[str, Any], dict[str, Any]]],
) -> bool:
    """Add to ``changes`` the hose layer's transform that cancels its parents' (its
    expressions' aim: the hose is drawn in the composition's space); whether it could."""
    ks = hose.get("ks")
    if not isinstance(ks, dict):
        return False
    if hose.get("parent") is None:
        fixed = {"p": [0, 0], "a": [0, 0], "r": 0, "o": 100, "s": [100, 100]}
        changes.extend(
            (ks.setdefault(key, {}), {"a": 0, "k": value}) for key, value in fixed.items()
        )
        return True

    def parents_world(frame: int) -> Matrix | None:
        parent = next(_parents(hose, by_index), None)
        return world_matrix(parent, frame, by_index, fps) if parent is not None else None

    def position(frame: int) -> object | None:
        world = parents_world(frame)
        inverse = inverse_matrix(world) if world is not None else None
        return list(apply_matrix(inverse, (0.0, 0.0))) if inverse is not None else None

    def rotation(frame: int) -> object | None:
        turns = _parent_total(hose, frame, by_index, lambda p: _rotation(p, frame))
        return None if turns is None else [-sum(turns)]

    def scale(frame: int) -> object | None:
        scales = _parent_total(hose, frame, by_index, lambda p: _ratio(_scale(p, frame)))
        if scales is None:
            return None
        return [100 * math.prod(s[0] for s in scales), 100 * math.prod(s[1] for s in scales)]

    for key, value in (("p", position), ("r", rotation), ("s", scale)):
        replacement: dict[str, Any] = {}
        if not bake_into(replacement, hose, value, span):
            return False
        changes.append((ks.setdefault(key, {}), replacement))
    changes.extend((ks.setdefault(key, {}), {"a": 0, "k": value}) for key, value
                   in (("a", [0, 0]), ("o", 100)))  # fmt: skip
    return True


def _ratio(scale: list[float] | None) -> list[float] | None:
    """100 over each of a parent's scale factors (a zero one left at 1)."""
    if scale is None:
        return None
    return [100 / s if s else 1.0 for s in scale[:2]]
