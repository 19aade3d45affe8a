"""Rewrites of a Lottie document before ThorVG loads it, for ThorVG bugs that change the
picture. Each rewrite keeps what lottie-web draws; :func:`rewrite` returns None when a
document needs none, so most files load untouched, straight from their path.

Keyframes: the rewrites read a property's ``"a": 1`` to find keyframes. lottie-web and
ThorVG read what ``"k"`` holds instead, and Bodymovin 4.5 and before left ``"a"`` out, so
every property holding keyframes is marked first (without that, a 4.5 file's sizes eased
per dimension were drawn with one easing: rectangles 15% of their pixels off lottie-web).
Some tools write a keyframe without easing as ``"i": null, "o": null``; ThorVG 1.0 then
eases by a curve read from memory it never set, so the same frame came out differently
from one process to the next (a fade at 0%, 100% or in between). A keyframe's null
entries are left out: it then eases linearly.

Easing names: ThorVG 1.0 caches keyframe easing curves by the keyframe's ``"n"`` name but
compares names with ``strncmp(a, b, 20)``, so two different easings whose names share their
first 20 characters (After Effects names them by their values, e.g.
``0p833_0p833_0p167_0p167`` and ``0p833_0p833_0p167_0p179``) get one curve: a linear spin
runs eased, minutes off by the middle. lottie-web keys its cache by the whole name, so
renaming every long name to a short unique one keeps lottie-web's meaning. A keyframe
without a name gets a key of its values rounded to two decimals (``%.2f``, cut at 19
characters), so easings alike to 0.005, or two overshoots such as -0.27 and -0.29, share a
curve too: each such easing gets a short name of its own.

Solid layers: ThorVG 1.0 applies a solid layer's opacity twice (to the layer and again to
its rectangle; fixed upstream after 1.1), so a solid at 27% draws at 7%; and it draws a
solid that stays axis-aligned with its edges rounded to whole pixels (see sharp rectangles
in :mod:`lottie_shapes`). A solid layer becomes the shape layer lottie-web draws for it:
a ``sw`` x ``sh`` path filled with ``sc``, its opacity, masks and matte left on the layer.

In and out points: ThorVG reads a layer's ``ip`` and ``op`` as 32-bit floats, so one just
past a whole frame (After Effects writes 5.00000020365417) becomes that frame, and the
layer shows a frame early or hides a frame early. Such a point is moved to the next 32-bit
float past it.

Time remapped to the out point: a precomposition layer whose time remap lands exactly on
its out point (a remap from 0 to the end and back) shows its last frame in lottie-web
(``timeRemapped === op`` draws ``op - 1``, as After Effects shows the end of the remapped
composition); ThorVG drew that frame, where the layers inside have ended, empty. Such a
remap value is moved a thousandth of a frame before the out point.

Effects without ``"en"``: ThorVG 1.0 skips a layer effect that does not say it is
enabled; lottie-web draws it (Bodymovin leaves the flag out in some exports: a bell that
a white Fill effect hides came out black). Such an effect gets ``"en": 1``.

Lighten, Darken and Difference masks: lottie-web's SVG renderer paints every mask that
is not Subtract or Intersect as Add (white over what the masks before it painted, at the
mask's opacity); ThorVG 1.0 combines them as After Effects does (the darker of two masks
where they overlap, a hole where two masks differ), so a square that lottie-web shows whole
lost most of itself. Such a mask becomes an Add mask.

Masks in sequence (Subtract then Add, Intersect after other masks, inverted masks): see
:mod:`lottie_masks`.

Embedded images without ``"e"``: an image asset whose ``"p"`` is a ``data:`` URL but that
does not say it is embedded (``"e": 1``; older exports leave it out) is drawn by lottie-web,
which loads whatever URL the asset names; ThorVG 1.0 looked for a file of that name and
drew nothing. Such an asset gets ``"e": 1``.

Images a browser draws but ThorVG draws otherwise (of another shape than their asset,
turned by EXIF, 16-bit PNGs, CMYK JPEGs, GIFs, colour profiles): see
:mod:`lottie_image_formats`. Image edges (cut where a browser cuts them): see
:mod:`lottie_image_edges`.

Stroke effects and drop shadows: see :mod:`lottie_effects`. Files from old exporters: see
:mod:`lottie_versions`.

Effects under masks and mattes: ThorVG 1.0 applies a layer's effects after its masks or
track matte, so a Fill effect on a masked or matted layer colours the whole layer, outside
the mask or matte too (a grey that covers the frame, a whole line of text where a mask
reveals one word, a pattern spilling out of the square it fills). lottie-web filters the
layer and masks the result. Such a layer becomes a precomposition layer that keeps the
masks, transform, timing and matte, holding one pass-through layer with the drawing and
the effects. A precomposition clips to its size, and a shape or text layer draws around its
origin, so such a layer's drawing moves right and down inside it and its anchor point and
masks move with it (not done for 3D layers, parents, text on a path or expressions there).

Text (fonts without outlines, selectors): see :mod:`lottie_text`. Shape items
(rectangles, stars, repeaters): see :mod:`lottie_shapes`. Motion paths: see
:mod:`lottie_motion`. Paths whose points follow nulls: see :mod:`lottie_nulls`.
Expressions: see :mod:`lottie_expressions`. Slots: see :mod:`lottie_slots`.
"""

from __future__ import annotations

import copy
import json
import re
import struct
from pathlib import Path
from typing import Any, NamedTuple

from studio_render.compositions.lottie_audio import audio_warnings, may_have_audio
from studio_render.compositions.lottie_effects import (
    STROKE_EFFECT,
    idle_effects_removed,
    set_mattes_as_track_mattes,
    shadow_softness_as_lottie_web,
    stroke_effects_as_strokes,
    undrawn_effect_warnings,
)
from studio_render.compositions.lottie_expressions import MARKERS as EXPRESSION_MARKERS
from studio_render.compositions.lottie_expressions import (
    loop_ins_baked,
    references_resolved,
    rewrite_expressions,
)
from studio_render.compositions.lottie_image_edges import image_edges_clipped
from studio_render.compositions.lottie_image_formats import images_converted
from studio_render.compositions.lottie_images import may_have_images
from studio_render.compositions.lottie_loops import loops_broken
from studio_render.compositions.lottie_masks import (
    adds_as_one_shape,
    cut_after_adds,
    lone_mask,
    masks_as_chains,
)
from studio_render.compositions.lottie_motion import (
    bake_auto_orient,
    bake_curved_motion,
    bake_split_easing,
)
from studio_render.compositions.lottie_nulls import bake_null_rigs, is_number
from studio_render.compositions.lottie_repeaters import repeaters_as_groups
from studio_render.compositions.lottie_rubberhose import bake_rubberhose_rigs, rig_warnings
from studio_render.compositions.lottie_shapes import (
    colours_rounded_down,
    map_values,
    rectangles_anti_aliased,
    repeater_copies_rounded_up,
    stars_as_lottie_web_draws_them,
    trimmed_polystars_as_paths,
)
from studio_render.compositions.lottie_slots import slots_filled
from studio_render.compositions.lottie_text import (
    add_glyphs,
    animator_tracking_in_document,
    carried_outlines_drawn,
    fallback_warnings,
    lines_as_lottie_web,
    may_have_text,
    may_need_glyphs,
    selectors_in_bytes,
    selectors_in_order,
)
from studio_render.compositions.lottie_tree import ALWAYS, new_asset_id, objects
from studio_render.compositions.lottie_versions import upgrade_old_formats
from studio_render.core.composition import parse_json

#: ThorVG compares easing names up to this many characters.
_THORVG_NAME_CHARS = 20

#: A keyframe's easing name: ``"n": "..."`` or ``"n": ["...", ...]`` (first name).
_EASING_NAME = re.compile(rb'("n"\s*:\s*\[?\s*")([^"\\]*)(")')
#: A keyframe's easing (its ``"i"`` object; a path's ``"i"`` is a list).
_EASING = re.compile(rb'"i"\s*:\s*\{')
#: An easing coordinate given per dimension whose first two differ: ``"y": [1, 0.833]``.
_SPLIT_EASING = re.compile(rb'"[xy]"\s*:\s*\[\s*(-?[\d.eE+-]+)\s*,\s*(?!\1\s*[,\]])-?\d')
#: An auto-oriented layer.
_AUTO_ORIENT = re.compile(rb'"ao"\s*:\s*1')
#: A rectangle shape.
_RECTANGLE = re.compile(rb'"ty"\s*:\s*"rc"')
#: A star or polygon shape.
_POLYSTAR = re.compile(rb'"ty"\s*:\s*"sr"')
#: An exporter version before 4.8 (see :mod:`lottie_versions`).
_OLD_VERSION = re.compile(rb'"v"\s*:\s*"([0-3]\.|4\.[0-7]\.)')
#: A mask in Lighten, Darken or Difference mode.
_BLENDED_MASK = re.compile(rb'"mode"\s*:\s*"[ldf]"')
#: A fill or a stroke.
_STYLE = re.compile(rb'"ty"\s*:\s*"(?:fl|st)"')
#: A Subtract mask.
_SUBTRACT_MASK = re.compile(rb'"mode"\s*:\s*"s"')
#: An Add mask.
_ADD_MASK = re.compile(rb'"mode"\s*:\s*"a"')
#: An Intersect mask.
_INTERSECT_MASK = re.compile(rb'"mode"\s*:\s*"i"')
#: An inverted mask.
_INVERTED_MASK = re.compile(rb'"inv"\s*:\s*true')
#: A layer's time remap (a trim path's ``"ty": "tm"`` is a string, not an object).
_TIME_REMAP = re.compile(rb'"tm"\s*:\s*\{')
#: How many frames before a precomposition layer's out point a time remap that lands on
#: it is moved.
_REMAP_BEFORE_OUT = 0.001
#: A JSON null (a keyframe's ``"i": null``).
_NULL = re.compile(rb":\s*null\b")
#: An image given as a data URL.
_INLINE_IMAGE = re.compile(rb'"p"\s*:\s*"data:')
#: A fractional in or out point.
_IN_OUT = re.compile(rb'"[io]p"\s*:\s*(-?\d+\.\d+(?:[eE][-+]?\d+)?)')


class Prepared(NamedTuple):
    """A document's rewrite (None: load it as it is) and the warnings its text gives."""

    rewrite: bytes | None
    warnings: tuple[str, ...] = ()


def rewrite(data: bytes, folder: Path | None = None) -> bytes | None:
    """``data`` rewritten so ThorVG draws it as lottie-web does, or None if it already
    would (as far as these rewrites know). ``folder``: where the document lies (the font
    files its text names are looked for there)."""
    return prepare(data, folder).rewrite


def prepare(data: bytes, folder: Path | None = None) -> Prepared:
    """:func:`rewrite` of ``data``, and the font warnings of its text as it is drawn
    (see :func:`~lottie_text.fallback_warnings`), from one reading of it."""
    names = [m.group(2) for m in _EASING_NAME.finditer(data)]
    renamed = _unique_easing_names(data, set(names))
    current = data if renamed is None else renamed  # renaming keeps the names' count
    unnamed = len(_EASING.findall(data)) > sum(len(n) > 1 for n in names)  # not dashes
    points = any(_float32(t) < t for t in map(float, _IN_OUT.findall(data)))
    effects = b'"ef"' in current
    repeaters = b'"rp"' in current
    split_easing = _SPLIT_EASING.search(current) is not None
    expressions = any(marker in current for marker in EXPRESSION_MARKERS)
    stars = _POLYSTAR.search(current) is not None
    null_rigs = b"nullLayerNames" in current or b"ADBE Trace Path" in current
    hoses = b"RubberHose" in current
    sounds = may_have_audio(current)
    rectangles = _RECTANGLE.search(current) is not None
    oriented = _AUTO_ORIENT.search(current) is not None
    texts = may_have_text(current)
    old = _OLD_VERSION.search(current) is not None
    inline = _INLINE_IMAGE.search(current) is not None
    blended = _BLENDED_MASK.search(current) is not None
    nulls = _NULL.search(current) is not None
    subtracted = _SUBTRACT_MASK.search(current) is not None
    intersected = _INTERSECT_MASK.search(current) is not None
    adds = len(_ADD_MASK.findall(current)) > 1
    inverted = _INVERTED_MASK.search(current) is not None
    images = may_have_images(current)
    styles = _STYLE.search(current) is not None
    linked = b'"parent"' in current or b'"refId"' in current
    remapped = _TIME_REMAP.search(current) is not None
    slotted = b'"sid"' in current or b'"slots"' in current
    kinds = (unnamed, points, effects, expressions, repeaters, split_easing, stars, null_rigs,
             hoses, rectangles, oriented, texts, old, inline, blended, nulls, subtracted,
             intersected, inverted, adds, images, styles, linked, sounds, remapped,
             slotted)  # fmt: skip
    if not any(kinds) and b'"sc"' not in current and b'"to"' not in current:
        return Prepared(renamed)  # nothing for the rewrites below: no need to parse
    try:
        doc = parse_json(current)
    except ValueError:
        return Prepared(renamed)  # not JSON: ThorVG's load then fails and names the problem
    if not isinstance(doc, dict):
        return Prepared(renamed)
    try:
        filled = slots_filled(doc) if slotted else False  # first: the values drawn
        looped = loops_broken(doc, _layer_lists(doc)) if linked else False  # next: rewrites
        tidied = _keyframes_tidied(doc)  # below follow parents; they read "a"
        upgraded = upgrade_old_formats(doc, _layers(doc)) if old else False
        floored = colours_rounded_down(objects(doc)) if styles else False  # before the bakes
        embedded = _embedded_images_marked(doc) if inline else False
        converted, warnings = images_converted(doc, folder) if images else (False, ())
        edged = image_edges_clipped(doc, _layers(doc), folder) if images else False
        fonts = texts and may_need_glyphs(current)
        warnings += fallback_warnings(doc, folder) if fonts else ()  # as drawn: after the upgrade
        warnings += audio_warnings(_layers(doc)) if sounds else ()
        warnings += undrawn_effect_warnings(_layers(doc)) if effects else ()
        local = carried_outlines_drawn(doc) if fonts else False  # before outlines are added
        glyphs = add_glyphs(doc, folder) if fonts else False
        ordered = selectors_in_order(_layers(doc)) if texts else False
        ordered |= selectors_in_bytes(_layers(doc)) if texts else False  # after the swaps
        tracked = animator_tracking_in_document(_layers(doc)) if texts else False
        justified = lines_as_lottie_web(_layers(doc)) if texts else False  # after tracking
        named = _name_unnamed_easings(doc) if unnamed else False
        moved = _in_out_points_past_their_frames(doc) if points else False
        held = _remaps_to_the_out_point_held_back(doc) if remapped else False
        solids = _solids_as_shapes(doc)
        added = _masks_added(doc) if blended else False
        turned = bake_auto_orient(_layers(doc)) if oriented else False  # before the paths' bake
        paths = bake_curved_motion(doc)
        eased = bake_split_easing(doc) if split_easing else False
        enabled = _effects_enabled(doc) if effects else False
        matted = set_mattes_as_track_mattes(_layer_lists(doc)) if effects else False
        stroked = stroke_effects_as_strokes(_layers(doc)) if effects else False
        idle = idle_effects_removed(_layers(doc)) if effects else False
        softened = shadow_softness_as_lottie_web(_layers(doc)) if effects else False
        nested = _effects_inside_masks(doc) if effects else False
        combined = subtracted or intersected or inverted
        # after the Adds and the nesting above
        cut = _cuts_nested(doc) if subtracted or intersected else False
        chained = masks_as_chains(_layers(doc), STROKE_EFFECT) if combined else False
        joined = adds_as_one_shape(_layers(doc), STROKE_EFFECT) if adds else False  # after
        # before references, and the stars' and expressions' rewrites
        drawn = bake_rubberhose_rigs(_compositions(doc), _fps(doc), _span(doc)) if hoses else []
        warnings += rig_warnings(_layers(doc), drawn) if hoses else ()
        followed = bake_null_rigs(_compositions(doc), _fps(doc)) if null_rigs else False
        cycled = loop_ins_baked(_layers(doc)) if expressions else False
        referred = references_resolved(_layer_lists(doc)) if expressions else False
        evaluated = rewrite_expressions(_layers(doc)) if expressions else False
        grouped = repeaters_as_groups(_layers(doc)) if repeaters else False
        copies = repeater_copies_rounded_up(objects(doc)) if repeaters else False  # the rest
        traced = trimmed_polystars_as_paths(_layers(doc)) if stars else False
        whole = stars_as_lottie_web_draws_them(objects(doc)) if stars else False
        soft = rectangles_anti_aliased(_layers(doc)) if rectangles else False
        done = (bool(drawn), cycled, idle, tracked, looped, tidied, upgraded, embedded,
                local, glyphs, ordered, justified, named, moved, solids, added,
                turned, paths, eased, enabled, matted, stroked, softened, nested, chained,
                followed, converted, edged, held, filled, grouped, cut, joined,
                referred, evaluated, copies, traced, whole, soft, floored)  # fmt: skip
        if not any(done):
            return Prepared(renamed, warnings)
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    except RecursionError:  # nested deeper than a rewrite can follow: loaded as it is
        return Prepared(renamed)
    return Prepared(text.encode(), warnings)


def _keyframes_tidied(doc: dict[str, object]) -> bool:
    """Mark every property of ``doc`` that holds keyframes as animated (``"a": 1``) and
    leave its keyframes' null entries out; whether any null was (see the module's text)."""
    cleared = False
    for item in objects(doc):
        keys = item.get("k")
        if not (isinstance(keys, list) and keys
                and all(isinstance(key, dict) and "t" in key for key in keys)):  # fmt: skip
            continue
        item["a"] = 1
        for key in keys:
            for name in [name for name, value in key.items() if value is None]:
                del key[name]
                cleared = True
    return cleared


def _name_unnamed_easings(doc: dict[str, object]) -> bool:
    """Give every keyframe easing without a name one of its own, ``~e0``, ``~e1``, …
    (one per distinct curve); whether any had none."""
    names: dict[str, str] = {}
    for item in objects(doc):
        ease_in, ease_out = item.get("i"), item.get("o")
        if isinstance(ease_in, dict) and isinstance(ease_out, dict) and "n" not in item:
            curve = json.dumps([ease_out.get("x"), ease_out.get("y"), ease_in.get("x"),
                                ease_in.get("y")])  # fmt: skip
            item["n"] = names.setdefault(curve, f"~e{len(names)}")
    return bool(names)


def _in_out_points_past_their_frames(doc: dict[str, object]) -> bool:
    """Move every layer's ``ip``/``op`` that a 32-bit float would round down to the next
    32-bit float up; whether any was."""
    moved = False
    for layer in _layers(doc):
        for key in ("ip", "op"):
            value = layer.get(key)
            if isinstance(value, float) and _float32(value) < value:
                layer[key] = _float32_above(value)
                moved = True
    return moved


def _remaps_to_the_out_point_held_back(doc: dict[str, object]) -> bool:
    """Move every time remap value of a precomposition layer that lands on the layer's
    out point a thousandth of a frame before it (see above); whether any was."""
    rate = _fps(doc)
    moved = False
    for layer in _layers(doc):
        remap, out = layer.get("tm"), layer.get("op")
        if layer.get("ty") != 0 or not isinstance(remap, dict) or not is_number(out):
            continue
        frames = remap.get("k") if remap.get("a") == 1 else [remap]
        for frame in frames if isinstance(frames, list) else []:
            for key in ("s", "e", "k") if isinstance(frame, dict) else ():
                value = frame.get(key)
                held = value[0] if isinstance(value, list) and len(value) == 1 else value
                if is_number(held) and held * rate == out:
                    frame[key] = [(out - _REMAP_BEFORE_OUT) / rate]
                    moved = True
    return moved


def _float32(value: float) -> float:
    """``value`` as a 32-bit float reads it (unchanged beyond the 32-bit range)."""
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        return value


def _float32_above(value: float) -> float:
    """The smallest 32-bit float above ``value``, whose 32-bit rounding is below it."""
    bits = struct.unpack("<I", struct.pack("<f", _float32(value)))[0]
    bits += 1 if value > 0 else -1  # a negative float grows towards zero
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _unique_easing_names(data: bytes, names: set[bytes]) -> bytes | None:
    """Long easing names (of ``names``, those in ``data``) renamed ``~0``, ``~1``, … (one
    per distinct name) when two different names would share a curve in ThorVG; None when
    none would."""
    long_names = sorted(n for n in names if len(n) >= _THORVG_NAME_CHARS)
    prefixes = {n[:_THORVG_NAME_CHARS] for n in long_names}
    if len(prefixes) == len(long_names):
        return None
    taken = set(names)
    short: dict[bytes, bytes] = {}
    for name in long_names:
        code = b"~%d" % len(short)
        while code in taken:
            code = b"~" + code
        short[name] = code

    def rename(match: re.Match[bytes]) -> bytes:
        name = match.group(2)
        return match.group(1) + short.get(name, name) + match.group(3)

    return _EASING_NAME.sub(rename, data)


_HEX_COLOUR = re.compile(r"#([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})")


def _solids_as_shapes(doc: dict[str, object]) -> bool:
    """Turn every solid layer into a shape layer; whether any was."""
    changed = False
    for layer in _layers(doc):
        if layer.get("ty") == 1:
            changed |= _solid_to_shape(layer)
    return changed


def _fps(doc: dict[str, object]) -> float:
    """The document's frame rate, 0 where it has none that is a number."""
    fps = doc.get("fr")
    return float(fps) if is_number(fps) else 0.0


def _span(doc: dict[str, object]) -> tuple[float, float] | None:
    """The composition's in and out points, where they are numbers."""
    first, last = doc.get("ip"), doc.get("op")
    return (first, last) if is_number(first) and is_number(last) else None


def _layers(doc: dict[str, object]) -> list[dict[str, object]]:
    """The layers of the composition and of every precomposition in its assets."""
    return [layer for layers in _compositions(doc) for layer in layers]


def _solid_to_shape(layer: dict[str, object]) -> bool:
    """Turn solid ``layer`` into a shape layer drawing its rectangle (False, untouched, when
    its colour is not ``#rrggbb``: ThorVG draws other forms black either way)."""
    colour = _HEX_COLOUR.fullmatch(str(layer.get("sc", "")))
    width, height = layer.get("sw", 0), layer.get("sh", 0)
    if colour is None or not isinstance(width, int | float) or not isinstance(height, int | float):
        return False
    rgb = [int(c, 16) / 255 for c in colour.groups()]
    corners = [[0, 0], [width, 0], [width, height], [0, height]]
    path = {"c": True, "v": corners, "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}
    layer["ty"] = 4
    for key in ("sc", "sw", "sh"):
        layer.pop(key, None)
    layer["shapes"] = [
        {"ty": "sh", "ks": {"a": 0, "k": path}},
        {"ty": "fl", "r": 1, "c": {"a": 0, "k": [*rgb, 1]}, "o": {"a": 0, "k": 100}},
    ]
    return True


def _masks_added(doc: dict[str, object]) -> bool:
    """Turn every Lighten, Darken and Difference mask into an Add mask; whether any was."""
    changed = False
    for layer in _layers(doc):
        masks = layer.get("masksProperties")
        for mask in masks if isinstance(masks, list) else []:
            if isinstance(mask, dict) and mask.get("mode") in ("l", "d", "f"):
                mask["mode"] = "a"
                changed = True
    return changed


def _embedded_images_marked(doc: dict[str, object]) -> bool:
    """Mark every image asset with a ``data:`` URL and no ``"e"`` embedded; whether any was."""
    assets = doc.get("assets")
    changed = False
    for asset in assets if isinstance(assets, list) else []:
        path = asset.get("p") if isinstance(asset, dict) else None
        if isinstance(path, str) and path.startswith("data:") and not asset.get("e"):
            asset["e"] = 1
            changed = True
    return changed


def _effects_enabled(doc: dict[str, object]) -> bool:
    """Mark every layer effect without ``"en"`` enabled; whether any was."""
    changed = False
    for layer in _layers(doc):
        effects = layer.get("ef")
        for effect in effects if isinstance(effects, list) else []:
            if isinstance(effect, dict) and "en" not in effect:
                effect["en"] = 1
                changed = True
    return changed


#: How far a nested layer's content moves right and down inside its precomposition, which
#: clips to its size (0 to twice this) where a shape or text layer draws around its origin.
#: A power of two: the moves are exact in ThorVG's 32-bit floats.
_SHIFT = 8192.0
#: The layer effects ThorVG 1.0 draws: Tint, Fill, Stroke, Tritone, Drop Shadow, Gaussian
#: Blur (expression controls, type 5, draw nothing).
_DRAWN_EFFECTS = (20, 21, 22, 23, 25, 29)
#: What stays on a layer whose drawing and effects are nested (the rest moves in).
_OUTER_KEYS = frozenset({"ind", "parent", "ip", "op", "st", "sr", "ks", "ao", "hasMask",
                         "masksProperties", "tt", "td", "tp", "nm", "mn", "bm", "ddd", "hd",
                         "cl", "ln"})  # fmt: skip


def _effects_inside_masks(doc: dict[str, object]) -> bool:
    """Nest every masked or matted layer with effects (see above); whether any was."""
    assets, ids = _assets_and_ids(doc)
    changed = False
    for layers in _compositions(doc):
        parents = _parent_indices(layers)
        for layer in layers:
            effects = layer.get("ef")
            covered = layer.get("masksProperties") or layer.get("tt")  # masked or matted
            if not covered or not isinstance(effects, list):
                continue
            enabled = [e for e in effects if isinstance(e, dict) and e.get("en", 1)]
            kinds = {e["ty"] for e in enabled if isinstance(e.get("ty"), int)}
            if not kinds & set(_DRAWN_EFFECTS) or STROKE_EFFECT in kinds:
                continue  # expression controls only (they draw nothing, and stay found), or
                # a Stroke effect, which strokes the masks: they stay with it
            changed |= _nested(layer, "effects", assets, ids, parents)
    return changed


def _cuts_nested(doc: dict[str, object]) -> bool:
    """Nest every layer whose Add masks are followed by Subtract and Intersect masks that
    ThorVG would combine otherwise (``lottie_masks.cut_after_adds``): the Adds stay on
    its drawing, inside, and each later mask cuts a level of its own around it, in
    order, as lottie-web applies them; whether any was."""
    assets, ids = _assets_and_ids(doc)
    changed = False
    for layers in _compositions(doc):
        parents = _parent_indices(layers)
        for layer in layers:
            split = cut_after_adds(layer, STROKE_EFFECT)
            if split is None:
                continue
            adds, cuts = split
            drawing_masks = copy.deepcopy(adds)
            layer["masksProperties"] = [*adds, *cuts]  # None masks left out: they draw nothing
            if not _nested(layer, "masks", assets, ids, parents):
                continue  # left to the chain (masks_as_chains)
            assets[-1]["layers"][0].update(hasMask=True, masksProperties=drawing_masks)
            masks: Any = layer["masksProperties"]  # as the nesting moved them
            cuts = masks[len(adds) :]
            for cut in cuts[:-1]:
                _nested(layer, "mask", assets, ids, parents)  # a precomposition: always
                assets[-1]["layers"][0].update(hasMask=True, masksProperties=[lone_mask(cut)])
            layer["masksProperties"] = [lone_mask(cuts[-1])]
            changed = True
    return changed


def _assets_and_ids(doc: dict[str, object]) -> tuple[list[Any], set[str]]:
    """The document's assets (an empty list added where it has none) and their ids."""
    assets = doc.get("assets")
    if not isinstance(assets, list):
        assets = doc["assets"] = []
    return assets, {str(a.get("id")) for a in assets if isinstance(a, dict)}


def _parent_indices(layers: list[dict[str, object]]) -> set[float]:
    """The indices ``layers`` name as their parents."""
    return {p for p in (layer.get("parent") for layer in layers) if isinstance(p, int | float)}


def _nested(
    layer: dict[str, object], name: str, assets: list[Any], ids: set[str], parents: set[float]
) -> bool:
    """Make ``layer`` a precomposition layer keeping its masks, transform, timing and
    matte, holding one pass-through layer ``name`` with its drawing and effects; whether
    it could be."""
    precomposition = layer.get("ty") == 0
    if not precomposition and _parent_of_another(layer, parents):
        return False  # a parent's transform moves its children: not shifted
    inner: dict[str, object]
    if precomposition:
        inner = {"ty": 0, "refId": layer.get("refId"), "w": layer.get("w", 0),
                 "h": layer.get("h", 0), "ks": {}}  # fmt: skip
        if "ef" in layer:
            inner["ef"] = layer.pop("ef")
    elif not _move_content(layer):
        return False
    else:
        inner = {key: layer.pop(key) for key in list(layer) if key not in _OUTER_KEYS}
        inner["ks"] = {"p": {"a": 0, "k": [_SHIFT, _SHIFT, 0]}}
        layer.update(ty=0, w=2 * _SHIFT, h=2 * _SHIFT)
    inner.update(ind=1, ip=-ALWAYS, op=ALWAYS, st=0, sr=1, nm=name)
    assets.append({"id": new_asset_id(name, ids), "layers": [inner]})
    layer["refId"] = assets[-1]["id"]
    return True


def _parent_of_another(layer: dict[str, object], parents: set[float]) -> bool:
    """Whether ``layer``'s index is among ``parents`` (the indices layers name as parent)."""
    index = layer.get("ind")
    return isinstance(index, int | float) and index in parents


def _move_content(layer: dict[str, object]) -> bool:
    """Shift a drawn layer's anchor point and masks by ``_SHIFT`` (both ways), as its
    content will be; False, unchanged, where that cannot be done: a 3D layer, text on a
    path (which follows a mask), expressions, shapes of an unknown form."""
    text = layer.get("t")
    on_path = isinstance(text, dict) and isinstance(text.get("p"), dict) and "m" in text["p"]
    ks = layer.get("ks", {})
    if layer.get("ddd") == 1 or on_path or not isinstance(ks, dict):
        return False
    anchor: Any = copy.deepcopy(ks.get("a", {"a": 0, "k": [0, 0, 0]}))
    masks: Any = copy.deepcopy(layer.get("masksProperties", []))
    try:
        map_values(anchor, _shifted_point)
        for mask in masks:
            map_values(mask["pt"], _shifted_path)
    except (AttributeError, KeyError, TypeError, ValueError):
        return False
    layer["ks"] = {**ks, "a": anchor}
    if masks:
        layer["masksProperties"] = masks
    return True


def _shifted_point(point: Any) -> list[Any]:
    """A point moved by ``_SHIFT`` in x and y (raises for anything else)."""
    if not isinstance(point, list) or len(point) < 2:
        raise ValueError("not a point")
    return [float(point[0]) + _SHIFT, float(point[1]) + _SHIFT, *point[2:]]


def _shifted_path(path: Any) -> Any:
    """A mask's path, or a keyframe's list of one path, moved by ``_SHIFT``."""
    if isinstance(path, list):
        return [_shifted_path(shape) for shape in path]
    return {**path, "v": [_shifted_point(vertex) for vertex in path["v"]]}


def _compositions(doc: dict[str, object]) -> list[list[dict[str, object]]]:
    """The layers of the composition and of each precomposition in its assets, by
    composition."""
    return [[layer for layer in layers if isinstance(layer, dict)] for layers in _layer_lists(doc)]


def _layer_lists(doc: dict[str, object]) -> list[list[Any]]:
    """The ``layers`` lists themselves of the composition and of each precomposition."""
    assets = doc.get("assets")
    groups = (
        [doc, *(a for a in assets if isinstance(a, dict))] if isinstance(assets, list) else [doc]
    )
    lists = (group.get("layers") for group in groups)
    return [layers for layers in lists if isinstance(layers, list)]
