"""``--version``, ``info`` and the choice of ffmpeg binary."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import studio_render
from tests.conftest import ROOT


def test_version_names_every_component() -> None:
    done = studio_render("--version")
    assert done.returncode == 0
    out = done.stdout
    for needle in (
        "studio-render 0.",
        "Python 3.",
        "PySide6 6.11.3",
        "thorvg-python 1.",
        "(ThorVG 1.",
        "ffmpeg version",
    ):
        assert needle in out, out


def test_a_reader_that_goes_away_is_not_an_error(tmp_path: Path) -> None:
    """`studio-render --version | head -c 1`: no traceback when the pipe closes early."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write fails with EPIPE
    for args in (["--version"], ["info", ROOT / "tests" / "data" / "moving.qml"]):
        done = subprocess.run(
            [sys.executable, "-m", "studio_render", *map(str, args)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 141, done.stderr
        assert done.stderr == "", done.stderr
    os.close(write_end)


def test_info_json_keys() -> None:
    done = studio_render("info", ROOT / "tests" / "data" / "moving.qml", "--json")
    info = json.loads(done.stdout)
    assert {"kind", "width", "height", "fps", "frame_count", "duration_s", "audio"} <= set(info)
    assert (info["kind"], info["width"], info["height"], info["frame_count"]) == (
        "qml",
        160,
        90,
        45,
    )
    assert info["duration_s"] == 1.5 and info["audio"] is None


def test_ffmpeg_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imageio_ffmpeg

    from studio_render.core.errors import BadInput
    from studio_render.core.ffmpeg import find_ffmpeg

    bundled = imageio_ffmpeg.get_ffmpeg_exe()
    monkeypatch.delenv("STUDIO_RENDER_FFMPEG", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_ffmpeg() == bundled
    on_path = tmp_path / "ffmpeg"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(on_path.stat().st_mode | stat.S_IEXEC)
    assert find_ffmpeg() == str(on_path)
    monkeypatch.setenv("STUDIO_RENDER_FFMPEG", bundled)
    assert find_ffmpeg() == bundled
    monkeypatch.setenv("STUDIO_RENDER_FFMPEG", os.fspath(tmp_path / "missing"))
    with pytest.raises(BadInput, match="not an executable"):
        find_ffmpeg()
