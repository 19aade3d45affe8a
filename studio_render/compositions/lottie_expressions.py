"""Expressions rewritten so ThorVG 1.0 evaluates them as lottie-web does.

Measured on one-layer probes against lottie-web in Chromium, ThorVG 1.0's expression
engine differs from lottie-web's (and After Effects') in four calls that rigs and the
common "inertial bounce" snippet use:

- ``effect('Name')('Slider')`` (by name, match name or index) gives a value that makes
  the layer vanish. A static slider's value is written into the expression instead (its
  own ``clamp(value, lo, hi)`` expression applied, as Bodymovin exports it).
- ``velocityAtTime(t)`` is the average speed over the keyframe segment; lottie-web takes
  ``(valueAtTime(t) - valueAtTime(t - 0.001)) / 0.001``, and so does the rewrite.
- ``key(n)`` and ``nearestKey(t).index`` count keyframes from 0; lottie-web and After
  Effects from 1. ``key(n)`` becomes ``key(-1 + n)`` and ``nearestKey(t).index`` one more.

A velocity taken over a thousandth of a second magnifies ThorVG's estimate of where along
a motion path a point is (a few pixels' difference became dozens), so a property whose
expression asks for it loses the tangents of its straight segments: moving along a
straight line by the share of its length is moving by that share of the way.

Only calls on the expression's own property and layer are rewritten (``key(``, not
``x.key(``); what ThorVG cannot evaluate otherwise (rubber-hose rigs, layers referenced by
name) is left as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

#: ``effect('Group')('Value')`` or with indices, on the expression's own layer.
_EFFECT_VALUE = re.compile(
    r"(?<![\w$.])(?:thisLayer\.)?effect\((?:'([^']*)'|\"([^\"]*)\"|(\d+))\)"
    r"\((?:'([^']*)'|\"([^\"]*)\"|(\d+))\)"
)
#: A slider's own expression as Bodymovin exports a clamped slider.
_CLAMP = re.compile(r"\s*var \$bm_rt;\s*\$bm_rt = clamp\(value, (-?[\d.]+), (-?[\d.]+)\);?\s*")
_KEY = re.compile(r"(?<![\w$.])key\(")
_VELOCITY = re.compile(r"(?<![\w$.])velocityAtTime\(")
_NEAREST = re.compile(r"(?<![\w$.])nearestKey\(")
#: lottie-web's velocity: the change over the last thousandth of a second.
_VELOCITY_AT = (
    "(function (t) { return div(sub(valueAtTime(t), valueAtTime(sub(t, 0.001))), 0.001); })("
)
#: Words that mark an expression this module may change.
MARKERS = (b"effect(", b"velocityAtTime(", b"key(", b"nearestKey(")


def rewrite_expressions(layers: list[dict[str, object]]) -> bool:
    """Rewrite, in place, the expressions of ``layers``; whether any changed."""
    changed = False
    for layer in layers:
        sliders = _static_effect_values(layer)
        for holder in _expression_holders(layer):
            code = holder["x"]
            assert isinstance(code, str)
            new = _rewritten(code, sliders)
            if new != code:
                holder["x"] = new
                changed = True
            if "velocityAtTime" in code:
                changed |= _straight_segments_unspatial(holder.get("k"))
    return changed


def _straight_segments_unspatial(frames: object) -> bool:
    """Drop the tangents of keyframe segments that run along a straight line, from start
    to end without going back; whether any were."""
    changed = False
    keys = frames if isinstance(frames, list) else []
    for index, key in enumerate(keys):
        if not isinstance(key, dict) or "to" not in key:
            continue
        after = keys[index + 1] if index + 1 < len(keys) else None
        end = key.get("e", after.get("s") if isinstance(after, dict) else None)
        if _straight(key.get("s"), end, key.get("to"), key.get("ti")):
            del key["to"], key["ti"]
            changed = True
    return changed


def _straight(start: object, end: object, out: object, into: object) -> bool:
    """Whether the Bezier from ``start`` to ``end`` with tangents ``out`` (from start) and
    ``into`` (from end) lies on the segment between them, its handles inside it."""
    vectors = [_vector(p) for p in (start, end, out, into)]
    if any(v is None for v in vectors) or len({len(v or []) for v in vectors}) != 1:
        return False
    a, b, o, i = (v or [] for v in vectors)
    d = [y - x for x, y in zip(a, b, strict=True)]
    length2 = sum(c * c for c in d)
    if length2 == 0:
        return False

    def along(handle: list[float], base: list[float]) -> bool:
        q = [h + p - s for h, p, s in zip(handle, base, a, strict=True)]
        share = sum(x * y for x, y in zip(q, d, strict=True)) / length2
        off = [x - share * y for x, y in zip(q, d, strict=True)]
        return -1e-6 <= share <= 1 + 1e-6 and sum(c * c for c in off) <= 1e-6 * length2

    return along(o, a) and along(i, b)


def _rewritten(code: str, sliders: dict[tuple[str, str], str]) -> str:
    def value(match: re.Match[str]) -> str:
        group = match.group(1) or match.group(2) or match.group(3)
        item = match.group(4) or match.group(5) or match.group(6)
        return sliders.get((group, item), match.group(0))

    code = _EFFECT_VALUE.sub(value, code)
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


def _static_effect_values(layer: dict[str, object]) -> dict[tuple[str, str], str]:
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


def _vector(value: object) -> list[float] | None:
    if isinstance(value, list) and all(isinstance(c, int | float) for c in value):
        return [float(c) for c in value]
    return None


def _expression_holders(item: object) -> Iterator[dict[str, object]]:
    """Every property of a layer that has an expression (nested precomps are layers of
    their own, so not entered)."""
    stack = [item]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("x"), str) and "k" in current:
                yield current
            stack.extend(v for k, v in current.items() if k != "ef" and isinstance(v, dict | list))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, dict | list))
