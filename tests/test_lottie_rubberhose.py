"""RubberHose rigs (:mod:`studio_render.compositions.lottie_rubberhose`), checked on
rendered pictures against the limb drawn as a plain path where the rig says it is.

The rig is built as RubberHose 2.0 exports it through Bodymovin: two controller layers
(the effect on the foot), a hose layer whose styles copy the ``Admin``/``ArcMath`` star,
trim and transform by expressions, and a foot parented to the foot controller, which
Auto Rotate End turns along the leg."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.cli import studio_render
from tests.image_compare import compare, on_background, read_png

SIZE = 200
WIDTH = 10  # the leg's stroke
#: What the exported expressions read (their text as RubberHose writes it, shortened).
ARC = "var p = thisProperty.propertyIndex; $bm_rt = thisLayer(2)('Admin')(2)('ArcMath')(2)(1)(p);"
ARC_TRANSFORM = "$bm_rt = content('Admin').content('ArcMath')('ADBE Vector Transform Group')(p);"
CONTROL = "var ctrl = thisComp.layer(thisLayer(2)('Admin')(2)('A')(2)(1)._name)(4)('RubberHose 2');"
RADII = (("ir", "Inner Radius"), ("is", "Bend Radius"), ("or", "Outer Radius"))
ARC_SCALE = "content('Admin').content('ArcMath').transform.scale[0]"
TURN = ("var parentRot = hasParent ? parentTotal() : 0; var rotCalc = "
        "sub(thisLayer('ADBE Root Vectors Group')('Admin')('Transform')('Rotation'), parentRot);"
        " $bm_rt = sum(rotCalc, value);")  # fmt: skip


def _static(value: object, expression: str | None = None) -> dict[str, object]:
    prop: dict[str, object] = {"a": 0, "k": value}
    if expression is not None:
        prop["x"] = f"var $bm_rt;\n{expression}"
    return prop


def _transform(expression: str | None = None, only: str = "pasro") -> dict[str, object]:
    """A group's transform, at rest; ``expression`` on the properties in ``only``."""
    given = {"p": [0, 0], "a": [0, 0], "s": [100, 100], "r": 0, "o": 100}
    return {"ty": "tr", "nm": "Transform",
            **{key: _static(value, expression if key in only else None)
               for key, value in given.items()}}  # fmt: skip


def _group(name: str, *items: dict[str, object]) -> dict[str, object]:
    return {"ty": "gr", "nm": name, "it": [*items, _transform()]}


def _admin(arc_math: bool) -> dict[str, object]:
    slots = [_group("A", _group("Leg::Foot")), _group("B", _group("Leg::Hip"))]
    if arc_math:
        star = {"ty": "sr", "nm": "LineForCurve", "sy": 1, "d": 1,
                "pt": _static(4, "$bm_rt = 4;"), "p": _static([0, 0], "$bm_rt = [0, 0];"),
                "r": _static(0, "$bm_rt = 0;"), "os": _static(0, "$bm_rt = 0;"),
                **{key: _static(50, f"{CONTROL} $bm_rt = ctrl('{name}');")
                   for key, name in RADII}}  # fmt: skip
        halfer = {"ty": "tm", "nm": "Line Halfer", "m": 1, "s": _static(0, "$bm_rt = 0.01;"),
                  "e": _static(0, "$bm_rt = 24.99;"), "o": _static(0, "$bm_rt = -90;")}  # fmt: skip
        turned = _transform(f"{CONTROL} var flop = {ARC_SCALE};")
        arc = {"ty": "gr", "nm": "ArcMath", "it": [star, halfer, turned]}
        slots.append(arc)
    place = _transform(f"{CONTROL} $bm_rt = ctrl('A');", only="p")
    return {"ty": "gr", "nm": "Admin", "it": [*slots, place]}


def _controller(name: str, index: int, at: list[float], effect: bool) -> dict[str, object]:
    values = {"Hose Length": 160, "Bend Radius": 0, "Realism": 0, "Bend Direction": 100,
              "Auto Rotate Start": 0, "Auto Rotate End": 1}  # fmt: skip
    layer: dict[str, object] = {
        "ty": 4, "nm": name, "ind": index, "ip": 0, "op": 10, "st": 0, "sr": 1, "hd": True,
        "ks": {"o": _static(100), "p": _static(at), "a": _static([0, 0]),
               "s": _static([100, 100], "$bm_rt = [100, 100];"),
               "r": _static(0, TURN if effect else None)},
        "shapes": [_admin(arc_math=False)]}  # fmt: skip
    if effect:
        layer["ef"] = [{"ty": 5, "nm": "RubberHose 2", "mn": "Pseudo/3bf5uID/RubberHose_2",
                        "ef": [{"ty": 0, "nm": key, "v": _static(value)}
                               for key, value in values.items()]}]  # fmt: skip
    return layer


def _leg(colour: list[float]) -> dict[str, object]:
    """The hose layer: a style (stroke and trim of a copy of ArcMath) and the Admin."""
    copied = ("pt", "p", "r", "ir", "is", "or", "os")
    star = {"ty": "sr", "nm": "LineForCurve", "sy": 1, "d": 1,
            **{key: _static(0, ARC) for key in copied}}  # fmt: skip
    halfer = {"ty": "tm", "nm": "Line Halfer", "m": 1,
              **{key: _static(0, ARC) for key in ("s", "e", "o")}}  # fmt: skip
    arc = {"ty": "gr", "nm": "Arc", "it": [star, halfer, _transform(ARC_TRANSFORM)]}
    scaled = f"{CONTROL} $bm_rt = mul(value, ctrl('Parent Scale'));"
    stroke = {"ty": "st", "c": _static(colour), "o": _static(100), "lc": 2, "lj": 2,
              "w": _static(WIDTH, scaled)}  # fmt: skip
    placed = _transform(f"{CONTROL} $bm_rt = ctrl('A');", only="p")
    hose = {"ty": "gr", "nm": "BaseHose", "it": [arc, stroke, placed]}
    parented = "if (thisLayer.hasParent) { p = parent.fromComp([0, 0, 0]); }"
    return {"ty": 4, "nm": "Leg", "ind": 3, "ip": 0, "op": 10, "st": 0, "sr": 1,
            "ks": {"o": _static(100, "$bm_rt = 100;"), "p": _static([7, 9], parented),
                   "a": _static([0, 0], "$bm_rt = [0, 0];"), "r": _static(0, parented),
                   "s": _static([100, 104], parented)},  # the exporter's value, not drawn
            "shapes": [_group("Style", hose), _admin(arc_math=True)]}  # fmt: skip


def _foot(parent: int | None, at: list[float], rotation: float) -> dict[str, object]:
    """A 30 x 6 bar whose left end is at the foot controller (or at ``at`` unparented)."""
    layer: dict[str, object] = {
        "ty": 4, "nm": "Foot", "ind": 4, "ip": 0, "op": 10, "st": 0, "sr": 1,
        "ks": {"o": _static(100), "p": _static(at), "a": _static([0, 0]),
               "s": _static([100, 100]), "r": _static(rotation)},
        "shapes": [{"ty": "rc", "d": 1, "s": _static([30, 6]), "p": _static([15, 0]),
                    "r": _static(0)},
                   {"ty": "fl", "c": _static([0.1, 0.5, 0.2, 1]), "o": _static(100),
                    "r": 1}]}  # fmt: skip
    if parent is not None:
        layer["parent"] = parent
    return layer


def _doc(layers: list[dict[str, object]]) -> dict[str, object]:
    return {"v": "5.5.7", "fr": 25, "ip": 0, "op": 10, "w": SIZE, "h": SIZE, "layers": layers}


def _picture(doc: dict[str, object], tmp_path: Path, name: str) -> tuple[object, str]:
    comp = tmp_path / f"{name}.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / name, "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rgba = read_png(tmp_path / name / "frame_000000.png")
    return on_background(rgba, (255, 255, 255)), done.stderr


@pytest.mark.parametrize(
    ("hip", "foot", "bent"),
    [((40, 20), (150, 170), False), ((100, 40), (100, 140), True)],
    ids=["straight", "bent"],
)
def test_a_rubberhose_leg_is_drawn_where_the_rig_puts_it(
    tmp_path: Path, hip: tuple[int, int], foot: tuple[int, int], bent: bool
) -> None:
    """A leg longer apart than its hose length is a straight line from hip to foot; a
    closer one bends at its knee (Realism 0, Bend Radius 0: two straight pieces, the knee
    half the hose length from the middle of the hip-foot line, toward Bend Direction).
    The foot parented to the foot controller turns along the leg (Auto Rotate End). Before
    the rig was evaluated here, neither the leg nor the foot's turn was drawn."""
    colour = [0.2, 0.2, 0.8, 1]
    rig = [_controller("Leg::Foot", 1, [*foot], effect=True),
           _controller("Leg::Hip", 2, [*hip], effect=False), _leg(colour),
           _foot(1, [0, 0], 0)]  # fmt: skip
    ours, warnings = _picture(_doc(rig), tmp_path, "rig")
    assert "RubberHose" not in warnings, warnings

    span = math.dist(hip, foot)
    dx, dy = hip[0] - foot[0], hip[1] - foot[1]
    points = [[*foot], [*hip]]
    turn = -math.degrees(math.atan2(dx, dy))  # the rig's base angle, foot to hip
    if bent:
        straight, inner = span / 2, 160 / 2  # Hose Length / 2 with Realism 0
        middle = ((foot[0] + hip[0]) / 2, (foot[1] + hip[1]) / 2)
        normal = (-dy / span, dx / span)
        side = 1  # Bend Direction 100 bends this way (as lottie-web draws real rigs)
        knee = [middle[0] + side * normal[0] * (inner - straight),
                middle[1] + side * normal[1] * (inner - straight)]  # fmt: skip
        points.insert(1, knee)
        turn += math.degrees(math.atan((inner - straight) / straight))
    path = {"c": False, "v": points, "i": [[0, 0]] * len(points), "o": [[0, 0]] * len(points)}
    drawn = {"ty": 4, "nm": "Leg", "ind": 3, "ip": 0, "op": 10, "st": 0, "sr": 1,
             "ks": {"o": _static(100), "p": _static([0, 0]), "a": _static([0, 0]),
                    "s": _static([100, 100]), "r": _static(0)},
             "shapes": [{"ty": "sh", "ks": _static(path)},
                        {"ty": "st", "c": _static(colour), "o": _static(100), "lc": 2, "lj": 2,
                         "w": _static(WIDTH)}]}  # fmt: skip
    expected, _ = _picture(_doc([drawn, _foot(None, [*foot], turn)]), tmp_path, "plain")
    result = compare(expected, ours)
    assert result.ssim >= 0.99 and result.off_share <= 0.002, result


def test_a_damaged_rig_is_drawn_as_thorvg_reads_it_and_named(tmp_path: Path) -> None:
    """A rig with a piece of the wrong shape (its Line Halfer's start a list) is not baked
    but drawn as ThorVG reads it, the rig named in a warning (the bake raised TypeError,
    and the file could not be loaded)."""
    rig = [_controller("Leg::Foot", 1, [150, 170], effect=True),
           _controller("Leg::Hip", 2, [40, 20], effect=False), _leg([0, 0, 1, 1])]  # fmt: skip
    rig[2]["shapes"][1]["it"][2]["it"][1]["s"] = [1]  # type: ignore[index]
    _, warnings = _picture(_doc(rig), tmp_path, "damaged")
    assert "1 RubberHose rig ('Leg')" in warnings and "Error" not in warnings, warnings
