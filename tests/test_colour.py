"""Colours that survive every player: swatches rendered to every preset, read back with the
file's own tags, are the designer's colours; every chunk converts them alike.

Real renders through the command line (real workers, Qt and ffmpeg), decoded by ffmpeg.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli import studio_render
from tests.colour_probe import bitstream_tags, container_tags, decode_rgba, frame_tags
from tests.conftest import ROOT

SCENE = ROOT / "tests" / "data" / "colour_swatches.qml"  # 1280x720, 4 x 5 swatches, 6 frames
SWATCHES = re.findall(r'"#([0-9a-f]{6}(?:[0-9a-f]{2})?)"', SCENE.read_text())
HD, SD = (1280, 720), (640, 360)
VIDEO = {"range": "tv", "matrix": "bt709", "primaries": "bt709", "transfer": "bt709"}
SRGB = {"range": "pc", "matrix": "gbr", "primaries": "bt709", "transfer": "iec61966-2-1"}
WHITE = (255, 255, 255)  # the default background under transparent pixels

Pixel = tuple[int, int, int, int]
Render = Callable[..., Path]


def source_colour(swatch: str) -> Pixel:
    """A swatch as the scene declares it (``rrggbb`` or ``aarrggbb``) as straight RGBA."""
    value = bytes.fromhex(swatch)
    alpha, rgb = (value[0], value[1:]) if len(value) == 4 else (255, value)
    return (*rgb, alpha)


def swatch_centres(frame: bytes, size: tuple[int, int]) -> list[Pixel]:
    """The RGBA pixel at the centre of every swatch, in the scene's order."""
    width, height = size
    centres = []
    for index in range(len(SWATCHES)):
        x = int((index % 4 + 0.5) * width / 4)
        y = int((index // 4 + 0.5) * height / 5)
        at = (y * width + x) * 4
        r, g, b, a = frame[at : at + 4]
        centres.append((r, g, b, a))
    return centres


def over_white(pixel: Pixel) -> Pixel:
    """A straight-alpha pixel flattened onto the white background."""
    *rgb, a = pixel
    r, g, b = (round((c * a + w * (255 - a)) / 255) for c, w in zip(rgb, WHITE, strict=True))
    return (r, g, b, 255)


def frames_of(data: bytes, size: tuple[int, int], count: int) -> list[bytes]:
    frame = size[0] * size[1] * 4
    assert len(data) == frame * count, f"decoded {len(data)} bytes, not {count} frames"
    return [data[i * frame : (i + 1) * frame] for i in range(count)]


def colour_errors(got: list[Pixel], expected: list[Pixel], tolerance: int) -> list[str]:
    """Every swatch further than ``tolerance`` levels from its expected colour, described."""
    return [
        f"#{swatch}: expected {want}, decoded {have}"
        for swatch, want, have in zip(SWATCHES, expected, got, strict=True)
        if max(abs(x - y) for x, y in zip(want, have, strict=True)) > tolerance
    ]


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """``render(preset, suffix, *args)``: the swatch scene rendered once per argument set."""
    done: dict[tuple[str, ...], Path] = {}

    def run(preset: str, suffix: str, *args: str) -> Path:
        key = (preset, suffix, *args)
        if key not in done:
            out = tmp_path_factory.mktemp(preset) / f"swatches{suffix}"
            result = studio_render("render", SCENE, "-o", out, "--preset", preset,
                                   "--progress", "none", *args)  # fmt: skip
            assert result.returncode == 0, result.stderr
            done[key] = out
        return done[key]

    return run


def size_args(size: tuple[int, int]) -> list[str]:
    # Two frames, two chunks: the joined file is what is checked.
    return ["--size", f"{size[0]}x{size[1]}", "--frames", "0:2", "-j", "2", "--chunk-frames", "1"]


def renderer_pixels(render: Render, size: tuple[int, int]) -> list[Pixel]:
    """The renderer's own pixels at the swatch centres (the PNG preset keeps them)."""
    folder = render("png", "", *size_args(size))
    data = decode_rgba(folder / "frame_000000.png", 1, size[1])
    return swatch_centres(data, size)


VIDEO_CASES = [  # preset, suffix, --alpha, tolerance in 8-bit levels
    ("h264", ".mp4", False, 3),
    ("h265", ".mp4", False, 3),
    ("vp9", ".webm", False, 3),
    ("vp9", ".webm", True, 3),
    ("prores", ".mov", False, 1),  # ProRes 4444 always keeps alpha; decoded at 12 bits
]
VIDEO_IDS = [f"{p}{'-alpha' if a else ''}" for p, _, a, _ in VIDEO_CASES]
SIZES = pytest.mark.parametrize("size", [HD, SD], ids=["HD", "SD"])


@SIZES
@pytest.mark.parametrize(("preset", "suffix", "alpha", "tolerance"), VIDEO_CASES, ids=VIDEO_IDS)
def test_video_is_tagged_bt709_in_the_stream_and_the_container(
    render: Render, tmp_path: Path, size: tuple[int, int],
    preset: str, suffix: str, alpha: bool, tolerance: int,
) -> None:  # fmt: skip
    out = render(preset, suffix, *size_args(size), *(["--alpha"] if alpha else []))
    assert frame_tags(out) == VIDEO  # all four, none unknown
    in_stream = bitstream_tags(out, tmp_path)
    expected_in_stream = {"h264": 4, "h265": 4, "vp9": 2, "prores": 3}[preset]
    assert len(in_stream) == expected_in_stream and in_stream.items() <= VIDEO.items()
    in_container = container_tags(out)
    expected_in_container = 3 if suffix == ".mov" else 4  # MOV's colr box has no range
    assert len(in_container) == expected_in_container
    assert in_container.items() <= VIDEO.items()


@SIZES
@pytest.mark.parametrize(("preset", "suffix", "alpha", "tolerance"), VIDEO_CASES, ids=VIDEO_IDS)
def test_video_swatches_decode_to_the_source_colours(
    render: Render, size: tuple[int, int], preset: str, suffix: str, alpha: bool, tolerance: int
) -> None:
    kept = alpha or preset == "prores"
    out = render(preset, suffix, *size_args(size), *(["--alpha"] if alpha else []))
    source = renderer_pixels(render, size)
    assert source[:16] == [source_colour(s) for s in SWATCHES[:16]]  # the opaque rows
    expected = source if kept else [over_white(p) for p in source]
    for index, frame in enumerate(frames_of(decode_rgba(out, 2, size[1]), size, 2)):
        errors = colour_errors(swatch_centres(frame, size), expected, tolerance)
        assert not errors, f"frame {index}, off by more than {tolerance}: " + "; ".join(errors)


def test_png_keeps_the_renderers_pixels_tagged_srgb(render: Render) -> None:
    frame = render("png", "", *size_args(HD)) / "frame_000001.png"
    assert frame_tags(frame) == SRGB  # sRGB, cHRM and gAMA chunks
    centres = swatch_centres(decode_rgba(frame, 1, HD[1]), HD)
    assert centres[:16] == [source_colour(s) for s in SWATCHES[:16]]
    # Half-transparent swatches: straight alpha, colour within the premultiplied rounding.
    assert not colour_errors(centres, [source_colour(s) for s in SWATCHES], 1)


def test_ffv1_is_lossless_rgb_tagged_srgb(render: Render) -> None:
    out = render("ffv1", ".mkv", *size_args(HD))
    assert frame_tags(out) == SRGB
    assert container_tags(out) == SRGB
    for frame in frames_of(decode_rgba(out, 2, HD[1]), HD, 2):
        assert swatch_centres(frame, HD) == renderer_pixels(render, HD)


def test_gif_palette_holds_the_source_colours(render: Render) -> None:
    """GIF carries no tags (it is sRGB by convention); its palette is built from the RGB
    frames. Within 1 level, not 0: palettegen averages each colour box in OkLab, in
    integer arithmetic, so #10b981 comes back as #11b981."""
    out = render("gif", ".gif", *size_args(HD))
    expected = [over_white(p) for p in renderer_pixels(render, HD)]
    for frame in frames_of(decode_rgba(out, 2, HD[1]), HD, 2):
        assert not colour_errors(swatch_centres(frame, HD), expected, 1)


@pytest.mark.parametrize(
    ("preset", "suffix", "extra"),
    [("h264", ".mp4", ["--crf", "0"]), ("prores", ".mov", [])],
    ids=["h264-lossless", "prores"],
)
def test_one_or_three_chunks_decode_to_identical_pixels(
    render: Render, preset: str, suffix: str, extra: list[str]
) -> None:
    """Lossless H.264 shows the Y'CbCr exactly as converted; ProRes is intra-only."""
    one = render(preset, suffix, "-j", "1", "--chunk-frames", "100", *extra)
    three = render(preset, suffix, "-j", "3", "--chunk-frames", "2", *extra)
    assert frame_tags(one) == frame_tags(three) == VIDEO
    assert container_tags(one) == container_tags(three)
    assert decode_rgba(one, 6, HD[1]) == decode_rgba(three, 6, HD[1])
