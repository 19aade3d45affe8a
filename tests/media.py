"""Inspecting rendered media with the same ffmpeg binary the app uses (there is no ffprobe)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from studio_render.core.ffmpeg import find_ffmpeg


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [find_ffmpeg(), "-hide_banner", "-nostdin", *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def framemd5(path: Path) -> list[str]:
    """Per-frame hashes of the decoded video (``-f framemd5``), in order."""
    done = _run("-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-")
    assert done.returncode == 0, done.stderr
    return [line.rsplit(",", 1)[1].strip() for line in done.stdout.splitlines()
            if line and not line.startswith("#")]  # fmt: skip


def frame_count(path: Path) -> int:
    """Frames actually decoded from the first video stream."""
    return len(framemd5(path))


def duration_s(path: Path) -> float:
    """The container's duration as ffmpeg reports it."""
    stderr = _run("-i", str(path)).stderr
    match = re.search(r"Duration: (\d+):(\d+):([\d.]+)", stderr)
    assert match, stderr
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def streams(path: Path) -> str:
    """ffmpeg's description of the streams (``Stream #0:0: Video: h264 ...`` lines)."""
    return "\n".join(
        line.strip() for line in _run("-i", str(path)).stderr.splitlines() if "Stream #" in line
    )


def scene_with_audio(scene: Path, folder: Path, audio_name: str) -> Path:
    """A copy of the QML ``scene`` in ``folder`` that declares ``audio_name`` as its audio."""
    copy = folder / "with audio.qml"
    copy.write_text(scene.read_text().replace(
        "property real fps: 30", f'property real fps: 30\n    property string audio: "{audio_name}"'
    ))  # fmt: skip
    return copy
