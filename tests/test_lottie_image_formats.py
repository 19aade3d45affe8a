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
from PIL import Image, ImageCms, ImageOps
from PIL.PngImagePlugin import PngInfo

from studio_render.compositions.lottie_image_formats import images_converted, needs_converting
from studio_render.compositions.lottie_image_profiles import matrix_profile
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
    profile = matrix_profile(P3, 2.2)
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
    tagged = _encoded(image, fmt, icc_profile=matrix_profile(P3, 2.2), **options)
    assert needs_converting(tagged, (SIZE, SIZE)) is True


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_turned_jpeg_is_drawn_upright(orientation: int, tmp_path: Path) -> None:
    """A JPEG stored turned, with an Exif orientation saying how to show it (as phones and
    cameras write them), is drawn as a browser shows it: turned upright (ThorVG alone drew
    the pixels as stored)."""
    turn = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90,
            8: Image.Transpose.ROTATE_270}[orientation]  # fmt: skip
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encoded(_gradient().transpose(turn), "JPEG", quality=95, exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as image:
        wanted = np.asarray(ImageOps.exif_transpose(image).convert("RGB")).astype(int)
    assert np.abs(wanted - _decoded(data)).max() > 100, "the orientation matters"
    rgba, _ = _drawn(_embedded(data, "image/jpeg"), tmp_path)
    assert np.abs(rgba[..., :3] - wanted).max() <= 1


def _png_with(chunks: list[tuple[bytes, bytes]]) -> bytes:
    info = PngInfo()
    for kind, body in chunks:
        info.add(kind, body)
    return _encoded(_gradient(), "PNG", pnginfo=info)


#: Display P3's chromaticities (white, red, green, blue) as a cHRM chunk holds them.
P3_CHRM = struct.pack(">8I", 31270, 32900, 68000, 32000, 26500, 69000, 15000, 6000)
SRGB_GAMA = struct.pack(">I", 45455)


def _srgb_encoded(linear: np.ndarray) -> np.ndarray:
    encoded = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.round(encoded * 255).astype(int)


def test_a_linear_png_gamma_is_drawn_as_chromium_draws_it(tmp_path: Path) -> None:
    """A PNG whose gAMA chunk says its samples are linear light (gamma 1.0), without cHRM
    or an ICC profile: Chromium decodes the samples by that gamma with sRGB's primaries and
    shows them in sRGB (ThorVG alone came out up to 5 off that)."""
    data = _png_with([(b"gAMA", struct.pack(">I", 100_000))])
    wanted = _srgb_encoded(np.asarray(_gradient()) / 255)
    rgba, _ = _drawn(_embedded(data, "image/png"), tmp_path)
    assert np.abs(rgba[..., :3] - wanted).max() <= 2


def test_png_chromaticities_are_drawn_as_chromium_draws_them(tmp_path: Path) -> None:
    """A PNG with gAMA and cHRM chunks (Display P3's primaries) but no ICC profile: Chromium
    converts it to sRGB as it would with the matching profile (ThorVG alone drew the
    numbers as they are)."""
    data = _png_with([(b"gAMA", SRGB_GAMA), (b"cHRM", P3_CHRM)])
    expected = ImageCms.profileToProfile(
        _gradient(), ImageCms.ImageCmsProfile(io.BytesIO(matrix_profile(P3, 1 / 0.45455))),
        ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")), outputMode="RGB",
    )  # fmt: skip
    assert expected is not None
    wanted = np.asarray(expected).astype(int)
    assert np.abs(wanted - np.asarray(_gradient()).astype(int)).max() > 20, "cHRM matters"
    rgba, _ = _drawn(_embedded(data, "image/png"), tmp_path)
    assert np.abs(rgba[..., :3] - wanted).max() <= 2


@pytest.mark.parametrize(
    ("chunks", "converted"),
    [
        ([(b"gAMA", SRGB_GAMA)], False),  # sRGB's gamma alone: taken as sRGB
        ([(b"gAMA", struct.pack(">I", 46_000))], False),  # within 5% of it: the same
        ([(b"cHRM", P3_CHRM)], False),  # cHRM without gAMA: ignored
        ([(b"sRGB", b"\0"), (b"gAMA", SRGB_GAMA), (b"cHRM", P3_CHRM)], False),  # sRGB wins
        ([(b"gAMA", struct.pack(">I", 100_000))], True),
        ([(b"gAMA", SRGB_GAMA), (b"cHRM", P3_CHRM)], True),
    ],
)
def test_png_colour_chunks_converted_only_where_chromium_uses_them(
    chunks: list[tuple[bytes, bytes]], converted: bool
) -> None:
    """Chromium reads gAMA and cHRM only without an sRGB chunk, cHRM only with gAMA, and a
    gamma within 5% of sRGB's alone as sRGB: only the others pay for a conversion."""
    assert needs_converting(_png_with(chunks), (SIZE, SIZE)) is converted


@pytest.mark.parametrize(("orientation", "converted"), [(1, False), (6, True)])
def test_only_turned_jpegs_are_converted(orientation: int, converted: bool) -> None:
    """A JPEG whose Exif orientation is as stored is left to ThorVG."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encoded(_gradient(), "JPEG", quality=90, exif=exif.tobytes())
    assert needs_converting(data, (SIZE, SIZE)) is converted


def test_a_png_with_an_exif_orientation_is_drawn_upright(tmp_path: Path) -> None:
    """A PNG whose eXIf chunk says to show it turned (orientation 6) is drawn as Chromium's
    PNG decoders show it, upright; one whose eXIf says as stored is left to ThorVG."""
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encoded(_gradient().transpose(Image.Transpose.ROTATE_90), "PNG", exif=exif)
    with Image.open(io.BytesIO(data)) as image:
        wanted = np.asarray(ImageOps.exif_transpose(image).convert("RGB")).astype(int)
    assert np.abs(wanted - _decoded(data)).max() > 100, "the orientation matters"
    rgba, _ = _drawn(_embedded(data, "image/png"), tmp_path)
    assert np.abs(rgba[..., :3] - wanted).max() <= 1
    exif[0x0112] = 1
    assert needs_converting(_encoded(_gradient(), "PNG", exif=exif), (SIZE, SIZE)) is False


def test_an_image_cut_to_its_assets_shape_keeps_its_density() -> None:
    """A 128x64 image for a 32x32 asset is cut to a square at its own density (64x64, not
    32x32): ThorVG scales it to the box, and a layer scaled up stays as sharp as in
    lottie-web."""
    doc = _embedded(_encoded(_quadrants(128, 64), "PNG"), "image/png")
    doc["assets"][0].update(w=32, h=32)  # type: ignore[index]
    changed, warnings = images_converted(doc, None)
    assert changed and not warnings
    uri = str(doc["assets"][0]["p"])  # type: ignore[index]
    with Image.open(io.BytesIO(base64.b64decode(uri.partition(",")[2]))) as image:
        assert image.size == (64, 64)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_an_image_tagged_srgb_is_left_alone(fmt: str) -> None:
    """An sRGB profile (Photoshop tags its exports so) changes nothing: such an image is
    not decoded and converted (0.34 s for a 2000x2000 PNG)."""
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert needs_converting(_encoded(_gradient(), fmt, icc_profile=srgb), (SIZE, SIZE)) is False
