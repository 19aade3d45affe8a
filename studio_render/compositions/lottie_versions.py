"""Lottie files from old Bodymovin versions, upgraded as lottie-web upgrades them.

lottie-web reads a file's exporter version (``"v"``) and upgrades older formats as it loads
them (``DataManager.completeData``); ThorVG 1.0 reads every file as today's format. What
lottie-web upgrades, and what ThorVG made of it:

- before 4.1.9, fill and stroke colours were 0-255, not 0-1: ThorVG clamped them, so a
  white figure on teal came out black on dark red;
- before 4.4.18, a path's closing flag sat beside it (``"closed"`` on the shape, ``"cl"``
  on a mask), not in it (``"c"``): ThorVG drew closed shapes open;
- before 4.4.14, a text layer's document (``t.d``) was one value, not keyframes: ThorVG
  drew no text;
- before 4.7.99, the character outlines a file carries (``chars``) were written with
  absolute handles, some of them, and lottie-web reads them so and then draws no text at
  all. Read either way, they draw curves sweeping across the line (a garbled "OFF" on a
  toggle, "MINDFUL" under swooshes). They are left out, so the text is drawn from its font
  as in a file without outlines (see :mod:`lottie_text`): legible where lottie-web shows
  nothing.

Each is rewritten to today's form (the outlines left out), only for files older than its
version.
"""

from __future__ import annotations

import re
from typing import Any

from studio_render.compositions.lottie_shapes import shape_items

#: The versions that changed each form (lottie-web's ``minimumVersion``s).
_COLOURS_0_1, _CLOSED_INSIDE, _TEXT_KEYFRAMES = (4, 1, 9), (4, 4, 18), (4, 4, 14)
_CHARS_RELATIVE = (4, 7, 99)


def version(doc: dict[str, Any]) -> tuple[int, ...] | None:
    """The exporter's version (``"4.0.0"`` -> (4, 0, 0)), or None when it is missing or
    unreadable (read as new, as lottie-web does)."""
    text = doc.get("v")
    if not isinstance(text, str) or not re.fullmatch(r"\d+(\.\d+){0,3}", text):
        return None
    return tuple(int(part) for part in text.split("."))


def upgrade_old_formats(doc: dict[str, Any], layers: list[dict[str, Any]]) -> bool:
    """Rewrite the old forms (see above) in ``doc``, whose ``layers`` are those of the
    composition and its precompositions; whether any was."""
    exported = version(doc)
    if exported is None or exported >= _CHARS_RELATIVE:
        return False
    changed = bool(doc.pop("chars", None))
    if exported >= _CLOSED_INSIDE:
        return changed
    for layer in layers:
        shapes = list(shape_items(layer.get("shapes"))) if layer.get("ty") == 4 else []
        if exported < _COLOURS_0_1:
            for item in shapes:
                if item.get("ty") in ("fl", "st"):
                    changed |= _colour_to_0_1(item.get("c"))
        for item in shapes:
            if item.get("ty") == "sh" and "closed" in item:
                changed |= _close(item.get("ks"), item["closed"])
        masks = layer.get("masksProperties")
        for mask in masks if isinstance(masks, list) else []:
            if isinstance(mask, dict) and "cl" in mask:
                changed |= _close(mask.get("pt"), mask["cl"])
        text = layer.get("t") if layer.get("ty") == 5 else None
        if exported < _TEXT_KEYFRAMES and isinstance(text, dict):
            document = text.get("d")
            if isinstance(document, dict) and "k" not in document:
                text["d"] = {"k": [{"s": document, "t": 0}]}
                changed = True
    return changed


def _colour_to_0_1(prop: Any) -> bool:
    """Divide a colour property's values by 255 (static or keyframed); whether it was."""
    if not isinstance(prop, dict) or not isinstance(prop.get("k"), list) or "x" in prop:
        return False
    keys = prop["k"]
    if keys and isinstance(keys[0], dict):  # keyframes
        values = [key[end] for key in keys if isinstance(key, dict)
                  for end in ("s", "e") if isinstance(key.get(end), list)]  # fmt: skip
    else:
        values = [keys]
    if not all(_all_numbers(v) for v in values):
        return False
    for value in values:
        value[:] = [channel / 255 for channel in value]
    return bool(values)


def _close(prop: Any, closed: Any) -> bool:
    """Set a path property's closing flag (static or keyframed) to ``closed``."""
    if not isinstance(prop, dict):
        return False
    keys = prop.get("k")
    if isinstance(keys, dict):
        paths = [keys]
    elif isinstance(keys, list):
        ends = [key[end] for key in keys if isinstance(key, dict) for end in ("s", "e")
                if isinstance(key.get(end), list) and key[end]]  # fmt: skip
        paths = [end[0] for end in ends if isinstance(end[0], dict)]
    else:
        return False
    for path in paths:
        path["c"] = bool(closed)
    return bool(paths)


def _all_numbers(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )
