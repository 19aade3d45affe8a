"""Checks made before any work starts, against the real filesystem and the real encoders.

Each raises :class:`BadInput` with one line naming the problem: an output name the
filesystem cannot hold, a size the preset's codec cannot encode, audio ffmpeg cannot
decode (or that is not a local file).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from studio_render.core.errors import BadInput
from studio_render.core.presets import Preset

#: Sizes inside these bounds open every preset's encoder (tests/test_preflight.py tries the
#: corners with each preset); others are tried for real with one frame.
SAFE_SIDES = (64, 8192)
SAFE_ASPECT = 16
#: An encoder that has not refused a size within this time has opened: it is encoding.
TRIAL_S = 5.0


def check_output_name(output: Path) -> None:
    """The output's name (and the work folder's files next to it) fit the filesystem."""
    folder = output.parent
    name_max = _pathconf(folder, "PC_NAME_MAX", 255)
    length = len(os.fsencode(output.name))
    if length > name_max:
        raise BadInput(
            f"output name is {length} bytes long; the filesystem allows {name_max}: "
            f"{output.name[:40]}…"
        )
    path_max = _pathconf(folder, "PC_PATH_MAX", 4096)
    # the output is assembled in a work folder next to it: <folder>/.<short>…/<name>
    longest = len(os.fsencode(folder)) + 1 + 80 + 1 + length
    if longest >= path_max:
        raise BadInput(f"output path is too long for the filesystem ({path_max} bytes at most)")


def _pathconf(folder: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default


def check_encoder_size(ffmpeg: str, preset: Preset, width: int, height: int, alpha: bool) -> None:
    """The preset's chunk encoder (an intermediate for gif) accepts ``width`` x ``height``.

    Encoders refuse sizes when they open (x265 below 64 pixels a side or at odd aspect
    ratios, FFV1 one pixel wide...): one frame is tried unless the size is well inside
    what all of them take.
    """
    low, high = SAFE_SIDES
    short, long = sorted((width, height))
    if short >= low and long <= high and long <= short * SAFE_ASPECT:
        return
    refusal = try_encoder(ffmpeg, preset, width, height, alpha)
    if refusal is not None:
        raise BadInput(f"preset {preset.name} cannot encode {width}x{height} ({refusal})")


def try_encoder(ffmpeg: str, preset: Preset, width: int, height: int, alpha: bool) -> str | None:
    """Encode one black frame of this size with the preset's chunk encoder: None if it
    takes it, else ffmpeg's reason."""
    video = f"color=c=black:s={width}x{height}:r=30:d=1"
    pad = ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"] if preset.even_size else []
    codec = [*preset.video_args(None, "ultrafast"), "-pix_fmt", preset.pix_fmt(alpha)]
    argv = [ffmpeg, "-v", "error", "-nostdin", "-f", "lavfi", "-i", video, *pad,
            "-frames:v", "1", *codec, "-f", "null", "-"]  # fmt: skip
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _, err = proc.communicate(timeout=TRIAL_S)
    except subprocess.TimeoutExpired:  # opened, encoding a large frame: the size is fine
        proc.kill()
        proc.communicate()
        return None
    return None if proc.returncode == 0 else _first_error(err.decode(errors="replace"))


def check_audio(ffmpeg: str, audio: str) -> None:
    """``audio`` is a local file ffmpeg can decode an audio stream from."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", audio):
        raise BadInput(f"audio {audio} is not a local file: download it and name the file")
    argv = [ffmpeg, "-v", "error", "-nostdin", "-i", audio, "-map", "0:a:0", "-t", "1",
            "-f", "null", "-"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        raise BadInput(f"audio {Path(audio).name}: decoding took longer than 30 s") from None
    if done.returncode != 0:
        reason = _first_error(done.stderr)
        raise BadInput(f"audio {Path(audio).name}: ffmpeg cannot decode it ({reason})")


def _first_error(stderr: str) -> str:
    """The line of ffmpeg's errors that says most, without its ``[codec @ 0x...]`` prefix."""
    lines = [re.sub(r"^(\[[^]]*\] ?)+", "", line).strip() for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    return lines[0] if lines else "no message"
