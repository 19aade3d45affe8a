"""Rewrites of Lottie text layers: outlines for fonts a file does not carry, and text
selectors whose start is past their end.

Fonts: After Effects exports a text layer either with the outlines of the characters it shows
(``chars``) or with only the font's names (``fonts.list``: ``fName``, ``fFamily``,
``fStyle``), for the player to find. lottie-web then asks the browser for ``fFamily`` with
a weight and slant read from ``fStyle`` ("Bold" 700, "Medium" 500, "Italic", …); a family
that is not installed falls back to the browser's default font, Times New Roman (on Linux,
what fontconfig gives for it, usually Liberation Serif); for fontconfig's generic names
(Sans, Serif, Monospace) Chromium takes whatever face fontconfig gives. ThorVG 1.0 draws
such text only in fonts loaded into it beforehand, and otherwise draws nothing: every
title in a system font went missing from the video.

So a document whose text layers use a font without outlines gets them: the characters
those layers show, read with fontTools from the font lottie-web would use (found with
fontconfig's ``fc-match``, or, without it, among the font files in the usual folders), at
size 100 as After Effects writes them. ThorVG then lays them out as it does After Effects'
own outlines (tracking, justification, text animators). A character the font lacks comes
from another installed font that has it, as in a browser. :func:`fallback_warnings` names
the fonts that are not installed, for the composition's warnings.

Carried outlines: lottie-web draws every text of a document that carries outlines
(``chars``) from them, whatever the font's ``origin`` says (0 local, 1 a CSS link, 2 a
script, 3 a font file at ``fPath``, as dotLottie archives carry in ``f/``). ThorVG 1.0 draws
outlines only for a font whose origin is 0 and otherwise looks for the font itself, finds
none, and draws nothing: a flip counter lost every digit. Such fonts are marked local.

Font files: a font at origin 3 whose ``fPath`` names a file beside the document (a dotLottie's
``f/Bebas-Regular.ttf``) is what lottie-web draws its text in (an ``@font-face`` of
``fFamily`` from that file); outlines added for it come from that file.

Lines: lottie-web lays text out letter by letter (``TextAnimatorProperty``): it right-aligns
or centres a line by its width with the tracking between its characters, and puts every
line after the first one unit lower than its line height says (``yPos += firstLine ? 1 :
0``). ThorVG 1.0 counts the tracking after the last character too, so right-aligned text
with tracking ``t`` sat ``t`` off (centred: half of it), and puts lines at whole line
heights: a two-line title scaled 2.5 times had its second line 2.5 px high. So the lines
are shifted back through the paragraph position (``ps``, which ThorVG adds to every line:
box text has one, point text is given one), and the line height grows by 2/n units for n
lines (exact for two; at most (n - 2)/n of a unit off for more, more where ThorVG wraps a
paragraph into more lines than it has breaks). A document without a line height (``lh``
left out or 0, as the Lottie documentation's samples write it) gets lottie-web's default,
1.2 font sizes; ThorVG 1.0 drew every line over the first.

Tracking animators: lottie-web adds a text animator's Tracking Amount in pixels before
every character but a line's first (left-aligned; right-aligned and centred lines are
then moved back by all of it, or half of it and half a character's share), which for an
animator that selects every character is the document's tracking grown by that many
pixels. ThorVG 1.0 scales it by a hundredth of the font size and moves the first
character too: a tracking-in title ("Hello World" in lottie-ios' ``FirstText``) came
apart wider and off to the right. Such an animator's tracking (times its amount) is
moved into the document's (thousandths of the font size), at every frame where it is
animated; point text only (a box's lines would wrap anew).

Selectors: a text animator's range selector whose start is past its end (After Effects
allows it: a reveal that animates End below a Start of 200 characters) selects the
characters between the two in lottie-web, which swaps them; ThorVG 1.0 selects none, so
the animator does nothing (a title meant to show three letters showed all of them). Where
every value of the start is past every value of the end, the two are swapped; where they
cross as they animate (a reveal that hides the text again by moving its start past its
end), both are baked at every frame, the lesser as the start. ThorVG 1.0 counts a
selector's characters in UTF-8 bytes, so "Düsseldorf" revealed three characters, "Dü",
and by percent of the bytes; and it leaves line breaks out of a character's index but not
out of the total, where lottie-web counts them in both, so in a four-line title a selector
from 60% to 75% coloured "ps over\rth" where lottie-web colours "umps over". In text that
is not all ASCII or has line breaks, a selector of characters with square edges gets its
start and end (its offset added) in ThorVG's count. A selector
that randomizes the order of the characters (``rn``) selects them in their order: lottie-web
shuffles them anew each time it loads the file, so no two plays agree, and ThorVG 1.0
shifts the selection by ``rand()`` modulo the text's length less the selection's, which
divides by zero when the selection is the whole text (lottie-web's own test banner killed
every worker with SIGFPE) and differs between two loads in one process.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from studio_render.compositions.lottie_motion import key_time, value_at
from studio_render.compositions.lottie_nulls import baked_keyframes, is_number

#: The browser's default font, which lottie-web's text falls back to.
BROWSER_DEFAULT_FAMILY = "Times New Roman"
#: Where to look for fonts without fontconfig.
_FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
#: Chromium's alternate names for a family it does not find (Blink's font cache).
_ALTERNATES = {"arial": ("Helvetica",), "helvetica": ("Arial",), "times": ("Times New Roman",),
               "timesnewroman": ("Times",), "courier": ("Courier New",),
               "couriernew": ("Courier",)}  # fmt: skip
#: Families Chromium takes for one another: metric-compatible (Skia's fontconfig font
#: manager), as keys.
_METRIC_COMPATIBLE = (frozenset({"arial", "arimo", "liberationsans"}),
                      frozenset({"timesnewroman", "tinos", "liberationserif"}),
                      frozenset({"couriernew", "cousine", "liberationmono"}),
                      frozenset({"cambria", "caladea"}),
                      frozenset({"calibri", "carlito"}))  # fmt: skip
#: Families Chromium takes any face fontconfig matches for (Skia's fontconfig interface:
#: fontconfig's own generic names), as keys.
_GENERIC = frozenset({"sans", "serif", "monospace"})
#: Serif families that stand in for the default font where none of its own is installed.
_SERIF_STAND_INS = ("DejaVu Serif", "Noto Serif", "FreeSerif")
#: lottie-web's reading of ``fStyle`` words as CSS font weights.
_STYLE_WEIGHTS = {"bold": 700, "black": 900, "medium": 500, "regular": 400, "normal": 400,
                  "light": 200, "thin": 200}  # fmt: skip
#: CSS font weights to fontconfig's scale.
_FC_WEIGHTS = {100: 0, 200: 40, 300: 50, 400: 80, 500: 100, 600: 180, 700: 200, 800: 205,
               900: 210}  # fmt: skip
#: Characters a text layer whose text comes from an expression may show.
_PRINTABLE_ASCII = "".join(map(chr, range(32, 127)))
#: A text layer (also matches effect values of type 5: only a hint before parsing).
_TEXT_LAYER = re.compile(rb'"ty"\s*:\s*5\b')


@dataclass(frozen=True)
class Face:
    """One face of a font file (``index`` inside a collection) and its family's name."""

    path: str
    index: int
    family: str


@dataclass(frozen=True)
class Wanted:
    """The font a text layer asks for, as lottie-web reads it."""

    family: str
    weight: int  # CSS
    italic: bool


def may_have_text(data: bytes) -> bool:
    """Whether a document may have text layers."""
    return _TEXT_LAYER.search(data) is not None


def may_need_glyphs(data: bytes) -> bool:
    """Whether a document may have text in a font it carries no outlines for."""
    return b'"fonts"' in data and may_have_text(data)


#: ThorVG's share of a line's width a justification moves it left by: right, centre.
_JUSTIFY_SHARE = {1: 1.0, 2: 0.5}
#: What ends a line of text in lottie-web and ThorVG.
_LINE_BREAK = re.compile("[\r\x03]")
#: lottie-web's line height, in font sizes, for a document without one (``lh``).
_DEFAULT_LINE_HEIGHT = 1.2


def lines_as_lottie_web(layers: list[dict[str, Any]]) -> bool:
    """Shift the right-aligned and centred lines of text with tracking by the tracking
    ThorVG adds after their last character, and move the lines after the first down as
    lottie-web does (see above); whether any was."""
    changed = False
    for layer in layers:
        text = layer.get("t") if layer.get("ty") == 5 else None
        document = text.get("d") if isinstance(text, dict) else None
        keys = document.get("k") if isinstance(document, dict) else None
        if layer.get("singleShape"):
            continue  # drawn by the browser as one text element, not letter by letter
        for key in keys if isinstance(keys, list) else []:
            style = key.get("s") if isinstance(key, dict) else None
            if isinstance(style, dict):
                changed |= _line_fixes(style)
    return changed


def _line_fixes(style: dict[str, Any]) -> bool:
    """:func:`lines_as_lottie_web` for one text document; whether it changed."""
    changed = False
    if not style.get("lh") and is_number(style.get("s")):  # no line height, or 0
        style["lh"] = _DEFAULT_LINE_HEIGHT * style["s"]
        changed = True
    box, position = style.get("sz"), style.get("ps") or [0, 0]
    if not isinstance(position, list) or len(position) != 2 or not is_number(position[0]):
        return changed
    if position != [0, 0] and not box:
        return changed  # a position without a box: lottie-web adds it, ThorVG another way
    justify = style.get("j")
    share = _JUSTIFY_SHARE.get(justify) if isinstance(justify, int) else None
    tracking, size = style.get("tr"), style.get("s")
    if share is not None and is_number(tracking) and is_number(size) and tracking:
        style["ps"] = [position[0] + share * tracking * size / 1000, position[1]]
        changed = True
    lines = 1 + len(re.findall("[\r\x03]", str(style.get("t", ""))))
    height = style.get("lh")
    if lines > 1 and is_number(height):
        style["lh"] = height + 2 / lines
        changed = True
    return changed


def animator_tracking_in_document(layers: list[dict[str, Any]]) -> bool:
    """Move the tracking of the text animators that select every character of a line of
    point text into its document's tracking, where all its tracking animators do (see
    above); whether any was."""
    changed = False
    for layer in layers:
        text = layer.get("t") if layer.get("ty") == 5 else None
        document = text.get("d") if isinstance(text, dict) else None
        keys = document.get("k") if isinstance(document, dict) else None
        animators = text.get("a") if isinstance(text, dict) else None
        if not (isinstance(keys, list) and keys and isinstance(animators, list)):
            continue
        styles = [key.get("s") if isinstance(key, dict) else None for key in keys]
        if layer.get("singleShape") or not all(_point_text(style) for style in styles):
            continue
        longest = max(len(str(style.get("t", ""))) for style in styles if style)
        moved = [(animator, share) for animator in animators
                 if isinstance(animator, dict) and isinstance(animator.get("a"), dict)
                 and isinstance(animator["a"].get("t"), dict)
                 and (share := _whole_selection(animator.get("s"), longest))
                 is not None]  # fmt: skip
        tracking = [
            a
            for a in animators
            if isinstance(a, dict) and isinstance(a.get("a"), dict) and "t" in a["a"]
        ]
        if len(moved) != len(tracking):
            continue  # one that selects some characters: ThorVG spreads them its own way
        new_keys = _tracked_keys(layer, keys, moved) if moved else None
        if new_keys is None or not isinstance(text, dict) or not isinstance(document, dict):
            continue
        document["k"] = new_keys
        for animator, _ in moved:
            del animator["a"]["t"]
        text["a"] = [a for a in animators if not (isinstance(a, dict) and a.get("a") == {})]
        changed = True
    return changed


def _point_text(style: object) -> bool:
    """Whether a text document is point text (no box: its lines do not wrap)."""
    return isinstance(style, dict) and not style.get("sz") and is_number(style.get("s"))


def _whole_selection(selector: object, longest: int) -> float | None:
    """The share of its tracking a range selector gives every character (its amount), or
    None unless it selects them all (of at most ``longest``), evenly, whatever the frame."""
    if not isinstance(selector, dict) or selector.get("rn") or selector.get("b", 1) != 1:
        return None
    units = selector.get("r", 1)  # percent, or characters
    if selector.get("sh", 1) != 1 or units not in (1, 2):
        return None
    fixed = {key: _numbers(selector.get(key)) if key in selector else [default]
             for key, default in (("s", 0), ("e", 100), ("o", 0), ("a", 100), ("xe", 0),
                                  ("ne", 0))}  # fmt: skip
    if any(len(values) != 1 for values in fixed.values()):
        return None  # animated, an expression, or not a number
    (start,), (end,), (offset,), (amount,) = (fixed[key] for key in "seoa")
    whole = 100 if units == 1 else longest
    if start > 0 or end < whole or offset or fixed["xe"] != [0] or fixed["ne"] != [0]:
        return None
    return amount / 100


def _tracked_keys(
    layer: dict[str, Any], keys: list[Any], moved: list[tuple[dict[str, Any], float]]
) -> list[dict[str, Any]] | None:
    """The document keyframes with the animators' tracking added (lottie-web adds it in
    pixels per character: ``tr`` counts thousandths of the font size), one per frame of
    the layer where it is animated; None where that cannot be done."""
    tracks = [(animator["a"]["t"], share) for animator, share in moved]

    def extra(frame: float) -> float | None:
        values = [value_at(track, frame) for track, _ in tracks]
        if not all(values):
            return None
        return sum(v[0] * share for v, (_, share) in zip(values, tracks, strict=True) if v)

    def style_at(frame: float) -> dict[str, Any] | None:
        active = [key for key in keys if key_time(key) <= frame] or keys[:1]
        style, added = dict(active[-1]["s"]), extra(frame)
        if added is None or not is_number(style.get("tr", 0)):
            return None
        style["tr"] = style.get("tr", 0) + added * 1000 / style["s"]
        return style

    if all(not track.get("a") for track, _ in tracks):
        styles = [style_at(key_time(key)) for key in keys]
        if not all(styles):
            return None
        return [{**key, "s": style} for key, style in zip(keys, styles, strict=True)]
    baked = baked_keyframes(layer, style_at)
    return None if baked is None else [{"s": key["s"], "t": key["t"]} for key in baked]


def selectors_in_order(layers: list[dict[str, Any]]) -> bool:
    """Swap the start and end of every text range selector whose start is past its
    end at all times, and let no selector randomize the characters' order (see above);
    whether any was changed."""
    swapped = False
    for layer in layers:
        for selector in _selectors(layer):
            if selector.get("rn"):
                selector["rn"] = 0
                swapped = True
            starts, ends = _numbers(selector.get("s")), _numbers(selector.get("e"))
            if starts and ends and min(starts) > max(ends):
                selector["s"], selector["e"] = selector["e"], selector["s"]
                swapped = True
            elif starts and ends and max(starts) > min(ends):
                swapped |= _ordered_at_every_frame(selector, layer)
    return swapped


def selectors_in_bytes(layers: list[dict[str, Any]]) -> bool:
    """Give the square selectors of characters of text that is not all ASCII or has line
    breaks their start and end as ThorVG counts (see above); whether any was."""
    changed = False
    for layer in layers:
        text = layer.get("t") if layer.get("ty") == 5 else None
        shown = _shown_text(text)
        if shown is None or (shown.isascii() and not _LINE_BREAK.search(shown)):
            continue
        for selector in _selectors(layer):
            if (selector.get("b", 1) == 1 and selector.get("sh", 1) == 1
                    and selector.get("r", 1) in (1, 2)):  # fmt: skip
                changed |= _counted_in_bytes(selector, layer, shown)
    return changed


def _selectors(layer: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The range selector of each text animator of ``layer`` (none unless a text layer)."""
    text = layer.get("t") if layer.get("ty") == 5 else None
    animators = text.get("a") if isinstance(text, dict) else None
    for animator in animators if isinstance(animators, list) else []:
        selector = animator.get("s") if isinstance(animator, dict) else None
        if isinstance(selector, dict):
            yield selector


def _shown_text(text: object) -> str | None:
    """The text every document keyframe of a text layer shows, or None (none, several)."""
    document = text.get("d") if isinstance(text, dict) else None
    keys = document.get("k") if isinstance(document, dict) else None
    shown = {str(k["s"].get("t")) for k in keys if isinstance(k, dict) and isinstance(
        k.get("s"), dict)} if isinstance(keys, list) and keys else set()  # fmt: skip
    return shown.pop() or None if len(shown) == 1 else None


def _counted_in_bytes(selector: dict[str, Any], layer: dict[str, Any], shown: str) -> bool:
    """:func:`selectors_in_bytes` for one selector of a layer showing ``shown``."""
    offsets = [len(shown[:k].encode()) - len(_LINE_BREAK.findall(shown[:k]))
               for k in range(len(shown) + 1)]  # fmt: skip
    count, total = len(shown), len(shown.encode())

    def in_bytes(x: float) -> float:
        """lottie-web's character index ``x`` (fractions within a character) as ThorVG's."""
        if x <= 0 or x >= count:
            return x if x <= 0 else offsets[-1] + x - count
        k = int(x)
        return offsets[k] + (x - k) * (offsets[k + 1] - offsets[k])

    percent = selector.get("r", 1) != 2
    props = [selector.get(key) or {"a": 0, "k": default}
             for key, default in (("s", 0), ("e", 100), ("o", 0))]  # fmt: skip

    def at(time: float, end: bool) -> list[float] | None:
        values = [value_at(prop, time) for prop in props]
        if any(v is None or len(v) != 1 for v in values):
            return None
        x = values[1 if end else 0][0] + values[2][0]  # type: ignore[index]
        return [100 * in_bytes(x * count / 100) / total if percent else in_bytes(x)]

    new_start: dict[str, Any] | None
    new_end: dict[str, Any] | None
    if not any(isinstance(prop, dict) and prop.get("a") for prop in props):
        start, end = at(0, False), at(0, True)
        new_start = None if start is None else {"a": 0, "k": start[0]}
        new_end = None if end is None else {"a": 0, "k": end[0]}
    else:
        starts = baked_keyframes(layer, lambda frame: at(frame, False))
        ends = baked_keyframes(layer, lambda frame: at(frame, True))
        new_start = None if starts is None else {"a": 1, "k": starts}
        new_end = None if ends is None else {"a": 1, "k": ends}
    if new_start is None or new_end is None:
        return False
    selector.update(s=new_start, e=new_end, o={"a": 0, "k": 0})
    return True


def _ordered_at_every_frame(selector: dict[str, Any], layer: dict[str, Any]) -> bool:
    """Bake a selector's start and end, which may cross, into keyframes at every frame
    of ``layer`` holding the lesser and the greater of the two (lottie-web's swap);
    whether done."""
    start, end = selector["s"], selector["e"]

    def ordered(pick: Callable[[float, float], float]) -> list[dict[str, Any]] | None:
        def at(frame: int) -> list[float] | None:
            s, e = value_at(start, frame), value_at(end, frame)
            return None if s is None or e is None else [pick(s[0], e[0])]

        return baked_keyframes(layer, at)

    lower, upper = ordered(min), ordered(max)
    if lower is None or upper is None:
        return False
    selector["s"], selector["e"] = {"a": 1, "k": lower}, {"a": 1, "k": upper}
    return True


def _numbers(prop: Any) -> list[float]:
    """Every value an animatable number property takes at a keyframe; [] for an expression
    or a form this does not know."""
    if not isinstance(prop, dict) or "x" in prop:
        return []
    keys = prop.get("k")
    values = [k.get(end) for k in keys if isinstance(k, dict) for end in ("s", "e") if end in k] \
        if prop.get("a") and isinstance(keys, list) else [keys]  # fmt: skip
    found = []
    for value in values:
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return []
        found.append(float(value))
    return found


def carried_outlines_drawn(doc: dict[str, Any]) -> bool:
    """Mark every font whose outlines ``doc`` carries as local, so ThorVG draws them (see
    above); whether any was not."""
    marked = False
    carried = _carried(doc)
    fonts = doc.get("fonts")
    listed = fonts.get("list") if isinstance(fonts, dict) else None
    for font in listed if isinstance(listed, list) else []:
        if not isinstance(font, dict) or font.get("origin", 0) == 0:
            continue
        if (str(font.get("fFamily")), str(font.get("fStyle"))) in carried:
            font["origin"] = 0
            marked = True
    return marked


def _carried(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(family, style) of every font ``doc`` carries outlines for."""
    chars = doc.get("chars")
    glyphs = chars if isinstance(chars, list) else []
    return {(str(c.get("fFamily")), str(c.get("style"))) for c in glyphs if isinstance(c, dict)}


def add_glyphs(doc: dict[str, Any], folder: Path | None = None) -> bool:
    """Add outlines to ``doc`` for every font its text layers use without any; whether
    any were added. ``folder``: where the document's ``fPath`` font files are."""
    added = False
    for font, characters in _fonts_without_glyphs(doc):
        chars = doc.setdefault("chars", [])
        if not isinstance(chars, list):
            return added
        wanted = _wanted(font)
        own = _font_file(font, folder)
        family, style = str(font.get("fFamily", "")), str(font.get("fStyle", ""))
        font["fFamily"], font["fStyle"] = family, style  # ThorVG compares both with strcmp
        font["origin"] = 0  # ThorVG draws outlines only for a font it takes as local
        for character in sorted(characters):
            face = own if own is not None and _has(own, character) else None
            face = face or _face_with(wanted, character)
            if face is None:
                continue
            try:
                chars.append(_glyph(face, character, family, style))
            except Exception:  # a damaged font file: the character is left out, not the file
                continue
        added = True
    return added


def fallback_warnings(doc: dict[str, Any], folder: Path | None = None) -> tuple[str, ...]:
    """One line per font a text layer of ``doc`` uses without outlines that is not
    installed here nor a file in ``folder`` (drawn in the browser's default font instead)."""
    lines = []
    for font, characters in _fonts_without_glyphs(doc):
        wanted = _wanted(font)
        name = font.get("fName") or wanted.family
        own = _font_file(font, folder)
        if own is not None:
            characters = {c for c in characters if not _has(own, c)}
        elif _installed(wanted) is None:
            stand_in = _stand_in(wanted)
            drawn_in = stand_in.family if stand_in else "no font"
            why = "the reference player falls back the same way"
            lines.append(f"text in font {name!r} is drawn in {drawn_in}: {wanted.family!r} "
                         f"is not installed ({why})")  # fmt: skip
        lacking = sorted(c for c in characters if not _has_anywhere(wanted, c))
        if lacking:
            lines.append(f"text in font {name!r} shows {len(lacking)} character(s) no installed "
                         f"font has ({''.join(lacking[:10])}): drawn as boxes")  # fmt: skip
    return tuple(lines)


def _font_file(font: dict[str, Any], folder: Path | None) -> Face | None:
    """The face of the font file ``font`` names (origin 3, ``fPath`` relative to
    ``folder`` or, for a dotLottie's animation in ``a/``, to the archive's root), if
    there is one and it can be read."""
    given = font.get("fPath")
    if folder is None or font.get("origin") != 3 or not isinstance(given, str):
        return None
    relative = PurePosixPath(given.lstrip("/"))
    if not relative.parts or ".." in relative.parts or ":" in given:  # a URL is not fetched
        return None
    if relative.suffix.lower() not in (".ttf", ".otf", ".ttc"):
        return None
    for base in (folder, folder.parent):
        path = base.joinpath(*relative.parts)
        if path.is_file():
            face = Face(str(path), 0, str(font.get("fFamily", "")))
            try:
                _font(face)
            except Exception:  # a damaged font file: as if it were not there
                return None
            return face
    return None


def _has_anywhere(wanted: Wanted, character: str) -> bool:
    """Whether an installed font has ``character`` (see :func:`_face_with`)."""
    face = _face_with(wanted, character)
    return face is not None and _has(face, character)


def _fonts_without_glyphs(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], set[str]]]:
    """Each font that text layers use without outlines in ``doc``, with the characters they
    show in it."""
    fonts = doc.get("fonts")
    listed = fonts.get("list") if isinstance(fonts, dict) else None
    if not isinstance(listed, list):
        return
    carried = _carried(doc)
    shown = _characters_by_font(doc)
    for font in listed:
        name = font.get("fName") if isinstance(font, dict) else None
        key = (str(font.get("fFamily")), str(font.get("fStyle"))) if name else None
        if isinstance(name, str) and name in shown and key not in carried:
            yield font, shown[name]


def _characters_by_font(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Font name (``fName``) -> the characters text layers show in it."""
    shown: dict[str, set[str]] = {}
    layers = list(doc.get("layers") or [])
    for asset in doc.get("assets") or []:
        if isinstance(asset, dict) and isinstance(asset.get("layers"), list):
            layers += asset["layers"]
    for layer in layers:
        text = layer.get("t") if isinstance(layer, dict) and layer.get("ty") == 5 else None
        document = text.get("d") if isinstance(text, dict) else None
        keys = document.get("k") if isinstance(document, dict) else None
        for key in keys if isinstance(keys, list) else []:
            style = key.get("s") if isinstance(key, dict) else None
            if not isinstance(style, dict) or not isinstance(style.get("f"), str):
                continue
            characters = shown.setdefault(style["f"], set())
            characters.update(c for c in str(style.get("t", "")) if c >= " ")
            if isinstance(document, dict) and "x" in document:  # an expression may show more
                characters.update(_PRINTABLE_ASCII)
    return shown


def _wanted(font: dict[str, Any]) -> Wanted:
    """The family, CSS weight and slant lottie-web asks the browser for."""
    weight, italic = 400, False
    for word in str(font.get("fStyle") or "").lower().split():
        if word == "italic":
            italic = True
        weight = _STYLE_WEIGHTS.get(word, weight)
    given = str(font.get("fWeight") or "")
    if given.isdigit():
        weight = int(given)
    elif given.lower() in ("bold", "normal"):
        weight = 700 if given.lower() == "bold" else 400
    return Wanted(str(font.get("fFamily") or ""), weight, italic)


def _default(wanted: Wanted) -> Wanted:
    return Wanted(BROWSER_DEFAULT_FAMILY, wanted.weight, wanted.italic)


def _face_with(wanted: Wanted, character: str) -> Face | None:
    """The face lottie-web's browser draws ``character`` in: the family if installed, else
    the default font, else any installed font that has the character, else the first of
    those two again (which draws its missing-character box, as a browser does)."""
    face = _installed(wanted) or _stand_in(wanted)
    if face is not None and _has(face, character):
        return face
    other = _any_with(character, wanted)
    return other if other is not None and _has(other, character) else face


def _family_key(family: str) -> str:
    return re.sub(r"[\s_-]", "", family).lower()


def _family_keys(face: Face) -> set[str]:
    return {_family_key(name) for name in face.family.split(",")}


def _stand_in(wanted: Wanted) -> Face | None:
    """The face for a family that is not installed: the browser's default font, or,
    where that is missing too, a serif one (fontconfig's, or a stand-in found without it)."""
    default = _installed(_default(wanted))
    if default is not None:
        return default
    if shutil.which("fc-match"):
        return _fc_match(f"serif:weight={_fc_weight(wanted)}:slant={100 if wanted.italic else 0}")
    faces = _scanned_faces()
    for family in _SERIF_STAND_INS:
        same = [(face, style) for face, style in faces
                if _family_key(family) in _family_keys(face)]  # fmt: skip
        if same:
            return min(same, key=lambda f: _distance(f[1], wanted))[0]
    return faces[0][0] if faces else None


def _fc_weight(wanted: Wanted) -> int:
    """``wanted``'s CSS weight on fontconfig's scale."""
    return _FC_WEIGHTS.get(round(wanted.weight / 100) * 100, 80)


@lru_cache(maxsize=256)
def _installed(wanted: Wanted) -> Face | None:
    """The installed face a browser draws ``wanted`` in, closest in weight and slant, or
    None where the family is not installed. As Chromium does: the family, or else its
    alternate name (Helvetica for Arial, Times for Times New Roman, Courier for Courier
    New), each matched by fontconfig and taken only when the face found is that family,
    one fontconfig binds to it strongly, or a metric-compatible one (Liberation Sans for
    Arial), and for fontconfig's generic names (Sans, Serif, Monospace) whatever face it
    gives; without fontconfig's tools, among the font files found in the usual folders."""
    for family in (wanted.family, *_ALTERNATES.get(_family_key(wanted.family), ())):
        accepted = _accepted_families(family)
        if shutil.which("fc-match"):
            slant = 100 if wanted.italic else 0
            face = _fc_match(f"{_escaped(family)}:weight={_fc_weight(wanted)}:slant={slant}")
            generic = _family_key(family) in _GENERIC
            if face is not None and (generic or _family_keys(face) & accepted):
                return face
        else:
            same = [(face, style) for face, style in _scanned_faces()
                    if _family_keys(face) & accepted]  # fmt: skip
            if same:
                return min(same, key=lambda f: _distance(f[1], wanted))[0]
    return None


def _accepted_families(family: str) -> set[str]:
    """The families (as keys) a browser accepts for ``family``: itself, its
    metric-compatible ones, and those fontconfig binds to it strongly."""
    accepted = {_family_key(family)}
    for group in _METRIC_COMPATIBLE:
        if _family_key(family) in group:
            accepted |= group
    return accepted | _strongly_bound(family)


@lru_cache(maxsize=256)
def _strongly_bound(family: str) -> frozenset[str]:
    """The families fontconfig's configuration binds strongly to ``family`` (its aliases
    marked ``(s)`` by ``fc-pattern -c``), as keys."""
    if not shutil.which("fc-pattern"):
        return frozenset()
    try:
        found = subprocess.run(["fc-pattern", "-c", _escaped(family), "family"],
                               capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(_family_key(name) for name in re.findall(r'"([^"]*)"\(s\)', found.stdout))


def _any_with(character: str, wanted: Wanted) -> Face | None:
    """An installed face that has ``character``: the first that does in fontconfig's
    order of preference for ``wanted``'s weight and slant (what ``fc-match
    :charset=…:weight=…:slant=…`` gives, for any number of characters from one call)."""
    if shutil.which("fc-match"):
        code = ord(character)
        for face, (starts, ends) in _faces_by_preference(_fc_weight(wanted), wanted.italic):
            at = bisect.bisect_right(starts, code) - 1
            if at >= 0 and code <= ends[at]:
                return face
        return None
    return next((face for face, _ in _scanned_faces() if _has(face, character)), None)


@lru_cache(maxsize=16)
def _faces_by_preference(
    weight: int, italic: bool
) -> tuple[tuple[Face, tuple[list[int], list[int]]], ...]:
    """The installed faces in fontconfig's order of preference for ``weight`` and the
    slant, each with the ranges of characters it has (starts, ends). ``fc-match -s``
    leaves out each face that has no character the faces before it lack, so the first
    face with a given character is still in it, and the list stays short where
    thousands of fonts are installed."""
    pattern = f":weight={weight}:slant={100 if italic else 0}"
    try:
        found = subprocess.run(
            ["fc-match", "-s", "-f", "%{file}\t%{index}\t%{family}\t%{charset}\n", pattern],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ()
    faces = []
    for line in found.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        starts, ends = [], []
        try:
            for span in parts[3].split():
                low, _, high = span.partition("-")
                starts.append(int(low, 16))
                ends.append(int(high or low, 16))
        except ValueError:  # not fontconfig's hexadecimal ranges: a face we cannot read
            continue
        faces.append((Face(parts[0], int(parts[1]) & 0xFFFF, parts[2]), (starts, ends)))
    return tuple(faces)


def _escaped(family: str) -> str:
    """``family`` for a fontconfig pattern."""
    return re.sub(r"([\\:,=-])", r"\\\1", family)


def _fc_match(pattern: str) -> Face | None:
    try:
        found = subprocess.run(["fc-match", "-f", "%{file}\t%{index}\t%{family}", pattern],
                               capture_output=True, text=True, timeout=10, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = found.stdout.split("\t")
    if found.returncode != 0 or len(parts) != 3 or not Path(parts[0]).is_file():
        return None
    return Face(parts[0], int(parts[1] or 0) & 0xFFFF, parts[2])


@lru_cache(maxsize=1)
def _scanned_faces() -> tuple[tuple[Face, tuple[int, bool]], ...]:
    """The faces in the usual font folders, with their CSS weight and slant."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    faces = []
    for folder in _FONT_FOLDERS:
        for path in sorted(Path(folder).expanduser().rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf", ".ttc"):
                continue
            try:
                fonts = (TTCollection(str(path), lazy=True).fonts if path.suffix.lower() == ".ttc"
                         else [TTFont(str(path), lazy=True)])  # fmt: skip
                for index, font in enumerate(fonts):
                    family = font["name"].getBestFamilyName() or ""
                    os2 = font.get("OS/2")
                    weight = os2.usWeightClass if os2 else 400
                    italic = bool(os2.fsSelection & 1) if os2 else False
                    faces.append((Face(str(path), index, family), (weight, italic)))
            except (TTLibError, OSError, KeyError, AssertionError):
                continue
    return tuple(faces)


def _distance(style: tuple[int, bool], wanted: Wanted) -> tuple[bool, int]:
    """How far a face's (weight, italic) is from ``wanted``: slant first, then weight."""
    return style[1] != wanted.italic, abs(style[0] - wanted.weight)


@lru_cache(maxsize=64)
def _font(face: Face) -> Any:
    from fontTools.ttLib import TTFont

    return TTFont(face.path, fontNumber=face.index, lazy=True)


def _has(face: Face, character: str) -> bool:
    try:
        return ord(character) in (_font(face).getBestCmap() or {})
    except Exception:  # a damaged font file is a font without the character
        return False


def _glyph(face: Face, character: str, family: str, style: str) -> dict[str, Any]:
    """After Effects' outline of ``character`` at size 100 (y down, baseline at 0); the
    font's missing-character glyph (its first, ``.notdef``) where it has none."""
    font = _font(face)
    glyph_set = font.getGlyphSet()
    glyph = glyph_set[font.getBestCmap().get(ord(character), font.getGlyphOrder()[0])]
    scale = 100 / font["head"].unitsPerEm
    pen = _pen_class()(glyph_set, scale)
    glyph.draw(pen)
    paths = [{"ty": "sh", "ks": {"a": 0, "k": path}} for path in pen.paths]
    shapes = [{"ty": "gr", "it": paths, "nm": character}] if paths else []
    return {"ch": character, "size": 100, "style": style, "w": round(glyph.width * scale, 3),
            "fFamily": family, "data": {"shapes": shapes}}  # fmt: skip


@lru_cache(maxsize=1)
def _pen_class() -> Any:
    """A fontTools pen that records a glyph's contours as Lottie paths (vertices with
    relative tangents), quadratic curves as cubic ones. Made on first use: fontTools is
    imported only for documents that need it."""
    from fontTools.pens.basePen import BasePen

    class LottiePen(BasePen):  # type: ignore[misc]
        def __init__(self, glyph_set: Any, scale: float) -> None:
            super().__init__(glyph_set)
            self.scale = scale
            self.paths: list[dict[str, Any]] = []
            self._v: list[list[float]] = []
            self._i: list[list[float]] = []
            self._o: list[list[float]] = []

        def _point(self, point: tuple[float, float]) -> list[float]:
            return [round(point[0] * self.scale, 3), round(-point[1] * self.scale, 3)]

        def _moveTo(self, pt: tuple[float, float]) -> None:
            self._v, self._i, self._o = [self._point(pt)], [[0, 0]], [[0, 0]]

        def _lineTo(self, pt: tuple[float, float]) -> None:
            self._v.append(self._point(pt))
            self._i.append([0, 0])
            self._o.append([0, 0])

        def _curveToOne(self, pt1: Any, pt2: Any, pt3: Any) -> None:
            start, c1, c2, end = self._v[-1], self._point(pt1), self._point(pt2), self._point(pt3)
            self._o[-1] = [round(c1[0] - start[0], 3), round(c1[1] - start[1], 3)]
            self._v.append(end)
            self._i.append([round(c2[0] - end[0], 3), round(c2[1] - end[1], 3)])
            self._o.append([0, 0])

        def _closePath(self) -> None:
            if len(self._v) > 1 and self._v[-1] == self._v[0]:  # the last segment came back
                self._i[0] = self._i.pop()
                self._v.pop()
                self._o.pop()
            if len(self._v) > 1:
                self.paths.append({"c": True, "v": self._v, "i": self._i, "o": self._o})
            self._v, self._i, self._o = [], [], []

        def _endPath(self) -> None:
            self._closePath()  # glyph contours are filled: an open one is closed too

    return LottiePen
