"""Finding ffmpeg and building its command lines."""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from studio_render.core.colour import Colour
from studio_render.core.errors import BadInput

#: Raw frames on the encoder's stdin: QImage's ARGB32 memory layout on little-endian CPUs.
RAW_PIX_FMT = "bgra"
#: How often ffmpeg writes ``-progress`` blocks.
STATS_PERIOD_S = "0.1"


def bundled_ffmpeg() -> str | None:
    """The ffmpeg inside the frozen app (put there by ``packaging/studio-render.spec``)."""
    if not getattr(sys, "frozen", False):
        return None
    base = Path(getattr(sys, "_MEIPASS", os.path.dirname(sys.executable)))
    exe = base / "ffmpeg" / ("ffmpeg.exe" if os.name == "nt" else "ffmpeg")
    return str(exe) if exe.is_file() else None


def find_ffmpeg() -> str:
    """The ffmpeg binary: ``$STUDIO_RENDER_FFMPEG``, the frozen app's own, ``ffmpeg`` on PATH,
    or imageio-ffmpeg's."""
    override = os.environ.get("STUDIO_RENDER_FFMPEG")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise BadInput(f"STUDIO_RENDER_FFMPEG={override} is not an executable file")
        return override
    bundled = bundled_ffmpeg()  # the installed app uses the ffmpeg it was built and tested with
    if bundled:
        return bundled
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    return _imageio_ffmpeg()


def _imageio_ffmpeg() -> str:
    """The binary in imageio-ffmpeg's wheel, found without importing imageio-ffmpeg (its
    import and its check, which runs the binary, cost the command line about 40 ms before
    each render); imageio-ffmpeg's own search where ``IMAGEIO_FFMPEG_EXE`` is set or the
    wheel has no single binary."""
    wheel = None if "IMAGEIO_FFMPEG_EXE" in os.environ else _wheel_ffmpeg()
    if wheel:
        return wheel
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def _wheel_ffmpeg() -> str | None:
    """The one executable ``ffmpeg-*`` in imageio-ffmpeg's ``binaries`` folder, if any
    (looked up once per process)."""
    spec = importlib.util.find_spec("imageio_ffmpeg")
    if not spec or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "binaries"
    found = [p for p in folder.glob("ffmpeg-*") if p.is_file() and os.access(p, os.X_OK)]
    return str(found[0]) if len(found) == 1 else None


@functools.cache
def ffmpeg_version(binary: str) -> str:
    """The first line of ``ffmpeg -version``, e.g. ``ffmpeg version 9.0.2 ...``."""
    out = subprocess.run(
        [binary, "-hide_banner", "-version"], capture_output=True, text=True, timeout=20
    ).stdout
    first = out.splitlines()[0] if out else "unknown"
    return first.split(" Copyright")[0]


def _base(binary: str) -> list[str]:
    return [binary, "-hide_banner", "-nostdin", "-loglevel", "error"]


def thread_args(threads: int | None) -> list[str]:
    """Arguments capping an encoder at ``threads`` threads (None: ffmpeg's choice)."""
    return ["-threads", str(threads)] if threads else []


def _progress_args() -> list[str]:
    return ["-progress", "pipe:1", "-stats_period", STATS_PERIOD_S]


def encode_chunk_command(
    binary: str,
    *,
    width: int,
    height: int,
    fps: float,
    video_args: Sequence[str],
    pix_fmt: str,
    colour: Colour,
    even_size: bool,
    output: Path,
    start_number: int = 0,
    threads: int | None = None,
    final_args: Sequence[str] = (),
) -> list[str]:
    """ffmpeg reading raw BGRA frames on stdin and encoding them to ``output``.

    The frames are converted to ``pix_fmt`` in the ``colour`` encoding and tagged with it,
    the same way in every chunk, so that chunks join without a seam. Progress (``frame=N``
    lines) goes to stdout. ``threads`` caps the encoder's threads (None: ffmpeg's choice,
    about one and a half per core). ``final_args``: the preset's container arguments, for
    a chunk that is the whole output (``+faststart``).
    """
    filters: list[tuple[str, Sequence[str], Mapping[str, str]]] = []
    if even_size and (width % 2 or height % 2):
        filters.append(("pad", ["ceil(iw/2)*2", "ceil(ih/2)*2"], {}))
    filters += [(name, [], options) for name, options in colour.filters(pix_fmt)]
    start = ["-start_number", str(start_number)] if str(output).endswith(".png") else []
    args = [
        "-f", "rawvideo", "-framerate", str(fps), "-pix_fmt", RAW_PIX_FMT,
        "-s", f"{width}x{height}", "-i", "pipe:0", *_filter_chain(filters), "-an", *start,
    ]  # fmt: skip
    return [
        *_base(binary), *args, *video_args, *colour.tag_args(), *thread_args(threads),
        *final_args, *_progress_args(), "-y", str(output),
    ]  # fmt: skip


def _escape(text: str, chars: str) -> str:
    """``text`` with the backslash and each of ``chars`` escaped by a backslash."""
    for char in "\\" + chars:
        text = text.replace(char, "\\" + char)
    return text


def _filter_chain(filters: Sequence[tuple[str, Sequence[str], Mapping[str, str]]]) -> list[str]:
    """``-filter_complex`` and ``-map`` arguments for filters applied one after another to
    the first input: ``name=arg:key=value`` (options sorted by key), escaped as ffmpeg
    reads an option value, then a filter in a graph."""
    value, graph = "'=:", "'[],;"
    links = []
    for n, (name, args, options) in enumerate(filters):
        params = [_escape(a, value) for a in args]
        params += [f"{_escape(k, value)}={_escape(v, value)}" for k, v in sorted(options.items())]
        text = _escape(name, value) + (f"={':'.join(params)}" if params else "")
        source = "[0]" if n == 0 else f"[s{n - 1}]"
        links.append(f"{source}{_escape(text, graph)}[s{n}]")
    return ["-filter_complex", ";".join(links), "-map", f"[s{len(filters) - 1}]"]


def concat_list(chunk_files: Sequence[Path]) -> str:
    """The concat demuxer's file list; paths are quoted so any file name works."""
    lines = []
    for path in chunk_files:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def join_command(
    binary: str,
    list_file: Path,
    output: Path,
    final_args: Sequence[str],
    gif: bool,
    audio: Path | None = None,
) -> list[str]:
    """Join chunk files listed in ``list_file``: stream copy, or one palette pass for GIF.

    ``audio``, an encoded audio track, is copied in beside the joined video.
    """
    cmd = [*_base(binary), "-f", "concat", "-safe", "0", "-i", str(list_file)]
    if gif:
        graph = (
            "[0:v]split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=sierra2_4a"
        )
        cmd += ["-filter_complex", graph, "-loop", "0"]
    else:
        audio_map = ["-i", str(audio), "-map", "1:a:0"] if audio else []
        cmd += [*audio_map, "-map", "0:v", "-c", "copy", *final_args]
    return [*cmd, *_progress_args(), "-y", str(output)]


def encode_audio_command(
    binary: str,
    audio: str,
    offset_s: float,
    duration_s: float,
    audio_args: Sequence[str],
    output: Path,
) -> list[str]:
    """Encode the audio from ``offset_s``, cut or padded to ``duration_s``, once for the
    whole render, so it can run beside the chunks and there are no seams in it."""
    return [
        *_base(binary), "-ss", f"{offset_s:.6f}", "-i", audio, "-map", "0:a:0", "-vn",
        *audio_args, "-af", "apad", "-t", f"{duration_s:.6f}",
        *_progress_args(), "-y", str(output),
    ]  # fmt: skip


def parse_progress_line(line: str) -> tuple[str, str] | None:
    """One ``key=value`` line of ffmpeg's ``-progress`` output."""
    key, sep, value = line.strip().partition("=")
    return (key, value) if sep else None
