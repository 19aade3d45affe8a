"""Output presets: how chunks are encoded and how they become one output file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from studio_render.core.colour import BT709, SRGB, Colour
from studio_render.core.errors import BadInput

#: Encoder speed names, fastest first (x264's names, mapped for the other encoders).
SPEEDS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast",
    "medium", "slow", "slower", "veryslow",
)  # fmt: skip


class Join(Enum):
    """How chunk files become the output."""

    COPY = "copy"  # concat demuxer, streams copied, no re-encode
    GIF = "gif"  # concat, then one palette pass over the whole video
    NONE = "none"  # image sequence: chunks write their frames into the output folder


@dataclass(frozen=True)
class Preset:
    """One named output format."""

    name: str
    description: str
    extension: str  # of the output file; "" for a folder of images
    chunk_extension: str
    join: Join
    alpha: str  # "always", "never" or "optional"
    colour: Colour  # of the chunks (GIF: of its lossless RGB intermediates)
    pix_fmts: tuple[str, str]  # the encoder's input: opaque, with alpha
    even_size: bool = False
    crf: tuple[int, int, int] | None = None  # (default, lowest, highest)
    default_speed: str | None = None
    audio_args: tuple[str, ...] | None = None  # None: the format carries no audio
    final_args: tuple[str, ...] = field(default=())

    def video_args(self, crf: int | None, speed: str | None) -> list[str]:
        """ffmpeg output arguments that encode one chunk (the pixel format aside)."""
        speed = speed or self.default_speed or "medium"
        q = crf if crf is not None else (self.crf[0] if self.crf else 0)
        if self.name == "h264":
            return ["-c:v", "libx264", "-preset", speed, "-crf", str(q)]
        if self.name == "h265":
            return [
                "-c:v", "libx265", "-preset", speed, "-crf", str(q),
                "-tag:v", "hvc1", "-x265-params", "log-level=error",
            ]  # fmt: skip
        if self.name == "vp9":
            cpu_used = max(0, 8 - SPEEDS.index(speed))
            return [
                "-c:v", "libvpx-vp9", "-crf", str(q), "-b:v", "0", "-row-mt", "1",
                "-deadline", "good", "-cpu-used", str(min(cpu_used, 5)),
            ]  # fmt: skip
        if self.name == "prores":
            return ["-c:v", "prores_ks", "-profile:v", "4"]
        if self.name in ("ffv1", "gif"):  # gif chunks are lossless intermediates
            return ["-c:v", "ffv1", "-level", "3"]
        if self.name == "png":
            return ["-c:v", "png", "-compression_level", "4"]
        raise AssertionError(self.name)

    def pix_fmt(self, alpha: bool) -> str:
        """The pixel format the encoder is given (``alpha``: transparency is kept)."""
        return self.pix_fmts[alpha]

    def keeps_alpha(self, requested: bool) -> bool:
        return self.alpha == "always" or (self.alpha == "optional" and requested)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "h264", "H.264 in MP4 (plays everywhere)", ".mp4", ".mp4", Join.COPY, "never", BT709,
            pix_fmts=("yuv420p", "yuv420p"),
            even_size=True, crf=(18, 0, 51), default_speed="veryfast",
            audio_args=("-c:a", "aac", "-b:a", "192k"), final_args=("-movflags", "+faststart"),
        ),
        Preset(
            "h265", "H.265/HEVC in MP4 (smaller files)", ".mp4", ".mp4", Join.COPY, "never", BT709,
            pix_fmts=("yuv420p", "yuv420p"),
            even_size=True, crf=(22, 0, 51), default_speed="veryfast",
            audio_args=("-c:a", "aac", "-b:a", "192k"), final_args=("-movflags", "+faststart"),
        ),
        Preset(
            "vp9", "VP9 in WebM (alpha optional)", ".webm", ".webm", Join.COPY, "optional", BT709,
            pix_fmts=("yuv420p", "yuva420p"),
            crf=(32, 0, 63), default_speed="veryfast", audio_args=("-c:a", "libopus"),
        ),
        Preset(
            "prores", "ProRes 4444 in MOV, with alpha", ".mov", ".mov", Join.COPY, "always", BT709,
            pix_fmts=("yuva444p10le", "yuva444p10le"),
            audio_args=("-c:a", "pcm_s16le"),
        ),
        Preset(
            "gif", "Animated GIF, one optimised palette", ".gif", ".mkv", Join.GIF, "never", SRGB,
            pix_fmts=("bgr0", "bgr0"),
        ),
        Preset(
            "png", "PNG image sequence in a folder (alpha)", "", ".png", Join.NONE, "always", SRGB,
            pix_fmts=("rgb24", "rgba"),
        ),
        Preset(
            "ffv1", "FFV1 in MKV (lossless, with alpha)", ".mkv", ".mkv", Join.COPY, "always", SRGB,
            pix_fmts=("bgr0", "bgra"),
            audio_args=("-c:a", "flac"),
        ),
    )
}  # fmt: skip


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise BadInput(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})") from None
