"""What a worker draws frames from. Qt-free.

A frame is the bytes of one output frame, B, G, R, A per pixel, which ffmpeg reads as
``RAW_PIX_FMT`` (bgra): straight alpha when transparency is kept, else opaque.
"""

from __future__ import annotations

from typing import Protocol


class FrameSource(Protocol):
    def frame(self, index: int) -> memoryview:
        """Output frame ``index``; the view is valid until the next call."""

    def close(self) -> None: ...
