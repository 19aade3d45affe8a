"""Slots (:mod:`studio_render.compositions.lottie_slots`): every property, path and image
that names a slot is drawn with the slot's value, through the command line."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

from studio_render.compositions.lottie_fixes import rewrite
from studio_render.compositions.lottie_slots import slots_filled
from tests.cli import lottie_frame
from tests.image_compare import write_png

SIZE = 100


def _square_path(half: float) -> dict[str, object]:
    corners = [[-half, -half], [half, -half], [half, half], [-half, half]]
    zeros = [[0, 0]] * 4
    return {"c": True, "v": corners, "i": zeros, "o": zeros}


def _doc(shapes: list[dict[str, object]], slots: dict[str, object]) -> dict[str, object]:
    transform = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [50, 50]},
                 "a": {"a": 0, "k": [0, 0]}, "s": {"a": 0, "k": [100, 100]},
                 "r": {"a": 0, "k": 0}}  # fmt: skip
    layer = {"ty": 4, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": transform,
             "shapes": shapes}  # fmt: skip
    return {"v": "5.12.2", "fr": 10, "ip": 0, "op": 10, "w": SIZE, "h": SIZE,
            "layers": [layer], "slots": slots}  # fmt: skip


def slotted_square() -> dict[str, object]:
    """A blue 20-unit square whose path and fill colour name slots holding a 60-unit
    square and red."""
    path = {"ty": "sh", "ks": {"a": 0, "k": _square_path(10), "sid": "outline"}}
    fill = {"ty": "fl", "c": {"a": 0, "k": [0, 0, 1, 1], "sid": "paint"},
            "o": {"a": 0, "k": 100}, "r": 1}  # fmt: skip
    slots = {"outline": {"p": {"a": 0, "k": _square_path(30)}},
             "paint": {"p": {"a": 0, "k": [1, 0, 0, 1]}}}  # fmt: skip
    return _doc([path, fill], slots)


def _frame(doc: dict[str, object], tmp_path: Path) -> np.ndarray:
    """Frame 0 through the command line: RGBA as ints."""
    return lottie_frame(doc, tmp_path)


def test_a_path_and_a_colour_named_by_slots_are_drawn_with_the_slots_values(
    tmp_path: Path,
) -> None:
    """ThorVG 1.0 crashed loading a path that names a slot."""
    rgba = _frame(slotted_square(), tmp_path)
    drawn = rgba[..., 3] > 0
    assert drawn[22:78, 22:78].all() and not drawn[:18].any() and not drawn[82:].any()
    assert (rgba[30:70, 30:70] == [255, 0, 0, 255]).all()  # red, not the file's blue


def test_a_slot_the_document_does_not_define_leaves_the_own_value(tmp_path: Path) -> None:
    path = {"ty": "sh", "ks": {"a": 0, "k": _square_path(30)}}
    fill = {"ty": "fl", "c": {"a": 0, "k": [0, 0, 1, 1], "sid": "missing"},
            "o": {"a": 0, "k": 100}, "r": 1}  # fmt: skip
    rgba = _frame(_doc([path, fill], {"other": {"p": {"a": 0, "k": [1, 0, 0, 1]}}}), tmp_path)
    assert (rgba[50, 50] == [0, 0, 255, 255]).all()


def test_an_image_named_by_a_slot_is_drawn(tmp_path: Path) -> None:
    """An image asset with only a slot's name: the slot holds the picture."""
    write_png(tmp_path / "green.png", np.full((40, 40, 3), [0, 200, 0], np.uint8))
    data = base64.b64encode((tmp_path / "green.png").read_bytes()).decode()
    doc = _doc([], {"picture": {"p": {"w": 40, "h": 40, "u": "", "e": 1,
                                      "p": f"data:image/png;base64,{data}"}}})  # fmt: skip
    image = {"ty": 2, "ind": 1, "refId": "img", "ip": 0, "op": 10, "st": 0, "sr": 1,
             "ks": {"p": {"a": 0, "k": [30, 30]}, "a": {"a": 0, "k": [0, 0]},
                    "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                    "o": {"a": 0, "k": 100}}}  # fmt: skip
    doc["assets"] = [{"id": "img", "sid": "picture"}]
    doc["layers"] = [image]
    rgba = _frame(doc, tmp_path)
    assert (rgba[35:65, 35:65] == [0, 200, 0, 255]).all()
    assert not rgba[:25, :25, 3].any() and not rgba[75:, 75:, 3].any()


def test_each_use_of_a_slot_gets_its_own_copy() -> None:
    """Rewrites after the slots' edit what they find in place: two properties naming one
    slot get equal values, not one shared object; the names and the slots are gone."""
    colour = {"a": 0, "k": [1, 0, 0, 1]}
    fills = [{"ty": "fl", "c": {"sid": "paint"}, "o": {"a": 0, "k": 100}} for _ in range(2)]
    doc = _doc([{"ty": "gr", "it": fills}], {"paint": {"p": colour}})
    assert slots_filled(doc)
    assert "slots" not in doc and '"sid"' not in json.dumps(doc)
    first, second = (item["c"] for item in fills)
    assert first == second == colour and first is not second


def test_a_document_with_slots_is_rewritten() -> None:
    doc = _doc([], {"paint": {"p": {"a": 0, "k": [1, 0, 0, 1]}}})
    rewritten = rewrite(json.dumps(doc).encode())
    assert rewritten is not None and b'"slots"' not in rewritten


def test_a_text_document_named_by_a_slot_takes_the_slots_keyframes() -> None:
    """A text layer's document (``t.d``) naming a slot shows the slot's text, as
    lottie-web fills it in (its ``TextProperty`` reads ``data.d.sid``)."""
    shown = {"k": [{"s": {"t": "From the slot", "s": 40, "f": "Sans", "fc": [0, 0, 0]}, "t": 0}]}
    layer = {"ty": 5, "ind": 1, "ip": 0, "op": 10, "st": 0, "sr": 1, "ks": {},
             "t": {"d": {"sid": "title", "k": [{"s": {"t": "Own", "s": 40}, "t": 0}]},
                   "a": [], "p": {}, "m": {}}}  # fmt: skip
    doc = _doc([], {"title": {"p": shown}})
    doc["layers"] = [layer]
    assert slots_filled(doc)
    assert layer["t"]["d"] == shown  # type: ignore[index]
