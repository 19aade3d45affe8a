"""Rewrites of Lottie layer effects that ThorVG 1.0 draws unlike lottie-web.

Stroke: After Effects' Stroke effect draws a layer's mask paths (all of them, or the one
it names) with a round brush. lottie-web draws them as a stroke over the layer (or alone,
painted "on transparent") and stops masking the layer; ThorVG 1.0 only uses the stroke to
reveal the layer's own drawing, so a layer that is nothing but masks and a Stroke effect
(a hand-drawn line, a glass drawn stroke by stroke) drew nothing. Such an effect becomes
what lottie-web draws: a group on top of the layer's shapes holding the mask paths and a
round stroke (twice the brush size wide, the effect's colour and opacity, trimmed to its
start and end), the masks and the effect removed. Only shape layers, painted on the
original or on transparent (not "reveal original"), with fixed paths and settings.

Set Matte: the Set Matte effect takes another layer of the composition as the layer's
alpha matte; lottie-web masks the layer by it (and still draws that layer in its place),
ThorVG 1.0 ignores the effect, so a pattern meant to fill a shape covered the frame. Such
an effect becomes a track matte: a copy of the named layer right above the layer, as its
matte source (``td``), and an alpha matte (``tt`` 1) on the layer; the named layer is
shown, as lottie-web shows it. Not done where the layer already has a track matte, the
named layer has one or is one, or the index changes over time.

Drop shadows: lottie-web blurs a Drop Shadow effect by a standard deviation of a quarter
of its softness, ThorVG by 0.3 of it; the softness is scaled to match. (ThorVG's other
blur setting, its effect quality, is set by :mod:`lottie`.)

Effects that draw nothing: a Drop Shadow of opacity 0 (not "shadow only") and a Gaussian
Blur of blurriness 0, both fixed, are left out. ThorVG 1.0 draws a layer with an effect
through an offscreen picture, in which the blend modes of the layers inside blend with
nothing: a logo under a Multiply layer, in a precomposition carrying an invisible shadow,
was erased (lottie-flutter's ``ph_onboarding_.json`` lost its Facebook badge).

Effects not drawn: :func:`undrawn_effect_warnings` names the effects a layer loses here,
for the composition's warnings: Levels and Transform, which lottie-web draws and ThorVG
1.0 does not, and After Effects effects that Bodymovin exports as plain groups (no
Lottie player draws them: Bulge, Puppet, Gradient Ramp…).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from studio_render.compositions.lottie_shapes import map_values, scaled
from studio_render.core.errors import listed

#: Effect types.
STROKE_EFFECT, _DROP_SHADOW, _SET_MATTE, _GAUSSIAN_BLUR = 22, 25, 28, 29
_GROUP = 5
#: Effect types lottie-web draws and ThorVG 1.0 does not: Levels, Transform.
_NOT_IN_THORVG = {24: "Levels", 35: "Transform"}
#: After Effects effects that draw something, by match name, as Bodymovin exports them
#: when it cannot convert them: a plain group (type 5) that no Lottie player draws. Such
#: groups also hold expression controls (sliders, checkboxes) and rig controllers, which
#: draw nothing: only the names below are warned of.
_DRAWING_EFFECTS = frozenset({
    "ADBE 4ColorGradient", "ADBE Brightness & Contrast 2", "ADBE Bulge", "ADBE Change To Color",
    "ADBE Circle", "ADBE Color Balance 2", "ADBE CurvesCustom", "ADBE Drop Shadow",
    "ADBE Easy Levels2", "ADBE Echo", "ADBE Fill", "ADBE Fractal Noise", "ADBE FreePin3",
    "ADBE Gaussian Blur", "ADBE Gaussian Blur 2", "ADBE Geometry2", "ADBE Glo2",
    "ADBE HUE SATURATION", "ADBE Invert", "ADBE Linear Wipe", "ADBE Matte Choker",
    "ADBE Motion Blur", "ADBE Radial Blur", "ADBE Radial Wipe", "ADBE Ramp",
    "ADBE Simple Choker", "ADBE Tint", "ADBE Turbulent Displace", "ADBE Venetian Blinds",
    "ADBE Wave Warp", "CC Light Sweep", "CC Radial Fast Blur", "CS CrossBlur", "tc Starglow",
})  # fmt: skip
#: The Stroke effect's values, by position: path (mask number), all masks, sequentially,
#: colour, brush size, hardness, opacity, start, end, spacing, paint style.
_PATH, _ALL_MASKS, _COLOUR, _SIZE, _OPACITY, _START, _END, _STYLE = 0, 1, 3, 4, 6, 7, 8, 10
#: Paint styles lottie-web draws as a stroke: on the original image, on transparent.
_ON_ORIGINAL, _ON_TRANSPARENT = 1, 2
#: lottie-web blurs a drop shadow by a quarter of its softness (standard deviation in
#: pixels), ThorVG by 0.3 of it.
_SHADOW_SOFTNESS_SCALE = 0.25 / 0.3


def stroke_effects_as_strokes(layers: list[dict[str, Any]]) -> bool:
    """Turn every Stroke effect of a masked shape layer into the stroke lottie-web draws
    (see above); whether any was."""
    changed = False
    for layer in layers:
        effects, masks = layer.get("ef"), layer.get("masksProperties")
        if layer.get("ty") != 4 or not isinstance(effects, list) or not isinstance(masks, list):
            continue
        strokes = [e for e in effects if isinstance(e, dict) and e.get("ty") == STROKE_EFFECT]
        if len(strokes) != 1 or not strokes[0].get("en", 1):
            continue
        group = _stroke_group(strokes[0], masks)
        if group is None or not isinstance(layer.get("shapes", []), list):
            continue
        shapes = [] if _static(strokes[0], _STYLE) == _ON_TRANSPARENT else layer.get("shapes", [])
        layer["shapes"] = [group, *shapes]
        layer["ef"] = [e for e in effects if e is not strokes[0]]
        for key in ("masksProperties", "hasMask"):
            layer.pop(key, None)
        changed = True
    return changed


def set_mattes_as_track_mattes(compositions: list[list[Any]]) -> bool:
    """Turn every Set Matte effect into a track matte (see above); whether any was.
    ``compositions``: each composition's own list of layers, changed in place (copies are
    inserted)."""
    return any([_set_mattes_in(layers) for layers in compositions])  # all, not the first


def _set_mattes_in(layers: list[Any]) -> bool:
    """:func:`set_mattes_as_track_mattes` for one composition's ``layers``."""
    changed = False
    indices = [layer.get("ind") for layer in layers if isinstance(layer, dict)]
    next_index = max((i for i in indices if isinstance(i, int | float)), default=0) + 1
    for layer in list(layers):
        effects = layer.get("ef") if isinstance(layer, dict) else None
        mattes = [e for e in effects if isinstance(e, dict) and e.get("ty") == _SET_MATTE
                  and e.get("en", 1)] if isinstance(effects, list) else []  # fmt: skip
        if len(mattes) != 1 or layer.get("tt") or layer.get("td"):
            continue
        wanted = _static(mattes[0], 0)
        named = [m for m in layers if isinstance(m, dict) and m.get("ind") == wanted]
        if wanted is None or len(named) != 1 or named[0] is layer:
            continue
        source = named[0]
        if source.get("tt") or source.get("td"):
            continue
        copy_ = copy.deepcopy(source)
        copy_.pop("hd", None)
        copy_.update(ind=next_index, td=1)
        next_index += 1
        source.pop("hd", None)  # lottie-web shows the named layer
        layers.insert(layers.index(layer), copy_)
        layer["tt"] = 1
        layer["ef"] = [e for e in effects if e is not mattes[0]]  # type: ignore[union-attr]
        changed = True
    return changed


def idle_effects_removed(layers: list[dict[str, Any]]) -> bool:
    """Leave out every effect of ``layers`` that draws nothing (see above); whether any
    was."""
    changed = False
    for layer in layers:
        effects = layer.get("ef")
        if not isinstance(effects, list):
            continue
        kept = [effect for effect in effects if not _idle(effect)]
        if len(kept) != len(effects):
            layer["ef"] = kept
            changed = True
    return changed


def _idle(effect: object) -> bool:
    if not isinstance(effect, dict):
        return False
    if effect.get("ty") == _DROP_SHADOW:
        return _static(effect, 1) == 0 and _static(effect, 5) == 0  # opacity, shadow only
    if effect.get("ty") == _GAUSSIAN_BLUR:
        return _static(effect, 0) == 0  # blurriness
    return False


def shadow_softness_as_lottie_web(layers: list[dict[str, Any]]) -> bool:
    """Scale every Drop Shadow effect's softness so that ThorVG blurs it as lottie-web
    does; whether any was."""
    changed = False
    for layer in layers:
        effects = layer.get("ef")
        for effect in effects if isinstance(effects, list) else []:
            shadow = isinstance(effect, dict) and effect.get("ty") == _DROP_SHADOW
            prop = _value(effect, 4) if shadow else None
            if prop is None:
                continue
            try:
                map_values(prop, scaled(_SHADOW_SOFTNESS_SCALE))
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # an expression or a damaged value: left as it is
            changed = True
    return changed


def _stroke_group(effect: dict[str, Any], masks: list[Any]) -> dict[str, Any] | None:
    """The shape group lottie-web draws for Stroke ``effect`` over ``masks``, or None
    where it cannot be made (settings that change over time, a damaged value)."""
    style, every, chosen = (_static(effect, i) for i in (_STYLE, _ALL_MASKS, _PATH))
    start, end = _static(effect, _START), _static(effect, _END)
    colour, size, opacity = (_value(effect, i) for i in (_COLOUR, _SIZE, _OPACITY))
    if style not in (_ON_ORIGINAL, _ON_TRANSPARENT) or every is None or chosen is None:
        return None
    if start is None or end is None or colour is None or size is None or opacity is None:
        return None
    index = int(chosen) - 1
    picked = masks if every == 1 else masks[index : index + 1] if index >= 0 else []
    paths = [m.get("pt") for m in picked if isinstance(m, dict) and isinstance(m.get("pt"), dict)]
    if not paths:
        return None
    width, alpha = copy.deepcopy(size), copy.deepcopy(opacity)
    try:
        map_values(width, scaled(2.0))
        map_values(alpha, scaled(100.0))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    items: list[dict[str, Any]] = [{"ty": "sh", "ks": copy.deepcopy(p)} for p in paths]
    if (start, end) != (0, 100):
        trim = {"s": min(start, end), "e": max(start, end), "o": 0}
        items.append({"ty": "tm", "m": 2, **{k: {"a": 0, "k": v} for k, v in trim.items()}})
    items.append({"ty": "st", "c": copy.deepcopy(colour), "o": alpha, "w": width, "lc": 2,
                  "lj": 2, "ml": 4})  # fmt: skip
    items.append({"ty": "tr", "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                  "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                  "o": {"a": 0, "k": 100}})  # fmt: skip
    return {"ty": "gr", "nm": "Stroke effect", "it": items}


def _value(effect: Any, index: int) -> dict[str, Any] | None:
    """The animatable property of ``effect``'s value at ``index``, if it has one."""
    values = effect.get("ef") if isinstance(effect, dict) else None
    entry = values[index] if isinstance(values, list) and len(values) > index else None
    prop = entry.get("v") if isinstance(entry, dict) else None
    return prop if isinstance(prop, dict) else None


def _static(effect: dict[str, Any], index: int) -> float | None:
    """The fixed number ``effect``'s value at ``index`` holds, or None (animated, an
    expression, not a number)."""
    prop = _value(effect, index)
    if prop is None or prop.get("a") or "x" in prop:
        return None
    value = prop.get("k")
    value = value[0] if isinstance(value, list) and len(value) == 1 else value
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def undrawn_effect_warnings(layers: list[dict[str, Any]]) -> tuple[str, ...]:
    """A line naming the enabled effects of ``layers`` that are not drawn here (see
    above), each with its layer, or none."""
    undrawn: list[str] = []
    for layer in layers:
        effects = layer.get("ef")
        for effect in effects if isinstance(effects, list) else []:
            if not isinstance(effect, dict) or not effect.get("en", 1):
                continue
            kind, match = effect.get("ty"), effect.get("mn")
            if not isinstance(kind, int) or not isinstance(match, str | None):
                continue  # not an effect any player reads
            if kind in _NOT_IN_THORVG or (kind == _GROUP and match in _DRAWING_EFFECTS):
                name = effect.get("nm") or _NOT_IN_THORVG.get(kind) or match
                named = f"{str(name)!r} (layer {str(layer.get('nm', '?'))!r})"
                if named not in undrawn:
                    undrawn.append(named)
    if not undrawn:
        return ()
    count = "1 layer effect" if len(undrawn) == 1 else f"{len(undrawn)} layer effects"
    return (f"{count} not drawn (Lottie players draw only a few kinds of After Effects "
            f"effect): {listed(undrawn)}",)  # fmt: skip


#: A slider's own expression as Bodymovin exports a clamped slider.
_CLAMP = re.compile(r"\s*var \$bm_rt;\s*\$bm_rt = clamp\(value, (-?[\d.]+), (-?[\d.]+)\);?\s*")


def static_effect_values(layer: dict[str, object]) -> dict[tuple[str, str], str]:
    """(group, value) -> the literal of each static effect value of ``layer``, keyed by
    every way an expression can name them (name, match name, index)."""
    found: dict[tuple[str, str], str] = {}
    effects = layer.get("ef")
    for group in effects if isinstance(effects, list) else []:
        values = group.get("ef") if isinstance(group, dict) else None
        if not isinstance(values, list):
            continue
        group_keys = _names(group)
        for item in values:
            literal = _literal(item) if isinstance(item, dict) else None
            if literal is None:
                continue
            for g in group_keys:
                for v in _names(item):
                    found[(g, v)] = literal
    return found


def _names(item: dict[str, object]) -> list[str]:
    return [str(item[k]) for k in ("nm", "mn", "ix") if isinstance(item.get(k), str | int)]


def _literal(item: dict[str, object]) -> str | None:
    """A static effect value as a JavaScript literal, its clamp expression applied."""
    prop = item.get("v")
    if not isinstance(prop, dict) or prop.get("a", 0) != 0:
        return None
    value = prop.get("k")
    code = prop.get("x")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None  # vectors and colours: left to ThorVG
    if code is not None:
        clamp = _CLAMP.fullmatch(code) if isinstance(code, str) else None
        if clamp is None:
            return None
        value = min(max(value, float(clamp.group(1))), float(clamp.group(2)))
    return json.dumps(value)
