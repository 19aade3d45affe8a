"""Lottie text (see ``lottie_text``): text in fonts the file carries no outlines for is
drawn in the installed font lottie-web would use, never left out; a text selector whose
start is past its end selects what lies between, as in lottie-web."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio_render.compositions import lottie_text
from tests.cli import studio_render
from tests.image_compare import read_png

TEXT, SIZE, BASELINE = "Studio 42 Render", 56, (20, 90)


def _text_doc(family: str, style: str, text: str = TEXT) -> dict[str, object]:
    """A 520x130 animation with one black line of ``text`` in ``family``, no outlines."""
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [*BASELINE, 0]},
                 "a": {"a": 0, "k": [0, 0, 0]}, "s": {"a": 0, "k": [100, 100, 100]},
                 "r": {"a": 0, "k": 0}}  # fmt: skip
    document = {"s": SIZE, "f": "Wanted-Font", "t": text, "j": 0, "tr": 0, "lh": SIZE * 1.2,
                "ls": 0, "fc": [0, 0, 0]}  # fmt: skip
    layer = {"ty": 5, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": transform,
             "t": {"d": {"k": [{"s": document, "t": 0}]}, "p": {}, "a": [],
                   "m": {"g": 1, "a": {"a": 0, "k": [0, 0]}}}}  # fmt: skip
    fonts = {"list": [{"fName": "Wanted-Font", "fFamily": family, "fStyle": style,
                       "ascent": 72, "origin": 0, "fPath": "", "fClass": ""}]}  # fmt: skip
    return {"v": "5.7.4", "fr": 10, "ip": 0, "op": 10, "w": 520, "h": 130, "fonts": fonts,
            "layers": [layer]}  # fmt: skip


def _render(doc: dict[str, object], tmp_path: Path, frame: int = 0) -> tuple[np.ndarray, str]:
    """A frame's alpha through the command line, and what ``info`` said."""
    comp = tmp_path / "text.json"
    comp.write_text(json.dumps(doc))
    info = studio_render("info", comp)
    assert info.returncode == 0, info.stderr
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", f"{frame}:{frame + 1}", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    alpha = read_png(tmp_path / "out" / f"frame_{frame:06d}.png")[..., 3].astype(int)
    return alpha, info.stdout


def _selector(**given: object) -> dict[str, object]:
    """A range selector of characters by index, square edges, selecting all of them but
    for ``given`` (values as such, or properties)."""
    values: dict[str, object] = {"s": 0, "e": 100, "o": 0, "a": 100, "xe": 0, "ne": 0,
                                 "sm": 100}  # fmt: skip
    values.update(given)
    return {"t": 0, "r": 2, "b": 1, "sh": 1, "rn": 0,
            **{key: value if isinstance(value, dict) or key in ("r", "rn") else
               {"a": 0, "k": value} for key, value in values.items()}}  # fmt: skip


def _hidden_shows(
    doc: dict[str, object],
    selector: dict[str, object],
    visible: str,
    tmp_path: Path,
    frame: int = 0,
) -> None:
    """Render ``doc`` (DejaVu Sans text) with ``selector`` hiding what it selects: what
    is left is ``visible``, as Qt fills it."""
    layer = doc["layers"][0]  # type: ignore[index]
    layer["t"]["a"] = [{"s": selector, "a": {"o": {"a": 0, "k": 0}}}]
    ours, _ = _render(doc, tmp_path, frame)
    expected = _drawn_by_qt("DejaVu Sans", bold=False, text=visible)
    assert (expected > 128).sum() > 1000
    assert (np.abs(ours - expected) > 48).mean() < 0.002


def _drawn_by_qt(family: str, bold: bool, text: str = TEXT) -> np.ndarray:
    """``text`` as Qt fills the same font's outlines (unhinted, no kerning): alpha."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QFont, QImage, QPainter, QPainterPath

    font = QFont(family)
    font.setPixelSize(SIZE)
    font.setBold(bold)
    font.setKerning(False)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    path = QPainterPath()
    path.addText(QPointF(*BASELINE), font, text)
    image = QImage(520, 130, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillPath(path, Qt.GlobalColor.black)
    painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(130, image.bytesPerLine())
    return rows[:, : 520 * 4].reshape(130, 520, 4)[..., 3].astype(int)


@pytest.mark.parametrize("style", ["Book", "Bold"])
def test_text_in_an_installed_font_is_drawn_in_it(style: str, tmp_path: Path, qapp: object) -> None:
    """A text layer in DejaVu Sans without outlines in the file covers the pixels Qt fills
    with DejaVu Sans in the weight its style names (ThorVG alone drew nothing)."""
    ours, info = _render(_text_doc("DejaVu Sans", style), tmp_path)
    expected = _drawn_by_qt("DejaVu Sans", bold=style == "Bold")
    assert (expected > 128).sum() > 4000
    assert (np.abs(ours - expected) > 48).mean() < 0.002
    assert "warning" not in info


def test_text_in_a_missing_font_is_drawn_in_the_browser_default_with_a_warning(
    tmp_path: Path, qapp: object
) -> None:
    """A family that is not installed falls back to the browser's default, Times New Roman
    (through fontconfig), as lottie-web's text does, and ``info`` says so."""
    ours, info = _render(_text_doc("No Such Family 7", "Regular"), tmp_path)
    expected = _drawn_by_qt(lottie_text.BROWSER_DEFAULT_FAMILY, bold=False)
    assert (expected > 128).sum() > 3000
    assert (np.abs(ours - expected) > 48).mean() < 0.002
    assert "No Such Family 7" in info and "not installed" in info


def test_a_family_is_taken_as_chromium_takes_it(tmp_path: Path, qapp: object) -> None:
    """Helvetica, not installed, is drawn in Liberation Sans, as Chromium draws it (it
    tries Arial for Helvetica, and takes Liberation Sans for Arial), without a warning."""
    ours, info = _render(_text_doc("Helvetica", "Regular"), tmp_path)
    expected = _drawn_by_qt("Liberation Sans", bold=False)
    assert (expected > 128).sum() > 3000
    assert (np.abs(ours - expected) > 48).mean() < 0.002
    assert "warning" not in info


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig's fc-match")
@pytest.mark.parametrize("family", ["Sans", "monospace"])
def test_a_generic_fontconfig_family_is_drawn_in_what_fontconfig_gives(
    family: str, tmp_path: Path, qapp: object
) -> None:
    """Fontconfig's generic names (the Lottie documentation's samples name "Sans" and
    "monospace") are drawn in the face fontconfig gives for them, as Chromium draws them,
    without a warning; they were taken for missing fonts and drawn in Times New Roman's
    stand-in, a serif (28.7% of a sample's pixels off lottie-web)."""
    given = lottie_text._fc_match(f"{family}:weight=80:slant=0")
    assert given is not None
    ours, info = _render(_text_doc(family, "Regular"), tmp_path)
    expected = _drawn_by_qt(given.family.split(",")[0], bold=False)
    assert (expected > 128).sum() > 3000
    assert (np.abs(ours - expected) > 48).mean() < 0.002
    assert "warning" not in info


def test_fonts_are_found_without_fontconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without fontconfig's tools, the font files in the usual folders are read instead."""
    monkeypatch.setattr(lottie_text.shutil, "which", lambda _name: None)
    lottie_text._installed.cache_clear()
    try:
        bold = lottie_text._installed(lottie_text.Wanted("DejaVu Sans", 700, False))
        arial = lottie_text._installed(lottie_text.Wanted("Helvetica", 400, False))
        missing = lottie_text.Wanted("No Such Family 7", 400, False)
        found = lottie_text._installed(missing)
        stand_in = lottie_text._stand_in(missing)
    finally:
        lottie_text._installed.cache_clear()
    assert bold is not None and Path(bold.path).name == "DejaVuSans-Bold.ttf"
    assert arial is not None and arial.family == "Liberation Sans"
    assert found is None
    assert stand_in is not None and "Serif" in stand_in.family


def test_text_whose_outlines_an_old_exporter_wrote_is_drawn_in_its_font(
    tmp_path: Path, qapp: object
) -> None:
    """A Bodymovin 4.6 file's character outlines (handles written absolute, which ThorVG
    reads as sweeping curves; lottie-web draws no text) are left out: the text is drawn
    in its installed font, as Qt fills DejaVu Sans."""
    doc = _text_doc("DejaVu Sans", "Book")
    doc["v"] = "4.6.3"
    points = [[0, 0], [20, -40], [40, 0]]
    outline = {"ty": "sh", "ks": {"a": 0, "k": {"v": points, "i": points, "o": points, "c": True}}}
    doc["chars"] = [{"ch": c, "size": SIZE, "style": "Book", "w": 40, "fFamily": "DejaVu Sans",
                     "data": {"shapes": [{"ty": "gr", "it": [outline]}]}}
                    for c in set(TEXT)]  # fmt: skip
    ours, _ = _render(doc, tmp_path)
    expected = _drawn_by_qt("DejaVu Sans", bold=False)
    assert (np.abs(ours - expected) > 48).mean() < 0.002


def test_an_old_exporters_text_in_a_missing_font_is_named_in_a_warning(tmp_path: Path) -> None:
    """The text of a Bodymovin 4.6 file whose outlines are left out is drawn in the
    browser's default font when its own is not installed, and ``info`` says so."""
    doc = _text_doc("No Such Family 7", "Regular")
    doc["v"] = "4.6.3"
    doc["chars"] = [{"ch": c, "size": SIZE, "style": "Regular", "w": 40, "data": {},
                     "fFamily": "No Such Family 7"} for c in set(TEXT)]  # fmt: skip
    comp = tmp_path / "old.json"
    comp.write_text(json.dumps(doc))
    info = studio_render("info", comp)
    assert info.returncode == 0, info.stderr
    assert "No Such Family 7" in info.stdout and "not installed" in info.stdout


def test_text_with_its_own_outlines_is_left_alone() -> None:
    """A font the file carries outlines for gets none added."""
    doc = _text_doc("DejaVu Sans", "Bold")
    doc["chars"] = [{"ch": c, "size": SIZE, "style": "Bold", "w": 60, "fFamily": "DejaVu Sans",
                     "data": {}} for c in set(TEXT)]  # fmt: skip
    before = json.dumps(doc)
    assert not lottie_text.add_glyphs(doc)
    assert json.dumps(doc) == before


@pytest.mark.parametrize("origin", [1, 2, 3])
def test_text_with_its_own_outlines_is_drawn_whatever_its_fonts_origin(
    origin: int, tmp_path: Path
) -> None:
    """A document carrying outlines for a font that names a stylesheet, a script or a font
    file (``origin`` 1-3: a dotLottie's ``f/`` fonts) is drawn from those outlines, as
    lottie-web draws it: every character a filled box, as a font at ``origin`` 0 is."""
    square = {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": [[5, 0], [5, -60], [45, -60],
              [45, 0]], "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}}}  # fmt: skip
    drawn = []
    for given in (0, origin):
        doc = _text_doc("Bebas Carried", "Regular", "8888")
        doc["fonts"] = {"list": [{"fName": "Wanted-Font", "fFamily": "Bebas Carried",
                                  "fStyle": "Regular", "ascent": 72, "origin": given,
                                  "fPath": "f/Bebas-Carried.ttf"}]}  # fmt: skip
        doc["chars"] = [{"ch": "8", "size": SIZE, "style": "Regular", "w": 50,
                         "fFamily": "Bebas Carried",
                         "data": {"shapes": [{"ty": "gr", "it": [square]}]}}]  # fmt: skip
        out = tmp_path / str(given)
        out.mkdir()
        alpha, info = _render(doc, out)
        assert "not installed" not in info
        drawn.append(alpha)
    local, other = drawn
    # Four boxes 22 px wide (40 units at size 56), 34 px high, side by side on the baseline.
    assert (local > 128).sum() > 4 * 20 * 30
    assert np.array_equal(local, other)


def test_text_in_a_font_file_a_dotlottie_carries_is_drawn_in_that_font(
    tmp_path: Path, qapp: object
) -> None:
    """A dotLottie's text in a family not installed here, at origin 3 with ``fPath`` naming
    the archive's ``f/`` font file (where lottie-web's ``@font-face`` finds it), is drawn
    in that file's font (DejaVu Sans Bold, under another name), without a warning; it
    used to be drawn in the browser's default font, warned of as not installed."""
    face = lottie_text._installed(lottie_text.Wanted("DejaVu Sans", 700, False))
    assert face is not None and "Bold" in face.path
    doc = _text_doc("Carried Family 9", "Regular")
    doc["fonts"] = {"list": [{"fName": "Wanted-Font", "fFamily": "Carried Family 9",
                              "fStyle": "Regular", "ascent": 72, "origin": 3,
                              "fPath": "/f/Carried-Regular.ttf"}]}  # fmt: skip
    archive = tmp_path / "carried font.lottie"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("manifest.json", json.dumps({"version": "2", "animations": [{"id": "t"}]}))
        z.writestr("a/t.json", json.dumps(doc))
        z.write(face.path, "f/Carried-Regular.ttf")
    info = studio_render("info", archive)
    assert info.returncode == 0, info.stderr
    assert "warning" not in info.stdout
    done = studio_render("render", archive, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    ours = read_png(tmp_path / "out" / "frame_000000.png")[..., 3].astype(int)
    expected = _drawn_by_qt("DejaVu Sans", bold=True)
    assert (expected > 128).sum() > 4000
    assert (np.abs(ours - expected) > 48).mean() < 0.002


@pytest.mark.parametrize(
    ("justify", "tracking", "box"),
    [(0, 0, False), (1, -200, False), (1, 200, False), (2, -200, False), (2, 250, False),
     (1, 200, True), (2, -200, True)],
)  # fmt: skip
def test_lines_of_text_sit_where_lottie_web_puts_them(
    justify: int, tracking: int, box: bool, tmp_path: Path
) -> None:
    """Right-aligned and centred lines (of point text, or in a paragraph box) are aligned
    by their characters' widths and the tracking between them, and the second line sits
    one unit below its line height, as lottie-web lays text out (measured in Chromium: two
    50-unit glyphs right-aligned at x 300 with tracking -20 start at 220). ThorVG alone
    counted the tracking after the last character too, putting the line 20 px (centred:
    10) off, and the second line 1 px high."""
    square = {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": [[0, 0], [0, -40], [40, -40],
              [40, 0]], "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}}}  # fmt: skip
    doc = _text_doc("Boxes", "Regular", "88\r8")
    layer = doc["layers"][0]  # type: ignore[index]
    layer["ks"]["p"]["k"] = [300, 60, 0]
    style = layer["t"]["d"]["k"][0]["s"]
    style.update(s=100, j=justify, tr=tracking, lh=60)
    if box:  # a 300-wide box from x 150; its first baseline an ascent (72) below its top
        style.update(sz=[300, 200], ps=[-150, -40])
    doc["chars"] = [{"ch": "8", "size": 100, "style": "Regular", "w": 50, "fFamily": "Boxes",
                     "data": {"shapes": [{"ty": "gr", "it": [square]}]}}]  # fmt: skip
    alpha, _ = _render(doc, tmp_path)
    gap = tracking * 100 / 1000
    share = {0: 0.0, 1: 1.0, 2: 0.5}[justify]
    first_top = 52 if box else 20
    for top, glyphs in ((first_top, 2), (first_top + 61, 1)):  # each line's top, glyphs
        band = alpha[top - 5 : top + 45] > 128
        assert np.nonzero(band.any(axis=1))[0].min() == 5, top
        width = glyphs * 50 + (glyphs - 1) * gap
        left = 150 + share * (300 - width) if box else 300 - share * width
        columns = np.nonzero(band.any(axis=0))[0]
        assert abs(columns.min() - left) <= 1, (top, columns.min())
        assert abs(columns.max() + 1 - (left + width - 10)) <= 1


def _boxes_doc(text: str) -> dict[str, object]:
    """Left-aligned point text at (300, 60) in 50-unit square glyphs of 40, size 100."""
    square = {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": [[0, 0], [0, -40], [40, -40],
              [40, 0]], "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}}}  # fmt: skip
    doc = _text_doc("Boxes", "Regular", text)
    doc["h"] = 200
    layer = doc["layers"][0]  # type: ignore[index]
    layer["ks"]["p"]["k"] = [300, 60, 0]
    layer["t"]["d"]["k"][0]["s"].update(s=100, j=0, tr=0)
    doc["chars"] = [{"ch": ch, "size": 100, "style": "Regular", "w": 50, "fFamily": "Boxes",
                     "data": {"shapes": [{"ty": "gr", "it": [square]}]}}
                    for ch in sorted(set(text) - {"\r"})]  # fmt: skip
    return doc


@pytest.mark.parametrize("height", [None, 0])
def test_lines_without_a_line_height_are_six_fifths_of_the_size_apart(
    height: int | None, tmp_path: Path
) -> None:
    """A document without a line height (the Lottie documentation's samples leave it out),
    or with 0, puts its lines 1.2 font sizes apart, as lottie-web does (plus its one unit
    after the first line); ThorVG alone drew every line over the first."""
    doc = _boxes_doc("88\r8")
    style = doc["layers"][0]["t"]["d"]["k"][0]["s"]  # type: ignore[index]
    del style["lh"]
    if height is not None:
        style["lh"] = height
    alpha, _ = _render(doc, tmp_path)
    rows = np.nonzero((alpha > 128).any(axis=1))[0]
    tops = [int(rows[0]), *(int(row) for row in rows[1:][np.diff(rows) > 1])]
    assert tops == [20, 141]  # the first line's top 40 above its baseline at 60


@pytest.mark.parametrize("justify", [0, 1, 2])
@pytest.mark.parametrize("animated", [False, True])
def test_a_tracking_animator_spreads_letters_as_lottie_web_does(
    justify: int, animated: bool, tmp_path: Path
) -> None:
    """A text animator selecting every character with Tracking Amount 30 puts 30 px
    between the letters, the line aligned as with the document's own tracking (lottie-web
    adds it before every letter but the first, then moves a right-aligned or centred line
    back; measured in Chromium on DejaVu Sans). ThorVG alone took it as 0.3 of the font size
    and moved the first letter too: the line came out 30 px off and twice as spread."""
    square = {"ty": "sh", "ks": {"a": 0, "k": {"c": True, "v": [[0, 0], [0, -40], [40, -40],
              [40, 0]], "i": [[0, 0]] * 4, "o": [[0, 0]] * 4}}}  # fmt: skip
    doc = _text_doc("Boxes", "Regular", "888")
    layer = doc["layers"][0]  # type: ignore[index]
    layer["ks"]["p"]["k"] = [300, 60, 0]
    layer["t"]["d"]["k"][0]["s"].update(s=100, j=justify, tr=0)
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    amount = {"a": 1, "k": [{"t": 0, "s": [0], **linear}, {"t": 10, "s": [60]}]} if animated \
        else {"a": 0, "k": 30}  # fmt: skip
    layer["t"]["a"] = [{"nm": "Track", "s": _selector(r=1), "a": {"t": amount}}]
    doc["chars"] = [{"ch": "8", "size": 100, "style": "Regular", "w": 50, "fFamily": "Boxes",
                     "data": {"shapes": [{"ty": "gr", "it": [square]}]}}]  # fmt: skip
    alpha, _ = _render(doc, tmp_path, frame=5)
    share = {0: 0.0, 1: 1.0, 2: 0.5}[justify]
    columns = np.nonzero((alpha[20:60] > 128).any(axis=0))[0]
    starts = [int(x) for x in columns if x - 1 not in columns]
    expected = [300 - share * (3 * 50 + 2 * 30) + k * (50 + 30) for k in range(3)]
    assert starts == pytest.approx(expected, abs=1)


def test_a_selector_whose_start_is_past_its_end_selects_what_lies_between(
    tmp_path: Path, qapp: object
) -> None:
    """An animator that hides the characters selected by index from 200 to 3 (After
    Effects' start past its end) hides all but the first three, as lottie-web swaps the
    two; ThorVG alone selected none and showed them all."""
    doc = _text_doc("DejaVu Sans", "Book", "Studio 42")
    _hidden_shows(doc, _selector(s=200, e=3), "Stu", tmp_path)


@pytest.mark.parametrize("start_frame", [0, 10])
def test_a_selector_whose_start_moves_past_its_end_selects_what_lies_between(
    start_frame: int, tmp_path: Path, qapp: object
) -> None:
    """An animator whose start (by index) moves from 0 to 20 over five frames past its
    end, 4, hides the characters between the two from then on, as lottie-web swaps them
    at every frame: at frame 29 all but the first four are hidden. ThorVG alone selected
    none once they crossed (lottie-android's text_range_test: 5.2% of pixels off). The
    layer may start later (``st`` 10): its keyframes still count the composition's frames."""
    doc = _text_doc("DejaVu Sans", "Book", "Studio 42")
    doc["op"] = 30
    doc["layers"][0].update(ip=start_frame, op=30, st=start_frame)  # type: ignore[index]
    linear = {"o": {"x": [0], "y": [0]}, "i": {"x": [1], "y": [1]}}
    start = {"a": 1, "k": [{"t": 22, "s": [0], **linear}, {"t": 27, "s": [20]}]}
    _hidden_shows(doc, _selector(s=start, e=4), "Stud", tmp_path, frame=29)


@pytest.mark.parametrize(("units", "start"), [(2, 3), (1, 30)])
def test_a_selector_counts_characters_not_bytes(
    units: int, start: float, tmp_path: Path, qapp: object
) -> None:
    """An animator that hides "Düsseldorf" from its fourth character (by index, or 30%
    of its ten characters) on shows "Düs", as lottie-web counts: ThorVG alone counted
    UTF-8 bytes ("ü" is two) and showed "Dü" (lottie-android's text_range_test_2)."""
    doc = _text_doc("DejaVu Sans", "Book", "Düsseldorf")
    _hidden_shows(doc, _selector(r=units, s=start, sm=0), "Düs", tmp_path)


@pytest.mark.parametrize("units", [2, 1])
def test_a_selector_counts_line_breaks_as_characters(units: int, tmp_path: Path) -> None:
    """An animator hiding "88\\r8888" from its fifth character (by index, or 4/7 of its
    seven characters) on leaves "88\\r8", as lottie-web counts; ThorVG alone left the
    line break out of a character's index and showed "88\\r88"."""
    doc = _boxes_doc("88\r8888")
    start = 4 if units == 2 else 100 * 4 / 7
    selector = _selector(r=units, s=start, e=100 if units == 1 else 7, sm=0)
    doc["layers"][0]["t"]["a"] = [{"s": selector, "a": {"o": {"a": 0, "k": 0}}}]  # type: ignore[index]
    (tmp_path / "selected").mkdir()
    (tmp_path / "shown").mkdir()
    ours, _ = _render(doc, tmp_path / "selected")
    expected, _ = _render(_boxes_doc("88\r8"), tmp_path / "shown")
    assert (expected > 128).sum() > 3 * 1600 * 0.9
    assert (np.abs(ours - expected) > 48).mean() < 0.001


def test_a_selector_that_randomizes_order_renders_the_characters_in_their_order(
    tmp_path: Path, qapp: object
) -> None:
    """A randomized selector over the whole text (lottie-web's test banner: a reveal in
    a random order) renders, in the characters' order: ThorVG alone divided by zero and
    every worker died of SIGFPE. All nine characters selected by index, offset by four,
    hidden: the last five are gone, as without randomizing."""
    doc = _text_doc("DejaVu Sans", "Book", "Studio 42")
    _hidden_shows(doc, _selector(rn=1, e=9, o=4), "Stud", tmp_path)


def test_a_character_no_font_has_is_drawn_as_a_box_with_a_warning(
    tmp_path: Path, qapp: object
) -> None:
    """A character no installed font has (one of Unicode's private planes) is drawn as the
    font's missing-character box, as a browser draws it, and ``info`` says so."""
    ours, info = _render(_text_doc("DejaVu Sans", "Book", "H\U000f0001"), tmp_path)
    letter = _drawn_by_qt("DejaVu Sans", bold=False, text="H")
    right_of_letter = np.argwhere(letter > 128)[:, 1].max() + 4
    assert (ours[:, :right_of_letter] > 128).sum() > 500
    assert (ours[:, right_of_letter:] > 128).sum() > 300, "no box where the character is"
    assert "drawn as boxes" in info


def test_a_damaged_font_file_leaves_its_characters_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A font file that cannot be read costs its characters, not the document."""
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"\0\1\0\0 not a font")
    face = lottie_text.Face(str(broken), 0, "Broken")
    monkeypatch.setattr(lottie_text, "_face_with", lambda _wanted, _character: face)
    doc = _text_doc("Broken", "Regular")
    assert lottie_text.add_glyphs(doc)
    assert doc["chars"] == []


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig's fc-match")
def test_the_font_for_a_character_is_the_one_fontconfig_matches() -> None:
    """The installed face picked for a character the wanted font lacks is the one
    ``fc-match :charset=…:weight=…:slant=…`` gives (from one list of every face in
    fontconfig's order, not one call per character), across scripts, weights and slants."""
    codes = [*range(0x20, 0x250, 7), *range(0x370, 0x530, 11), *range(0x590, 0x700, 13),
             *range(0x2000, 0x2700, 29), 0x4E00, 0x3042, 0xAC00, 0x1F600, 0xF0001]  # fmt: skip
    compared = found = 0
    for wanted in (lottie_text.Wanted("X", 400, False), lottie_text.Wanted("X", 700, True)):
        slant = 100 if wanted.italic else 0
        for code in codes:
            character = chr(code)
            pattern = f":charset={code:x}:weight={lottie_text._fc_weight(wanted)}:slant={slant}"
            matched = lottie_text._fc_match(pattern)
            expected = matched if matched and lottie_text._has(matched, character) else None
            picked = lottie_text._any_with(character, wanted)
            assert (picked if picked and lottie_text._has(picked, character) else None) == (
                expected
            ), (hex(code), wanted)
            compared += 1
            found += expected is not None
    assert found > compared // 2  # most have a font here: the comparison is not all None


def test_many_characters_no_font_has_cost_one_font_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A title of 300 characters no installed font has asks fontconfig a few times, not
    once per character (which took 7 s to load such a file)."""
    calls: list[str] = []
    run = lottie_text.subprocess.run

    def counted(argv: list[str], **kwargs: Any) -> Any:
        calls.append(argv[0])
        return run(argv, **kwargs)

    lottie_text._faces_by_preference.cache_clear()
    monkeypatch.setattr(lottie_text.subprocess, "run", counted)
    title = "".join(chr(0xF0000 + 7 * k) for k in range(300))  # a private plane: no font
    warnings = lottie_text.fallback_warnings(_text_doc("DejaVu Sans", "Book", title))
    assert any("300 character(s) no installed font has" in line for line in warnings)
    assert len(calls) < 10, calls
