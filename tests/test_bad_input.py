"""Each bad input: exit code 2, one clear line naming the problem, no file left behind."""

from __future__ import annotations

import gzip
import json
import os
import signal
from pathlib import Path

import pytest

from tests.cli import leftovers, studio_render
from tests.conftest import RESOURCES, ROOT, worker_processes
from tests.image_compare import read_png

DATA = ROOT / "tests" / "data"
MOVING = DATA / "moving.qml"
LOTTIE = RESOURCES / "demo" / "demo-lottie.json"


def lottie_json(tmp_path: Path, name: str, **fields: object) -> Path:
    doc = {"v": "5.7.4", "fr": 30, "ip": 0, "op": 30, "w": 64, "h": 64, "layers": []}
    doc.update(fields)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def qml(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "scene.qml"
    path.write_text("import QtQuick\nItem {\n    property int frame: 0\n" + body + "\n}\n")
    return path


def check_refused(args: list[str | Path], expected: str, out_dir: Path) -> None:
    done = studio_render(*args, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert expected in lines[0]
    assert lines[0].startswith("studio-render: error: ")
    assert worker_processes() == [], "workers booted ahead of the probe were let go"
    if out_dir.is_dir():
        assert leftovers(out_dir) == []
        assert not (out_dir / "out.mp4").exists()


CASES = {
    "missing file": (lambda t: t / "nope.qml", "file not found"),
    "not a composition": (lambda t: (t / "notes.txt").write_text("hi") and t / "notes.txt",
                          "not a composition file"),
    "folder": (lambda t: (t / "dir.json").mkdir() or t / "dir.json", "not a file"),
    "malformed qml": (lambda t: DATA / "broken.qml", "broken.qml:11: Expected token"),
    "no frame property": (lambda t: DATA / "no_frame.qml", "property int frame"),
    "zero frames": (lambda t: DATA / "zero_frames.qml", "no frames"),
    "window root": (lambda t: (t / "w.qml").write_text(
        "import QtQuick\nWindow { width: 64; height: 64; visible: true; property int frame }")
        and t / "w.qml", "w.qml: the root is a Window, which shows itself on screen; make"),
    "non-visual root": (lambda t: (t / "o.qml").write_text(
        "import QtQml\nQtObject { property int frame }") and t / "o.qml",
        "o.qml: the root object must be an Item"),
    "huge qml canvas": (lambda t: DATA / "huge.qml", "100000x100000 is too large"),
    "too many frames": (
        lambda t: qml(t, "width: 10; height: 10; property int durationInFrames: 50000000"),
        "more than 1000000"),
    "not lottie json": (lambda t: (t / "data.json").write_text('{"hello": 1}') and t / "data.json",
                        "not a Lottie animation"),
    "not even json": (lambda t: (t / "x.json").write_text("<html>") and t / "x.json",
                      "not a Lottie animation"),
    "huge lottie": (lambda t: lottie_json(t, "big.json", w=100000, h=100000), "too large"),
    "zero-frame lottie": (lambda t: lottie_json(t, "empty.json", op=0), "has no frames"),
    "infinite lottie canvas": (lambda t: lottie_json(t, "inf.json", w=1e300),
                               "size infx64 or length 30 frames is out of range"),
    "a millionth fps": (lambda t: qml(t, "width: 10; height: 10; property real fps: 1e-6"),
                        "scene.qml: frame rate 1e-06 is outside 0.001-240 fps"),
    "infinite lottie length": (lambda t: lottie_json(t, "long.json", op=1e308),
                               "size 64x64 or length inf frames is out of range"),
    "corrupt dotlottie": (lambda t: (t / "a.lottie").write_bytes(b"PK\x03\x04?")
                          and t / "a.lottie", "cannot read Lottie file"),
    "sticker not json": (lambda t: (t / "s.tgs").write_bytes(gzip.compress(b"hello"))
                         and t / "s.tgs", "not a Lottie animation (not JSON: Expecting value"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_composition(tmp_path: Path, case: str) -> None:
    make, expected = CASES[case]
    comp = make(tmp_path)
    check_refused(["render", comp, "-o", tmp_path / "out.mp4"], expected, tmp_path)
    check_refused(["info", comp], expected, tmp_path)


def test_unreadable_file(tmp_path: Path) -> None:
    comp = tmp_path / "locked.json"
    if os.geteuid() == 0:  # root reads anything chmod forbids: use a file that errors on read
        comp.symlink_to("/proc/self/mem")
        expected = "cannot read file"
    else:
        comp.write_text("{}")
        comp.chmod(0)
        expected = "cannot read file"
    check_refused(["render", comp, "-o", tmp_path / "out.mp4"], expected, tmp_path)


def test_files_that_broke_lottie_players(corpus: Path, tmp_path: Path) -> None:
    for bad in sorted((corpus / "bad").iterdir()):
        out = tmp_path / "out.mp4"
        done = studio_render("render", bad, "-o", out, timeout=120)
        # a clear error or a complete render (ThorVG draws one of them), never a crash or hang
        assert done.returncode in (0, 1, 2), done.stderr
        assert "Traceback" not in done.stderr
        if done.returncode != 0:
            assert bad.name in done.stderr or "frames" in done.stderr
            assert not out.exists()
        assert leftovers(tmp_path) == []
        out.unlink(missing_ok=True)


@pytest.mark.parametrize("depth", [700, 200_000])
def test_a_lottie_file_nested_past_pythons_parser_renders_as_it_is(
    tmp_path: Path, depth: int
) -> None:
    """JSON nested deeper than Python's parser (200,000 arrays in a key players skip) or
    than a rewrite can copy (700 in a layer whose masks are split) is loaded as it is: a
    complete render, where the first gave a traceback and the second an error."""
    path = (lottie_json(tmp_path, "deep.json", layers=[{
        "ty": 4, "ind": 1, "ip": 0, "op": 30, "st": 0, "ks": {}, "shapes": [],
        "masksProperties": [{"mode": mode, "o": {"a": 0, "k": 100}, "pt": {"a": 0, "k": {
            "v": [[0, 0], [9, 0], [9, 9]], "i": [[0, 0]] * 3, "o": [[0, 0]] * 3, "c": True}}}
            for mode in "asa"],
        "deep": "NEST",
    }]))  # fmt: skip
    path.write_text(path.read_text().replace('"NEST"', "[" * depth + "]" * depth))
    out = tmp_path / "out.mp4"
    done = studio_render("render", path, "-o", out, "--progress", "none", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert out.stat().st_size > 0


@pytest.mark.parametrize("loop", ["parents", "precompositions"])
def test_layers_that_lead_back_to_themselves_are_drawn_without_the_loop(
    tmp_path: Path, loop: str
) -> None:
    """Two layers each the other's parent, or a precomposition that draws itself, crashed
    ThorVG while loading (SIGSEGV): the link that closes the loop is dropped, and the
    rest of the picture, a red square, is drawn."""
    square = {"ty": 4, "ind": 1, "ip": 0, "op": 30, "st": 0, "ks": {}, "shapes": [
        {"ty": "rc", "s": {"a": 0, "k": [20, 20]}, "p": {"a": 0, "k": [32, 32]},
         "r": {"a": 0, "k": 0}},
        {"ty": "fl", "c": {"a": 0, "k": [1, 0, 0, 1]}, "o": {"a": 0, "k": 100}}]}  # fmt: skip
    if loop == "parents":
        other = {**square, "ind": 2, "parent": 1, "shapes": []}
        path = lottie_json(tmp_path, "loop.json", layers=[{**square, "parent": 2}, other])
    else:
        inner = {"ty": 0, "ind": 1, "refId": "self", "ip": 0, "op": 30, "st": 0, "ks": {},
                 "w": 64, "h": 64}  # fmt: skip
        path = lottie_json(tmp_path, "loop.json", assets=[{"id": "self", "layers": [inner]}],
                           layers=[square, {**inner, "ind": 2}])  # fmt: skip
    done = studio_render("render", path, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none", timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    frame = read_png(tmp_path / "out" / "frame_000000.png")
    assert tuple(frame[32, 32]) == (255, 0, 0, 255)
    assert frame[2, 2, 3] == 0


def test_a_file_that_crashes_the_renderer_while_loading_is_named_in_one_line() -> None:
    """The probe's worker died of SIGSEGV while loading (a sample of rlottie's, dna.json,
    did that to ThorVG 1.0): the line names the file and the signal."""
    from studio_render.compositions.probe import _info_from
    from studio_render.core.errors import BadInput

    with pytest.raises(BadInput) as refused:
        _info_from(Path("sticker.json"), {}, -signal.SIGSEGV, "")
    assert str(refused.value) == (
        "sticker.json: the file crashed the renderer while loading (SIGSEGV)"
    )


@pytest.mark.parametrize(
    ("path", "renderer", "message"),
    [(LOTTIE, "gpu", "demo-lottie.json: --renderer gpu does not draw a Lottie animation "
      "(choose from auto, thorvg)"),
     (LOTTIE, "rlottie", "argument --renderer: invalid choice: 'rlottie'"),
     (MOVING, "thorvg", "moving.qml: --renderer thorvg does not draw a QML scene")],
)  # fmt: skip
def test_a_renderer_that_does_not_draw_the_composition_is_refused(
    path: Path, renderer: str, message: str, tmp_path: Path
) -> None:
    """rlottie is no longer a renderer (ThorVG draws every file it drew right)."""
    for command in (["info"], ["render", "-o", tmp_path / "out.mp4"]):
        done = studio_render(*command, path, "--renderer", renderer)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert leftovers(tmp_path) == []


SETTINGS = {
    "output folder missing": (["-o", "{t}/no/such/dir/out.mp4"], "does not exist"),
    "output folder not writable": (["-o", "/proc/out.mp4"], "cannot write to output folder"),
    "unknown preset": (["-o", "{t}/out.mp4", "--preset", "h266"], "unknown preset 'h266'"),
    "wrong extension": (["-o", "{t}/out.mov"], "use a .mp4 file name"),
    "frame range outside": (["-o", "{t}/out.mp4", "--frames", "40:90"], "outside"),
    "frame range empty": (["-o", "{t}/out.mp4", "--frames", "5:5"], "5:5 is empty"),
    "output is the current folder": (["-o", "."], "is a folder: give a .mp4 file name"),
    "frame range garbage": (["-o", "{t}/out.mp4", "--frames", "abc"], "not START:END"),
    "size too large": (["-o", "{t}/out.mp4", "--size", "100000x100000"], "too large"),
    "size garbage": (["-o", "{t}/out.mp4", "--size", "big"], "not WIDTHxHEIGHT"),
    "concurrency zero": (["-o", "{t}/out.mp4", "-j", "0"], "concurrency 0"),
    "crf out of range": (["-o", "{t}/out.mp4", "--crf", "99"], "CRF 99"),
    "crf on lossless": (["-o", "{t}/out.mkv", "--preset", "ffv1", "--crf", "10"], "no quality"),
    "unknown speed": (["-o", "{t}/out.mp4", "--speed", "warp"], "unknown speed"),
    "alpha in h264": (["-o", "{t}/out.mp4", "--alpha"], "cannot keep transparency"),
    "bad background": (["-o", "{t}/out.mp4", "--background", "red"], "not a colour"),
    "missing -o": ([], "required"),
}


@pytest.mark.parametrize("case", list(SETTINGS))
def test_bad_settings(tmp_path: Path, case: str) -> None:
    args, expected = SETTINGS[case]
    check_refused(["render", MOVING, *[a.format(t=tmp_path) for a in args]], expected, tmp_path)


def test_json_mode_reports_bad_input_as_an_event(tmp_path: Path) -> None:
    done = studio_render("render", tmp_path / "nope.qml", "-o", tmp_path / "o.mp4",
                         "--progress", "json")  # fmt: skip
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "event": "error",
        "message": f"{tmp_path}/nope.qml: file not found",
    }


def test_without_dask_the_cluster_says_which_extra_to_install() -> None:
    from studio_render.cluster import needs_cluster_extra
    from studio_render.core.errors import BadInput

    message = r"^--cluster needs the cluster extra: pip install 'studio-render\[cluster\]'$"
    with pytest.raises(BadInput, match=message), needs_cluster_extra("--cluster"):
        raise ModuleNotFoundError("No module named 'distributed'", name="distributed")
    with pytest.raises(ModuleNotFoundError), needs_cluster_extra("--cluster"):
        raise ModuleNotFoundError("No module named 'numpy'", name="numpy")  # not the extra


def test_an_exception_is_told_in_one_line() -> None:
    from studio_render.core.errors import BadInput, one_line

    assert one_line(BadInput("a.qml: cannot\n  load it")) == "a.qml: cannot load it"
    assert one_line(ValueError("bad\nvalue")) == "ValueError: bad value"
    assert one_line(KeyError()) == "KeyError"
