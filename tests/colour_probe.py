"""Reading colour back from rendered media: the tags a player sees, where they are stored,
and the pixels a player that honours them shows.

Tags are named as ffmpeg names them: ``range`` (tv, pc), ``matrix`` (bt709, gbr for RGB),
``primaries`` (bt709) and ``transfer`` (bt709, iec61966-2-1 for sRGB).
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

from tests.media import streams

TAGS = ("range", "matrix", "primaries", "transfer")
#: Rounding for the decode as well: the check must measure the file, not the decoder.
DECODE_FLAGS = "accurate_rnd+full_chroma_int+bitexact"

# ITU-T H.273 code points, as the containers store them.
_PRIMARIES = {1: "bt709", 2: "unknown"}
_TRANSFER = {1: "bt709", 2: "unknown", 13: "iec61966-2-1"}
_MATRIX = {0: "gbr", 1: "bt709", 2: "unknown"}


def _ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    from studio_render.core.ffmpeg import find_ffmpeg

    done = subprocess.run([find_ffmpeg(), "-hide_banner", "-nostdin", *args],
                          capture_output=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done


def frame_tags(path: Path, *input_args: str) -> dict[str, str]:
    """The tags on the first decoded frame: what ffmpeg's decoder hands a player."""
    stderr = _ffmpeg(
        *input_args, "-i", str(path), "-map", "0:v:0", "-frames:v", "1", "-vf", "showinfo",
        "-f", "null", "-",
    ).stderr.decode()  # fmt: skip
    found = re.search(
        r"color_range:(\S+) color_space:(\S+) color_primaries:(\S+) color_trc:(\S+)", stderr
    )
    assert found, stderr
    return dict(zip(TAGS, found.groups(), strict=True))


def bitstream_tags(path: Path, tmp: Path) -> dict[str, str]:
    """The tags inside the video bitstream, without its container.

    H.264 and H.265 carry all four (VUI); VP9 only the matrix and range; ProRes the matrix,
    primaries and transfer in every frame header (its range is always limited). FFV1, PNG
    and GIF carry none.
    """
    description = streams(path)
    raw = {  # codec: raw format, bitstream filter
        "h264": ("h264", ["-bsf:v", "h264_mp4toannexb"]),
        "hevc": ("hevc", ["-bsf:v", "hevc_mp4toannexb"]),
        "vp9": ("ivf", []),
    }
    codec = next((c for c in raw if f"Video: {c}" in description), None)
    if codec is not None:
        form, bsf = raw[codec]
        elementary = tmp / f"{path.stem}.{form}"
        _ffmpeg("-i", str(path), "-map", "0:v:0", "-c", "copy", *bsf, "-f", form, "-y",
                str(elementary))  # fmt: skip
        tags = frame_tags(elementary, "-f", form)  # too short to be probed reliably
        if codec == "vp9":
            return {k: tags[k] for k in ("range", "matrix")}
        return tags
    if "Video: prores" in description:
        data = path.read_bytes()
        header = data.index(b"icpf") + 4  # frame size, "icpf", then the frame header
        primaries, transfer, matrix = data[header + 14 : header + 17]
        return {"primaries": _PRIMARIES.get(primaries, f"code {primaries}"),
                "transfer": _TRANSFER.get(transfer, f"code {transfer}"),
                "matrix": _MATRIX.get(matrix, f"code {matrix}")}  # fmt: skip
    return {}


def container_tags(path: Path) -> dict[str, str]:
    """The tags in the container: the MP4/MOV ``colr`` box or the Matroska/WebM ``Colour``
    element (MOV's ``nclc`` has no range)."""
    head = path.read_bytes()[: 1 << 20]  # the headers (MP4s here are written +faststart)
    if path.suffix in (".mp4", ".mov"):
        at = head.find(b"colr")
        if at < 0:
            return {}
        kind = head[at + 4 : at + 8]
        primaries, transfer, matrix = struct.unpack(">HHH", head[at + 8 : at + 14])
        tags = {"primaries": _PRIMARIES.get(primaries, f"code {primaries}"),
                "transfer": _TRANSFER.get(transfer, f"code {transfer}"),
                "matrix": _MATRIX.get(matrix, f"code {matrix}")}  # fmt: skip
        if kind == b"nclx":
            tags["range"] = "pc" if head[at + 14] & 0x80 else "tv"
        return tags
    if path.suffix in (".mkv", ".webm"):
        return _matroska_colour(head)
    return {}


def _vint(data: bytes, at: int, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at``: its value and where the next field starts."""
    length = 1
    while not data[at] & (0x80 >> (length - 1)):
        length += 1
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, at + length


def _matroska_colour(head: bytes) -> dict[str, str]:
    at = head.find(b"\x55\xb0")  # the Colour element of the video track
    if at < 0:
        return {}
    size, at = _vint(head, at + 2, keep_marker=False)
    end, values = at + size, {}
    while at < end:
        element, at = _vint(head, at, keep_marker=True)
        length, at = _vint(head, at, keep_marker=False)
        values[element] = int.from_bytes(head[at : at + length], "big")
        at += length
    tags = {}
    if 0x55B1 in values:
        tags["matrix"] = _MATRIX.get(values[0x55B1], f"code {values[0x55B1]}")
    if 0x55B9 in values:
        tags["range"] = {1: "tv", 2: "pc"}.get(values[0x55B9], f"code {values[0x55B9]}")
    if 0x55BA in values:
        tags["transfer"] = _TRANSFER.get(values[0x55BA], f"code {values[0x55BA]}")
    if 0x55BB in values:
        tags["primaries"] = _PRIMARIES.get(values[0x55BB], f"code {values[0x55BB]}")
    return tags


def player_assumption(height: int) -> dict[str, str]:
    """What browsers, VLC and editors assume for untagged video: BT.709 from 720 lines up,
    BT.601 below, limited range."""
    return {"matrix": "bt709" if height >= 720 else "bt601", "range": "tv"}


def decode_rgba(path: Path, frames: int, height: int) -> bytes:
    """The first ``frames`` frames as RGBA, converted with the file's own tags (read back
    with ``frame_tags``), as a player that honours them shows them; where a tag is missing,
    as players assume for video ``height`` lines high."""
    tags = frame_tags(path)
    for name, assumed in player_assumption(height).items():
        if tags[name] == "unknown":
            tags[name] = assumed
    to_rgba = "format=rgba"
    if tags["matrix"] != "gbr":
        known = {"in_color_matrix": tags["matrix"], "in_range": tags["range"]}
        options = ":".join(f"{k}={v}" for k, v in known.items())
        to_rgba = f"scale={options}:flags={DECODE_FLAGS},{to_rgba}"
    decoder = ["-c:v", "libvpx-vp9"] if "Video: vp9" in streams(path) else []  # keeps alpha
    return _ffmpeg(
        *decoder, "-i", str(path), "-map", "0:v:0", "-frames:v", str(frames), "-vf", to_rgba,
        "-f", "rawvideo", "-",
    ).stdout  # fmt: skip
