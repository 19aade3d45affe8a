"""The command line renders without Qt: the engine's core runs on plain threads, and only
the worker processes that draw QML import Qt."""

from __future__ import annotations

from pathlib import Path

from tests.cli import leftovers, render_reporting_qt
from tests.conftest import MOVING
from tests.media import framemd5


def test_a_lottie_render_never_loads_qt(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    done, qt = render_reporting_qt(corpus / "heart.json", "-o", out, "-j", "2",
                                   "--chunk-frames", "8", "--size", "160x160",
                                   "--preset", "ffv1", "--progress", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not qt, "the command line imported Qt for a Lottie render"
    assert '"event": "done"' in done.stdout
    assert len(framemd5(out)) > 8 and leftovers(tmp_path) == []


def test_a_qml_render_loads_qt_only_in_its_workers(tmp_path: Path) -> None:
    out = tmp_path / "out.mkv"
    done, qt = render_reporting_qt(MOVING, "-o", out, "-j", "1", "--frames", "0:10",
                                   "--preset", "ffv1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not qt, "the command line imported Qt for a QML render"
    assert len(framemd5(out)) == 10


def test_the_check_sees_qt(tmp_path: Path) -> None:
    """The check can fail: a command line that imported Qt is reported."""
    done, qt = render_reporting_qt(tmp_path / "missing.json", "-o", tmp_path / "out.mp4",
                                   preload="import PySide6.QtCore")  # fmt: skip
    assert done.returncode == 2 and qt, done.stderr
