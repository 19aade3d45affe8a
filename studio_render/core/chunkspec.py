"""What a chunk worker process is asked to do, and how it answers. Qt-free, JSON-friendly."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChunkSpec:
    """Everything a worker process needs to render one chunk on its own."""

    composition: str  # absolute path
    kind: str  # "qml" or "lottie"
    start: int
    end: int  # exclusive
    width: int  # output frame size
    height: int
    native_width: int
    native_height: int
    alpha: bool  # keep transparency, else flatten onto ``background``
    background: str  # "#rrggbb"
    encoder: list[str]  # full ffmpeg command reading raw RGBA on stdin
    output: str  # the chunk file (or image pattern) the encoder writes
    time_scale: float = 1.0  # composition frames per output frame (Lottie at another rate)
    renderer: str = "auto"  # QML: "auto", "software" or "gpu"
    frame_timeout: float = 30.0  # seconds one frame may take (see core/frame_watch.py)
    allow_network: bool = False  # QML: may load http(s) URLs (never on a cluster worker)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ChunkSpec:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)

    @property
    def frame_count(self) -> int:
        return self.end - self.start

    @property
    def work_folder(self) -> Path:
        """The render's own folder the output goes into (a worker may unpack files there;
        it is removed with the render): the chunk file's folder, or for an image pattern
        the folder above the images."""
        output = Path(self.output)
        return output.parent.parent if "%" in output.name else output.parent


# Lines a worker writes on stdout:
#   "progress <rendered> <encoded>"  frames of this chunk drawn / encoded so far
#   "cut <start> <end>"              the chunk starting at <start> now ends at <end>
#   "done"                           the chunk file is complete
#   "failed <message>"               the chunk cannot be rendered, in one line (then exit);
#                                    for a preview request: the frame cannot (worker lives)
#   "pixels <frame> <nbytes>"        a preview frame: <nbytes> raw bytes (B, G, R, A) follow
#   "warning <frame> <message>"      a problem the scene had at <frame> (script, a load)
# Lines a serving worker reads on stdin, besides chunk specs (JSON):
#   "cut <start> <at>"               end the chunk starting at <start> at frame <at>, or
#                                    at the first frame not drawn yet if that is later
PROGRESS = "progress"
CUT = "cut"
DONE = "done"
FAILED = "failed"
PIXELS = "pixels"
WARNING = "warning"


def cut_line(start: int, frame: int) -> str:
    """A cut request (``frame``: where to end) or answer (``frame``: the new end)."""
    return f"{CUT} {start} {frame}"


def parse_cut_line(line: str) -> tuple[int, int] | None:
    """``(start, frame)`` from a cut request or answer, else None."""
    parts = line.split()
    if len(parts) == 3 and parts[0] == CUT:
        return int(parts[1]), int(parts[2])
    return None


def parse_worker_line(line: str) -> tuple[int, int] | None:
    """``(rendered, encoded)`` from a progress line, else None."""
    parts = line.split()
    if len(parts) == 3 and parts[0] == PROGRESS:
        return int(parts[1]), int(parts[2])
    return None


def parse_failed_line(line: str) -> str | None:
    """The message of a "failed" line, else None."""
    head, _, message = line.partition(" ")
    return message if head == FAILED and message else None


def warning_line(frame: int, message: str) -> str:
    """A problem the scene had at ``frame`` (``message`` on one line)."""
    return f"{WARNING} {frame} {' '.join(message.split())}"


def parse_warning_line(line: str) -> tuple[int, str] | None:
    """``(frame, message)`` from a warning line, else None."""
    parts = line.split(" ", 2)
    if len(parts) == 3 and parts[0] == WARNING and parts[1].isdigit():
        return int(parts[1]), parts[2]
    return None
