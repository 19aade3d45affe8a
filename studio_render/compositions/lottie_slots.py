"""Slots: values a Lottie document defines once, in ``"slots"``, for every property, text
document or image asset that names one by its ``"sid"`` (themes of dotLottie files and
players' APIs set them; a file's own slots hold their default values).

ThorVG 1.0 fills slots in itself, but crashes (SIGSEGV, while loading) on a slot that a
path's shape names (``"ks"`` of a ``"sh"`` shape): the Lottie specification's own slots
example took every render of it down. Each slot is filled in here instead, as the
specification says and lottie-web does it (the slot's ``"p"`` fields over the named
object's, so a slot missing from ``"slots"`` leaves the object's own value), and ThorVG
reads a document without slots. lottie-web fills in properties, text documents and image
assets but not paths; the specification has paths filled too, which is what is done here.
"""

from __future__ import annotations

import copy
from typing import Any

from studio_render.compositions.lottie_tree import objects


def slots_filled(doc: dict[str, Any]) -> bool:
    """Put each slot's value into what names it, and leave out the names and the slots;
    whether anything named a slot or ``doc`` had slots."""
    slots = doc.pop("slots", None)
    values = slots if isinstance(slots, dict) else {}
    named = False
    for item in list(objects(doc)):
        if "sid" not in item:
            continue
        named = True
        name = item.pop("sid")
        slot = values.get(name) if isinstance(name, str) else None
        value = slot.get("p") if isinstance(slot, dict) else None
        if isinstance(value, dict):
            item.update(copy.deepcopy(value))  # each its own copy: later rewrites edit them
    return named or slots is not None
