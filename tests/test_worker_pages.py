"""A worker's encoders run without transparent huge pages (studio_render/worker/pages.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio_render.core.chunkspec import ChunkSpec
from tests.cli import chunk_worker

# Stands in for the encoder: keeps its own /proc status, then reads the frames to the end.
_ENCODER = (
    "import sys; status = open('/proc/self/status').read(); sys.stdin.buffer.read(); "
    "open(sys.argv[1], 'w').write(status)"
)


def _thp_enabled(status: str) -> str:
    """The ``THP_enabled`` value of a /proc status text ("" where the kernel has none)."""
    for line in status.splitlines():
        if line.startswith("THP_enabled:"):
            return line.split(":", 1)[1].strip()
    return ""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _thp_enabled(Path("/proc/self/status").read_text()),
    reason="Linux with transparent huge pages only",
)
def test_a_workers_encoder_gets_no_huge_pages(tmp_path: Path) -> None:
    alone = tmp_path / "alone.txt"
    subprocess.run([sys.executable, "-c", _ENCODER, str(alone)], input=b"", check=True)
    if _thp_enabled(alone.read_text()) != "1":
        pytest.skip("huge pages are already off for processes this test starts")

    lottie = tmp_path / "empty.json"
    lottie.write_text(json.dumps({"v": "5.7.0", "fr": 30, "ip": 0, "op": 10, "w": 32, "h": 32,
                                  "layers": []}))  # fmt: skip
    record = tmp_path / "encoder.txt"
    spec = ChunkSpec(
        str(lottie), "lottie", 0, 4, 32, 32, 32, 32, False, "#ffffff",
        [sys.executable, "-c", _ENCODER, str(record)], str(tmp_path / "chunk.mkv"),
    )  # fmt: skip
    code, stderr = chunk_worker(spec.to_json(), timeout=60)
    assert code == 0, stderr
    assert _thp_enabled(record.read_text()) == "0"
