"""A layer's masks rewritten so that ThorVG 1.0 combines them as lottie-web does.

lottie-web (as After Effects) takes a layer's masks in order: it starts from nothing when
the first mask adds, from everything when it subtracts or intersects; each Add mask then
adds its area, each Subtract takes it away, each Intersect keeps what lies inside it, and
an inverted mask stands for everything outside its path.

ThorVG 1.0 chains them from the last one back: the first mask is combined with what the
second makes of the third, and so on, each by the next one's mode (``Add``: union,
``Subtract`` and an inverted Add: difference, ``Intersect`` and an inverted Subtract:
intersection, an inverted Intersect: exclusive or), consecutive Subtract masks join into
one shape, and the layer shows inside the result, or outside it when the first mask
subtracts or is an inverted Add. It reads ``"inv"`` only where it comes before
``"mode"``. Many sequences come out alike; many do not: a Subtract then an Add mask showed
neither area, an inverted Add then a Subtract showed the second mask's area inside the
first, two Add masks then an Intersect kept the first whole.

Where the two differ for some combination of inside and outside each mask (compared as
truth tables), the masks are replaced by a chain that ThorVG evaluates to lottie-web's
result: built from the last mask back, each step the mask itself combined by union,
intersection or difference with a chain for what the masks before it make (or for its
complement), with a rectangle covering far more than the frame where a complement is
needed. The chain uses only Add, Intersect and inverted Add masks, which ThorVG never
joins. Done for opaque, unexpanded Add, Subtract and Intersect masks, inverted or not, on
layers whose masks nothing refers to by position (text on a path, a Stroke effect).

lottie-web itself inverts a mask by adding the rectangle from the layer's origin to the
composition's size to its path, so on a layer not placed at the origin an inverted mask
is drawn mostly uninverted; this draws it inverted, as After Effects does.
"""

from __future__ import annotations

import itertools
from typing import Any

from studio_render.compositions.lottie_nulls import path_shape

#: ThorVG 1.0's mask method for each mode, not inverted and inverted.
_METHODS = {
    ("a", False): "add", ("a", True): "outside", ("s", False): "subtract",
    ("s", True): "intersect", ("i", False): "intersect", ("i", True): "difference",
}  # fmt: skip
#: Methods whose consecutive masks ThorVG joins into one shape (of the same opacity).
_JOINED = frozenset({"subtract", "difference"})
#: Methods of a first mask that show the layer outside the chain.
_OUTSIDE_FIRST = frozenset({"subtract", "outside"})
#: The most masks a layer may have for its truth tables (2 ** 2 ** 10 bits at most).
_MOST_MASKS = 10
#: The most masks whose every chain (order and joins) is tried, before the rectangle.
_MOST_SEARCHED = 4
#: Half the side of the rectangle standing for everything (in the layer's units).
_EVERYWHERE = 100_000.0
#: A chain step joining the rest: union, intersection, difference (None: the first).
_MODE_OF = {"|": ("a", False), "&": ("i", False), "-": ("a", True)}
_FULL = -1  # a chain item: the rectangle standing for everything
#: A chain: (how it joins the rest, mask index or _FULL), first to last; None: nothing.
Chain = list[tuple[str | None, int]] | None
_ALL: Chain = [(None, _FULL)]


def masks_as_chains(layers: list[dict[str, Any]], stroke_effect: int) -> bool:
    """Rewrite the masks of each of ``layers`` that ThorVG 1.0 would combine otherwise than
    lottie-web (see above); whether any was. ``stroke_effect``: a Stroke effect's type."""
    changed = False
    for layer in layers:
        masks = _plain_masks(layer, stroke_effect)
        differing = None if masks is None else _where_thorvg_differs(masks)
        if masks is None or differing is None:
            continue
        wanted, tables, everything = differing
        modes = [(m["mode"], bool(m.get("inv"))) for m in masks]
        chain = _searched(wanted, tables, everything) or _chain(modes)
        if chain is None:
            continue
        steps = _steps(chain)
        methods = [_METHODS[mode, inv] for mode, inv, _ in steps]
        areas = [everything if i == _FULL else tables[i] for _, _, i in steps]
        if _as_thorvg(methods, areas, everything) != wanted:
            continue  # not expected: leave the masks as they are rather than guess
        layer["masksProperties"] = [_mask(masks, index, mode, inv) for mode, inv, index in steps]
        changed = True
    return changed


def cut_after_adds(
    layer: dict[str, Any], stroke_effect: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """``layer``'s masks (but None masks) split where they stop adding, if they are a run
    of Add masks and then only Subtract and Intersect masks that ThorVG 1.0 would combine
    otherwise than lottie-web: the Adds, the rest; None for any other masks (see
    :func:`masks_as_chains`).

    Such masks are applied in order by nesting (``lottie_fixes``), not chained: ThorVG
    leaves out a chained mask whose path lies wholly outside the frame together with the
    masks chained after it, so a Subtract mask parked outside the frame, first in the
    chain, showed the whole layer. A lone mask outside the frame is drawn right."""
    masks = _plain_masks(layer, stroke_effect)
    if masks is None:
        return None
    adds = next((k for k, m in enumerate(masks) if m["mode"] != "a" or m.get("inv")), len(masks))
    if adds in (0, len(masks)) or any(m["mode"] == "a" for m in masks[adds:]):
        return None
    if _where_thorvg_differs(masks) is None:
        return None
    return masks[:adds], masks[adds:]


def _where_thorvg_differs(masks: list[dict[str, Any]]) -> tuple[int, list[int], int] | None:
    """Where lottie-web shows a layer with ``masks``, as a truth table, with the masks'
    tables and the table of all ones, if ThorVG 1.0 would read the masks otherwise; None
    where it reads them alike."""
    tables = _tables(len(masks))
    everything = (1 << (1 << len(masks))) - 1
    modes = [(m["mode"], bool(m.get("inv"))) for m in masks]
    wanted = _as_lottie_web(modes, tables, everything)
    read = [_METHODS[m["mode"], bool(m.get("inv")) and _inv_read(m)] for m in masks]
    return None if _as_thorvg(read, tables, everything) == wanted else (wanted, tables, everything)


def lone_mask(mask: dict[str, Any]) -> dict[str, Any]:
    """A Subtract or Intersect ``mask`` (inverted or not) as the only mask of a layer
    that ThorVG 1.0 draws as lottie-web does: an inverted Intersect becomes an inverted
    Add, an inverted Subtract an Intersect (ThorVG reads them otherwise)."""
    inverted = bool(mask.get("inv"))
    mode, inv = {("i", True): ("a", True), ("s", True): ("i", False)}.get(
        (mask["mode"], inverted), (mask["mode"], False)
    )
    return _mask([mask], 0, mode, inv)


def adds_as_one_shape(layers: list[dict[str, Any]], stroke_effect: int) -> bool:
    """Rewrite two or more Add masks of a layer (and nothing else) as inverted Intersect
    masks, their paths all turned one way; whether any were.

    ThorVG 1.0 chains Add masks, and a chained mask wholly outside the frame is left out
    with every mask after it (see :func:`cut_after_adds`): a first Add mask outside the
    frame hid the others. It joins consecutive inverted Intersect masks into one shape,
    which it masks with as a whole: their union, where every path winds the same way
    (else the overlap of two is a hole). So a mask whose keyframes wind both ways (a
    morph through a sliver) or cross themselves (a twisted ribbon) leaves its layer's
    masks as they are."""
    changed = False
    for layer in layers:
        masks = _plain_masks(layer, stroke_effect)
        if masks is None or len(masks) < 2 or any(m["mode"] != "a" or m.get("inv") for m in masks):
            continue
        turned = [_turned_clockwise(m.get("pt")) for m in masks]
        if any(t is None for t in turned):
            continue
        layer["masksProperties"] = [
            {**_mask([m], 0, "i", True), "pt": t} for m, t in zip(masks, turned, strict=True)
        ]
        changed = True
    return changed


def _turned_clockwise(prop: object) -> dict[str, Any] | None:
    """A mask's path property with every shape reversed if its shapes wind
    counter-clockwise on screen (one choice for all keyframes, so they still match up);
    None if it holds anything but plain shapes, shapes winding both ways, or a shape
    crossing itself."""
    if not isinstance(prop, dict) or "x" in prop:
        return None
    keys = prop.get("k")
    if isinstance(keys, dict):
        shapes = [keys]
    elif isinstance(keys, list) and keys and all(isinstance(k, dict) for k in keys):
        shapes = [s for k in keys for n in ("s", "e") for s in k.get(n) or []]
    else:
        return None
    if not shapes or any(path_shape(s) is None for s in shapes):
        return None
    outlines = [_outline(s) for s in shapes]
    if any(_crosses_itself(points) for points in outlines):
        return None
    areas = [_signed_area(points) for points in outlines]
    if all(a > 0 for a in areas):
        return prop
    if not all(a < 0 for a in areas):
        return None
    if isinstance(keys, dict):
        return {**prop, "k": _reversed(keys)}
    turned = [{**k, **{n: [_reversed(s) for s in k[n]] for n in ("s", "e") if k.get(n)}}
              for k in keys]  # fmt: skip
    return {**prop, "k": turned}


def _outline(shape: dict[str, Any]) -> list[tuple[float, float]]:
    """Points along the closed bezier ``shape``, eight per curve."""
    v, i, o = shape["v"], shape["i"], shape["o"]
    points: list[tuple[float, float]] = []
    for k in range(len(v)):
        (x0, y0), (x3, y3) = v[k][:2], v[(k + 1) % len(v)][:2]
        x1, y1 = x0 + o[k][0], y0 + o[k][1]
        x2, y2 = x3 + i[(k + 1) % len(v)][0], y3 + i[(k + 1) % len(v)][1]
        for t in (n / 8 for n in range(8)):
            u = 1 - t
            a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
            points.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return points


def _signed_area(points: list[tuple[float, float]]) -> float:
    """Twice the area inside the closed polygon through ``points`` (a shape's
    :func:`_outline`): positive when it turns clockwise on screen (y down)."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
               in zip(points, points[1:] + points[:1], strict=True))  # fmt: skip


def _crosses_itself(points: list[tuple[float, float]]) -> bool:
    """Whether the closed polygon through ``points`` crosses itself (a loop, a figure of
    eight: parts of it then wind the other way). Edges are swept left to right, each
    tried only against those it overlaps in x (a whole comparison took a second for a
    character's masks)."""
    count = len(points)
    ends = zip(points, points[1:] + points[:1], strict=True)
    edges = sorted((min(p[0], q[0]), max(p[0], q[0]), k, p, q) for k, (p, q) in enumerate(ends))
    active: list[tuple[float, float, int, tuple[float, float], tuple[float, float]]] = []
    for edge in edges:
        left, _, k, p, q = edge
        active = [e for e in active if e[1] >= left]
        for _, _, m, r, s in active:
            if abs(k - m) not in (1, count - 1) and _cross(p, q, r, s):  # not neighbours
                return True
        active.append(edge)
    return False


def _cross(
    p: tuple[float, float], q: tuple[float, float], r: tuple[float, float], s: tuple[float, float]
) -> bool:
    """Whether the segments ``p``-``q`` and ``r``-``s`` cross (not merely touch)."""
    return _sides(p, q, r) * _sides(p, q, s) < 0 and _sides(r, s, p) * _sides(r, s, q) < 0


def _sides(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """Which side of the line ``a``-``b`` the point ``c`` lies (its sign; 0 on it)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _reversed(shape: dict[str, Any]) -> dict[str, Any]:
    """``shape`` drawn the other way: vertices in reverse order, in and out tangents
    swapped."""
    return {**shape, "v": shape["v"][::-1], "i": shape["o"][::-1], "o": shape["i"][::-1]}


def _plain_masks(layer: dict[str, Any], stroke_effect: int) -> list[dict[str, Any]] | None:
    """``layer``'s masks but its None masks, if they are opaque, unexpanded Add, Subtract
    or Intersect masks that nothing refers to by position; else None. A None mask (mode
    "n") draws nothing: lottie-web and ThorVG pass over it, and the rewrites leave it out."""
    masks = layer.get("masksProperties")
    if not isinstance(masks, list):
        return None
    masks = [m for m in masks if not (isinstance(m, dict) and m.get("mode") == "n")]
    if not 0 < len(masks) <= _MOST_MASKS:
        return None
    if not all(isinstance(m, dict) and m.get("mode") in ("a", "s", "i")
               and _static(m.get("o"), 100) and _static(m.get("x"), 0) for m in masks):  # fmt: skip
        return None
    text = layer.get("t")
    if isinstance(text, dict) and isinstance(text.get("p"), dict) and "m" in text["p"]:
        return None  # text on a path names its mask by position
    effects = layer.get("ef")
    if isinstance(effects, list) and any(
        isinstance(e, dict) and e.get("ty") == stroke_effect for e in effects
    ):
        return None  # a Stroke effect names its mask by position
    return masks


def _static(prop: object, value: float) -> bool:
    """Whether ``prop`` is absent or holds ``value``, unanimated."""
    if prop is None:
        return True
    if not isinstance(prop, dict) or prop.get("a") == 1 or "x" in prop:
        return False
    held = prop.get("k")
    return held == value or held == [value]


def _inv_read(mask: dict[str, Any]) -> bool:
    """Whether ThorVG reads ``mask``'s ``"inv"``: only where it comes before ``"mode"``."""
    keys = list(mask)
    return keys.index("inv") < keys.index("mode")


def _tables(count: int) -> list[int]:
    """For each of ``count`` masks, the truth table "inside it": bit ``a`` of entry ``k``
    is bit ``k`` of ``a``, for every ``a`` below ``2 ** count``."""
    return [sum(1 << a for a in range(1 << count) if a >> k & 1) for k in range(count)]


def _as_lottie_web(modes: list[tuple[str, bool]], tables: list[int], everything: int) -> int:
    """Where lottie-web shows the layer, as a truth table over the masks (``everything``:
    the table of all ones)."""
    shown = 0 if modes[0][0] == "a" else everything
    for (mode, inverted), inside in zip(modes, tables, strict=True):
        area = everything & ~inside if inverted else inside
        if mode == "a":
            shown |= area
        elif mode == "s":
            shown &= ~area
        else:
            shown &= area
    return shown


def _as_thorvg(methods: list[str], tables: list[int], everything: int) -> int:
    """Where ThorVG 1.0 shows a layer with masks of ``methods`` (each inside the area of
    its truth table), as a truth table."""
    shapes: list[tuple[str, int]] = []  # each chained shape: its method and its area
    for k, (method, inside) in enumerate(zip(methods, tables, strict=True)):
        if k and method == methods[k - 1] and method in _JOINED:
            shapes[-1] = (shapes[-1][0], shapes[-1][1] | inside)
        else:
            shapes.append((method, inside))
    rest = shapes[-1][1]
    for (_, area), (method, _) in zip(shapes[-2::-1], shapes[:0:-1], strict=True):
        rest = _combined(area, method, rest)
    return everything & ~rest if shapes[0][0] in _OUTSIDE_FIRST else rest


def _combined(area: int, method: str, rest: int) -> int:
    """A shape's ``area`` masked by ``rest`` with ``method``."""
    if method == "add":
        return area | rest
    if method in ("subtract", "outside"):
        return area & ~rest
    if method == "intersect":
        return area & rest
    return area ^ rest


def _searched(wanted: int, tables: list[int], everything: int) -> Chain:
    """The first chain of the masks, each once, in some order, joined in some way, that
    ThorVG evaluates to ``wanted``; None if there is none or the masks are too many to
    try every way (see :func:`_chain`)."""
    if len(tables) > _MOST_SEARCHED:
        return None
    for order in itertools.permutations(range(len(tables))):
        for joins in itertools.product("|&-", repeat=len(tables) - 1):
            rest = tables[order[-1]]
            for k in range(len(tables) - 2, -1, -1):
                rest = _combined(tables[order[k]], _METHODS[_MODE_OF[joins[k]]], rest)
            if wanted in (rest, everything & ~rest):
                first = None if rest == wanted else "-"
                return [(first, order[0]), *zip(joins, order[1:], strict=True)]
    return None


def _chain(modes: list[tuple[str, bool]]) -> Chain:
    """A chain ThorVG evaluates to what lottie-web shows for masks of ``modes``, its first
    step's join telling whether the layer shows inside it (None) or outside ("-"); None
    where the masks show all of the layer or none of it. It may hold the rectangle
    standing for everything, which costs ThorVG a pass over the whole frame."""
    shown, hidden = (None, _ALL) if modes[0][0] == "a" else (_ALL, None)
    for k, (mode, inverted) in enumerate(modes):
        adds, keeps = mode == "a", mode == "i" or (mode == "s" and inverted)
        if adds and not inverted:  # shown | M
            shown = _joined(k, "|", shown)
            hidden = _joined(_FULL, "-", shown)
        elif adds:  # shown | not M = not (M - shown)
            hidden = _joined(k, "-", shown)
            shown = _joined(_FULL, "-", hidden)
        elif keeps and not (mode == "i" and inverted):  # shown & M
            shown = _joined(k, "&", shown)
            hidden = _joined(_FULL, "-", shown)
        else:  # shown - M = not (M | not shown)
            hidden = _joined(k, "|", hidden)
            shown = _joined(_FULL, "-", hidden)
    options = [c for c in (_as_masks(shown), _as_masks(hidden, hidden=True)) if c]
    return min(options, key=len) if options else None


def _joined(item: int, how: str, rest: Chain) -> Chain:
    """The chain for ``item`` joined (``how``) with ``rest``, simplified."""
    if rest is None:  # nothing
        return [(None, item)] if how in "|-" else None
    if rest == _ALL:
        return _ALL if how == "|" else [(None, item)] if how == "&" else None
    if item == _FULL and how == "|":
        return _ALL
    if item == _FULL and how == "&":
        return rest
    return [(None, item), (how, rest[0][1]), *rest[1:]]


def _as_masks(chain: Chain, hidden: bool = False) -> Chain:
    """``chain`` (with ``hidden``: standing for where the layer is hidden) as a layer's
    masks: its first step's join "-" where the layer shows outside what follows; None
    where it shows everywhere or nowhere."""
    if chain is None or chain == _ALL:
        return None
    if chain[0][1] == _FULL and len(chain) > 1 and chain[1][0] == "-":  # everything less rest
        return _as_masks([(None, chain[1][1]), *chain[2:]], not hidden)
    return [("-", chain[0][1]), *chain[1:]] if hidden else chain


def _steps(chain: list[tuple[str | None, int]]) -> list[tuple[str, bool, int]]:
    """The masks of a chain: (mode, inverted, mask index or _FULL) each."""
    first_join, first = chain[0]
    steps = [("a", first_join == "-", first)]
    steps += [(*_MODE_OF[str(how)], item) for how, item in chain[1:]]
    return steps


def _mask(masks: list[dict[str, Any]], index: int, mode: str, inv: bool) -> dict[str, Any]:
    """Mask ``index`` of ``masks`` (or the rectangle covering everything) with ``mode``
    and ``inv``, ``"inv"`` first (see above)."""
    if index != _FULL:
        rest = {k: v for k, v in masks[index].items() if k not in ("inv", "mode")}
        return {"inv": inv, "mode": mode, **rest}
    e = _EVERYWHERE
    corners = [[-e, -e], [-e, e], [e, e], [e, -e]]
    path = {"i": [[0, 0]] * 4, "o": [[0, 0]] * 4, "v": corners, "c": True}
    return {"inv": inv, "mode": mode, "pt": {"a": 0, "k": path}, "o": {"a": 0, "k": 100},
            "x": {"a": 0, "k": 0}, "nm": "everywhere"}  # fmt: skip
