"""Numbers as the window shows them: durations, file sizes, stages."""

from __future__ import annotations

from studio_render.core.progress import ProgressSnapshot, Stage


def format_duration(seconds: float | None) -> str:
    """``0:07``, ``12:34`` or ``1:02:03``; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    s = max(0, int(seconds + 0.5))
    if s >= 3600:
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def format_size(size: int | None) -> str:
    """Bytes in the largest unit that keeps the number readable: ``812 KB``, ``1.4 GB``."""
    if size is None:
        return "unknown size"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            if unit == "bytes":
                return f"{int(value)} bytes"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def describe_stage(snap: ProgressSnapshot, rendering: int = 0) -> str:
    """The stage line: what the render is doing, in words."""
    if snap.stage is Stage.STARTING:
        return f"Starting {snap.chunks_total} chunk{'s' if snap.chunks_total != 1 else ''}…"
    if snap.stage is Stage.RENDERING:
        line = f"Rendering chunks: {snap.chunks_done} of {snap.chunks_total} done"
        return f"{line}, {rendering} in progress" if rendering else line
    if snap.stage is Stage.JOINING:
        return "Joining chunks"
    if snap.stage is Stage.AUDIO:
        return "Adding audio"
    return "Done"


def describe_rates(elapsed_s: float, snap: ProgressSnapshot | None) -> str:
    """The line under the bar: elapsed, ETA, frames per second and frames done."""
    parts = [f"Elapsed {format_duration(elapsed_s)}"]
    if snap is not None:
        parts.append(f"ETA {format_duration(snap.eta_s)}")
        parts.append(f"{snap.fps:.1f} fps" if snap.fps else "-- fps")
        parts.append(f"{snap.frames_done}/{snap.frames_total} frames")
    return "  ·  ".join(parts)
