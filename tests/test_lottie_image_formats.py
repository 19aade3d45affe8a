"""Images ThorVG draws otherwise than a browser: drawn as Pillow (and a browser) decodes
them, through the command line (see ``studio_render.compositions.lottie_image_formats``)."""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from studio_render.compositions.lottie_image_formats import needs_converting
from tests.cli import studio_render
from tests.image_compare import read_png

SIZE = 32


def _gradient() -> Image.Image:
    """An opaque RGB test picture: red across, green down, blue both ways."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    pixels = np.stack([x * 8, y * 8, (x + y) * 4], axis=-1).astype(np.uint8)
    return Image.fromarray(pixels)


def _encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _doc(path: str, folder: str = "") -> dict[str, object]:
    """A SIZE x SIZE document showing one image asset at its own size."""
    identity = {"o": {"a": 0, "k": 100}, "p": {"a": 0, "k": [0, 0]}, "a": {"a": 0, "k": [0, 0]},
                "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0}}  # fmt: skip
    asset = {"id": "image", "w": SIZE, "h": SIZE, "u": folder, "p": path,
             "e": 1 if path.startswith("data:") else 0}  # fmt: skip
    layer = {"ty": 2, "ind": 1, "refId": "image", "ip": 0, "op": 2, "st": 0, "sr": 1,
             "ks": identity}  # fmt: skip
    return {"v": "5.7.4", "fr": 30, "ip": 0, "op": 2, "w": SIZE, "h": SIZE,
            "assets": [asset], "layers": [layer]}  # fmt: skip


def _embedded(data: bytes, mime: str) -> dict[str, object]:
    return _doc(f"data:{mime};base64," + base64.b64encode(data).decode())


def _drawn(doc: dict[str, object], tmp_path: Path) -> tuple[np.ndarray, str]:
    """The first frame of ``doc`` (RGBA, ints) and the render's messages."""
    comp = tmp_path / "image.json"
    comp.write_text(json.dumps(doc))
    done = studio_render("render", comp, "-o", tmp_path / "out", "--preset", "png",
                         "--frames", "0:1", "--progress", "none")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return read_png(tmp_path / "out" / "frame_000000.png").astype(int), done.stderr


def _decoded(data: bytes) -> np.ndarray:
    """What Pillow decodes ``data`` to: RGB, ints."""
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB")).astype(int)


def _rgb_matrix_profile(primaries: list[tuple[float, float, float]], gamma: float) -> bytes:
    """An ICC v2 display profile: three primaries (XYZ, D50) and one gamma per channel."""

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    description = b"test wide gamut"
    desc = (b"desc\0\0\0\0" + struct.pack(">I", len(description) + 1) + description + b"\0"
            + b"\0" * 8 + b"\0" * 70)  # fmt: skip
    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"
    tags = [(b"desc", desc), (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
            (b"rXYZ", xyz(primaries[0])), (b"gXYZ", xyz(primaries[1])),
            (b"bXYZ", xyz(primaries[2])), (b"rTRC", curve), (b"gTRC", curve),
            (b"bTRC", curve), (b"cprt", b"text\0\0\0\0none\0\0\0\0")]  # fmt: skip
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    size = offset + len(body)
    header = (struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
              + b"".join(struct.pack(">i", round(v * 65536)) for v in (0.9642, 1.0, 0.8249))
              + b"\0" * 48)  # fmt: skip
    return header + struct.pack(">I", len(tags)) + table + body


#: Display P3's primaries adapted to D50 (as in Apple's profile).
P3 = [(0.5151, 0.2412, -0.0011), (0.2920, 0.6922, 0.0419), (0.1571, 0.0666, 0.7841)]


def test_a_16_bit_png_keeps_its_tones(tmp_path: Path) -> None:
    """A 16-bit grey PNG is drawn with its samples' tones (ThorVG alone drew a grey of 4
    as 38: it took them for linear light)."""
    grey = (np.mgrid[0:SIZE, 0:SIZE][1] * 8).astype(np.uint16) * 257
    data = _encoded(Image.fromarray(grey), "PNG")
    rgba, _ = _drawn(_embedded(data, "image/png"), tmp_path)
    assert np.abs(rgba[..., 0] - grey // 257).max() <= 1


@pytest.mark.parametrize("fmt", ["GIF", "CMYK JPEG"])
def test_an_image_thorvg_cannot_read_is_drawn(fmt: str, tmp_path: Path) -> None:
    """A GIF (its first frame) and a CMYK JPEG are drawn as Pillow decodes them (ThorVG
    alone drew nothing, and said nothing)."""
    if fmt == "GIF":
        data, mime, tolerance = _encoded(_gradient().quantize(256), "GIF"), "image/gif", 1
    else:
        data, mime, tolerance = (_encoded(_gradient().convert("CMYK"), "JPEG", quality=95),
                                 "image/jpeg", 2)  # fmt: skip
    rgba, _ = _drawn(_embedded(data, mime), tmp_path)
    assert (rgba[..., 3] == 255).all(), "drawn whole"
    assert np.abs(rgba[..., :3] - _decoded(data)).max() <= tolerance


def test_an_image_with_a_colour_profile_is_drawn_in_srgb(tmp_path: Path) -> None:
    """A PNG tagged with a wide-gamut profile (Display P3's primaries) is drawn with its
    colours converted to sRGB, as Chromium draws it (ThorVG alone drew the numbers as they
    are, paler and duller)."""
    profile = _rgb_matrix_profile(P3, 2.2)
    source = _gradient()
    data = _encoded(source, "PNG", icc_profile=profile)
    expected = ImageCms.profileToProfile(
        source, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")), outputMode="RGB",
    )  # fmt: skip
    assert expected is not None
    wanted = np.asarray(expected).astype(int)
    assert np.abs(wanted - np.asarray(source).astype(int)).max() > 20, "the profile matters"
    rgba, _ = _drawn(_embedded(data, "image/png"), tmp_path)
    assert np.abs(rgba[..., :3] - wanted).max() <= 1


def _quadrants(width: int, height: int) -> Image.Image:
    """Red, green, blue and white quadrants (top left, top right, bottom left, right)."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[: height // 2, : width // 2] = (220, 20, 20)
    pixels[: height // 2, width // 2 :] = (20, 200, 20)
    pixels[height // 2 :, : width // 2] = (20, 20, 220)
    pixels[height // 2 :, width // 2 :] = (255, 255, 255)
    return Image.fromarray(pixels)


def _colour_at(rgba: np.ndarray, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in rgba[y, x, :3])


def test_a_2x_image_keeps_its_pixels_and_fills_its_assets_box(tmp_path: Path) -> None:
    """A 2x image (64x64 pixels for a 16x16 asset) is drawn in the asset's 16x16, whole,
    as lottie-web draws it, and is not converted (ThorVG scales it itself)."""
    data = _encoded(_quadrants(64, 64), "PNG")
    assert needs_converting(data, (16, 16)) is False
    doc = _embedded(data, "image/png")
    doc["assets"][0].update(w=16, h=16)  # type: ignore[index]
    rgba, _ = _drawn(doc, tmp_path)
    drawn = np.nonzero(rgba[..., 3] > 0)
    assert drawn[0].max() == 15 and drawn[1].max() == 15, "the asset's box"
    assert _colour_at(rgba, 3, 3) == (220, 20, 20)
    assert _colour_at(rgba, 12, 3) == (20, 200, 20)
    assert _colour_at(rgba, 3, 12) == (20, 20, 220)


def test_an_image_of_another_shape_is_cut_to_its_assets_box_around_its_centre(
    tmp_path: Path,
) -> None:
    """A 32x16 image in a 32x32 asset is scaled to cover the box and cut around its centre
    (SVG's "xMidYMid slice", lottie-web's fit): its middle half fills the box (ThorVG alone
    fitted it inside, the box's top half)."""
    doc = _embedded(_encoded(_quadrants(32, 16), "PNG"), "image/png")
    rgba, _ = _drawn(doc, tmp_path)
    assert (rgba[..., 3] == 255).all(), "the whole box"
    assert _colour_at(rgba, 4, 4) == (220, 20, 20)  # the red quadrant's right half, doubled
    assert _colour_at(rgba, 27, 4) == (20, 200, 20)
    assert _colour_at(rgba, 27, 28) == (255, 255, 255)


def test_an_image_with_an_exif_orientation_is_drawn_upright(tmp_path: Path) -> None:
    """A JPEG whose EXIF data says "turned 90 degrees clockwise" (orientation 6) is turned
    before it is drawn, as Chromium turns it: its top left corner comes to the top right
    (ThorVG alone drew the stored pixels)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encoded(_quadrants(SIZE, SIZE), "JPEG", quality=95, exif=exif.tobytes())
    rgba, _ = _drawn(_embedded(data, "image/jpeg"), tmp_path)
    assert np.abs(np.array(_colour_at(rgba, SIZE - 6, 5)) - (220, 20, 20)).max() <= 12
    assert np.abs(np.array(_colour_at(rgba, 5, 5)) - (20, 20, 220)).max() <= 12


def test_an_image_file_beside_the_document_is_converted_too(tmp_path: Path) -> None:
    """A GIF in an ``images/`` folder beside the document is drawn (read from there, the
    file left as it was)."""
    (tmp_path / "images").mkdir()
    data = _encoded(_gradient().quantize(256), "GIF")
    (tmp_path / "images" / "img_0.gif").write_bytes(data)
    rgba, _ = _drawn(_doc("img_0.gif", "images/"), tmp_path)
    assert np.abs(rgba[..., :3] - _decoded(data)).max() <= 1
    assert (tmp_path / "images" / "img_0.gif").read_bytes() == data


def test_an_image_nothing_can_read_is_named(tmp_path: Path) -> None:
    """An embedded image that is no image format is named in a warning, not dropped in
    silence."""
    rgba, messages = _drawn(_embedded(b"not an image at all", "image/png"), tmp_path)
    assert "cannot be read" in messages
    assert (rgba[..., 3] == 0).all()


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("PNG", {}),
        ("JPEG", {"quality": 90}),
        ("JPEG", {"progressive": True}),
        ("WEBP", {"lossless": True}),
    ],
)
def test_images_thorvg_draws_as_a_browser_are_left_alone(
    fmt: str, options: dict[str, object]
) -> None:
    """8-bit PNGs, plain JPEGs and WebP images are loaded as they are (no conversion);
    the same with a profile or 16 bits are not."""
    image = _gradient()
    plain = _encoded(image, fmt, **options)
    assert needs_converting(plain, (SIZE, SIZE)) is False
    assert needs_converting(plain, (SIZE // 2, SIZE // 2)) is False, "the same shape, smaller"
    assert needs_converting(plain, (SIZE, SIZE // 2)) is True, "another shape than its asset"
    tagged = _encoded(image, fmt, icc_profile=_rgb_matrix_profile(P3, 2.2), **options)
    assert needs_converting(tagged, (SIZE, SIZE)) is True
