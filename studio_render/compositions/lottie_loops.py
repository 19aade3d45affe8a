"""Layers that lead back to themselves, which ThorVG 1.0 crashes on, broken.

After Effects cannot make a layer its own ancestor or a precomposition that draws itself,
but a file written by hand or by another tool can say so: a layer whose ``parent`` chain
comes back to it, or a precomposition layer (``refId``) that draws a precomposition it is
drawn in. ThorVG 1.0 follows such a loop until its stack runs out (SIGSEGV while loading),
and lottie-web until the page's does. :func:`loops_broken` drops the link that closes each
loop, in the order the file lists its layers, so that the rest is drawn.
"""

from __future__ import annotations

from typing import Any


def loops_broken(doc: dict[str, Any], layer_lists: list[list[Any]]) -> bool:
    """Break, in place, every loop of parents in ``layer_lists`` (each composition's
    ``layers``) and every loop of precompositions in ``doc``; whether any was."""
    broken = False
    for layers in layer_lists:
        broken |= _parent_loops_broken(layers)
    return _precomposition_loops_broken(doc) | broken


def _parent_loops_broken(layers: list[Any]) -> bool:
    """Drop the ``parent`` of each layer whose chain of parents comes back to a layer
    already on it (the link that closes the loop); whether any was."""
    by_index = {layer.get("ind"): layer for layer in layers
                if isinstance(layer, dict) and _is_key(layer.get("ind"))}  # fmt: skip
    broken = False
    for layer in layers:
        chain: set[int] = set()
        current = layer
        while isinstance(current, dict) and _is_key(current.get("parent")):
            chain.add(id(current))
            parent = by_index.get(current["parent"])
            if parent is None:
                break
            if id(parent) in chain:
                del current["parent"]
                broken = True
                break
            current = parent
    return broken


def _precomposition_loops_broken(doc: dict[str, Any]) -> bool:
    """Leave out each precomposition layer that would draw a precomposition it is drawn in,
    directly or through others (found by one depth-first walk); whether any was."""
    assets = doc.get("assets")
    listed = assets if isinstance(assets, list) else []
    precomps = {asset["id"]: asset["layers"] for asset in listed
                if isinstance(asset, dict) and _is_key(asset.get("id"))
                and isinstance(asset.get("layers"), list)}  # fmt: skip
    entered: set[object] = set()  # on the walk's current path
    finished: set[object] = set()
    broken = False

    def walk(layers: list[Any]) -> None:
        nonlocal broken
        kept = []
        for layer in layers:
            ref = layer.get("refId") if isinstance(layer, dict) else None
            if not _is_key(ref) or ref not in precomps or ref in finished:
                kept.append(layer)
            elif ref in entered:
                broken = True  # it draws a precomposition it is drawn in: left out
            else:
                kept.append(layer)
                entered.add(ref)
                walk(precomps[ref])
                entered.discard(ref)
                finished.add(ref)
        layers[:] = kept

    root = doc.get("layers")
    for layers in [root if isinstance(root, list) else [], *precomps.values()]:
        walk(layers)
    return broken


def _is_key(value: object) -> bool:
    """Whether ``value`` can name a layer or an asset (a number or a string)."""
    return isinstance(value, int | float | str) and not isinstance(value, bool)
