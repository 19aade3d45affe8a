"""The mask chains of :mod:`studio_render.compositions.lottie_masks`, as truth tables.

The pictures are checked in ``test_lottie_fixes.py``; here every sequence of up to four
masks of every mode, inverted or not, is rewritten and the result evaluated as ThorVG 1.0
combines masks, against lottie-web's order.
"""

from __future__ import annotations

import itertools
import json

import pytest

from studio_render.compositions import lottie_masks

KINDS = [(mode, inverted) for mode in "asi" for inverted in (False, True)]


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_mask_sequence_becomes_what_lottie_web_shows(count: int) -> None:
    tables = lottie_masks._tables(count)
    everything = (1 << (1 << count)) - 1
    for modes in itertools.product(KINDS, repeat=count):  # "mode" first: "inv" unread
        masks = [{"mode": mode, "inv": inv, "nm": str(k)} for k, (mode, inv) in enumerate(modes)]
        layer = {"masksProperties": masks}
        wanted = lottie_masks._as_lottie_web(list(modes), tables, everything)
        if lottie_masks.masks_as_chains([layer], stroke_effect=22):  # "inv" first: read
            assert all(list(m)[:2] == ["inv", "mode"] for m in layer["masksProperties"])
        chain = layer["masksProperties"]
        areas = [everything if m["nm"] == "everywhere" else tables[int(m["nm"])] for m in chain]
        methods = [lottie_masks._METHODS[m["mode"], m["inv"]] for m in chain]
        if wanted not in (0, everything):  # all or nothing: left as they are
            assert lottie_masks._as_thorvg(methods, areas, everything) == wanted, modes


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_the_chain_built_without_search_is_right_too(count: int) -> None:
    """The chain used for five masks or more (the rectangle standing for everything where
    a complement is needed), checked on every sequence of up to four."""
    tables = lottie_masks._tables(count)
    everything = (1 << (1 << count)) - 1
    for modes in itertools.product(KINDS, repeat=count):
        wanted = lottie_masks._as_lottie_web(list(modes), tables, everything)
        chain = lottie_masks._chain(list(modes))
        if wanted in (0, everything):
            assert chain is None
            continue
        assert chain is not None
        steps = lottie_masks._steps(chain)
        areas = [everything if i == lottie_masks._FULL else tables[i] for _, _, i in steps]
        methods = [lottie_masks._METHODS[mode, inv] for mode, inv, _ in steps]
        assert lottie_masks._as_thorvg(methods, areas, everything) == wanted, modes


def _add_mask(*corners_by_key: list[list[float]]) -> dict[str, object]:
    """An Add mask whose path has a keyframe for each list of corners (one: static)."""
    shapes = [{"i": [[0, 0]] * len(c), "o": [[0, 0]] * len(c), "v": c, "c": True}
              for c in corners_by_key]  # fmt: skip
    if len(shapes) == 1:
        path: dict[str, object] = {"a": 0, "k": shapes[0]}
    else:
        path = {"a": 1, "k": [{"t": t, "s": [s]} for t, s in enumerate(shapes)]}
    return {"mode": "a", "pt": path, "o": {"a": 0, "k": 100}, "x": {"a": 0, "k": 0}}


CLOCKWISE = [[0, 0], [10, 0], [10, 10], [0, 10]]  # on screen, y down


def test_add_masks_become_one_shape_turned_one_way() -> None:
    layer = {"masksProperties": [_add_mask(CLOCKWISE), _add_mask(CLOCKWISE[::-1])]}
    assert lottie_masks.adds_as_one_shape([layer], stroke_effect=22)
    masks = layer["masksProperties"]
    assert [(list(m)[:2], m["mode"], m["inv"]) for m in masks] == [(["inv", "mode"], "i", True)] * 2
    assert [lottie_masks._signed_area(lottie_masks._outline(m["pt"]["k"])) > 0 for m in masks] == [
        True,
        True,
    ]


def test_add_masks_whose_keyframes_turn_both_ways_are_left_alone() -> None:
    """A path morphing through a loop winds both ways: joined with another path it would
    cut holes where it overlaps it, so the masks stay chained."""
    layer = {"masksProperties": [_add_mask(CLOCKWISE), _add_mask(CLOCKWISE, CLOCKWISE[::-1])]}
    before = json.dumps(layer)
    assert not lottie_masks.adds_as_one_shape([layer], stroke_effect=22)
    assert json.dumps(layer) == before


def test_add_masks_with_a_path_crossing_itself_are_left_alone() -> None:
    """A figure of eight winds both ways at once: joined with another path, its lobe that
    turns against it would cut a hole (a twisted ribbon in lottie-web's ``navidad.json``)."""
    eight = [[0, 0], [30, 30], [30, 0], [0, 10]]  # lobes of unequal area: it winds one way overall
    layer = {"masksProperties": [_add_mask(CLOCKWISE), _add_mask(eight)]}
    before = json.dumps(layer)
    assert not lottie_masks.adds_as_one_shape([layer], stroke_effect=22)
    assert json.dumps(layer) == before
    assert lottie_masks.adds_as_one_shape([{"masksProperties": [_add_mask(CLOCKWISE)] * 2}], 22)
