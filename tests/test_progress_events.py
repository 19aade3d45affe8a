"""Progress recorded from real renders: starts at 0, never decreases, ends at 1.0 after the file."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MOVING


@pytest.mark.parametrize("preset", ["h264", "gif"])
def test_json_progress_from_a_real_render(tmp_path: Path, preset: str) -> None:
    out = tmp_path / f"out.{'mp4' if preset == 'h264' else 'gif'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio_render", "render", str(MOVING), "-o", str(out),
         "--preset", preset, "-j", "2", "--chunk-frames", "6", "--progress", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    events = []
    file_existed_at_one = None
    for line in proc.stdout:
        event = json.loads(line)
        events.append(event)
        if event.get("progress") == 1.0:
            file_existed_at_one = out.exists()
    assert proc.wait(120) == 0, proc.stderr.read() if proc.stderr else ""
    progress = [e for e in events if e["event"] == "progress"]
    values = [e["progress"] for e in progress]
    assert values[0] == 0.0
    assert all(b >= a for a, b in itertools.pairwise(values))
    assert values[-1] == 1.0 and values.count(1.0) == 1
    assert file_existed_at_one is True
    assert events[-1] == {"event": "done", "output": str(out)}
    assert {e["stage"] for e in progress} >= {"rendering", "done"}
    assert all(e["frames_total"] == 45 for e in progress)
    assert all(set(e) == {"event", "progress", "stage", "frames_done", "frames_total", "eta_s"}
               for e in progress)  # fmt: skip
