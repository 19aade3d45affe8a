"""Images ThorVG 1.0 draws otherwise than a browser, converted before it loads them.

Measured on one-image files against lottie-web in Chromium, and against Pillow's decoding
of each image (which Chromium's matches for these):

- an image of another shape than its asset's ``w`` x ``h``: lottie-web fits it as SVG's
  "xMidYMid slice" does (scaled to cover the box, centred, cut to it); ThorVG scales it to
  fit inside the box, at its top left (a 64x32 picture in a 64x64 asset: the top half,
  where lottie-web fills the box with the picture's middle). Of the same shape (a 2x
  image for sharp screens, one an optimiser shrank) both scale it to the box;
- a JPEG or PNG with an EXIF orientation: Chromium turns it upright first; ThorVG does not;
- a 16-bit PNG: ThorVG takes its samples for linear light and encodes them (a grey of 4
  came out 38, 8 as 53);
- a CMYK JPEG and a GIF: not drawn at all, and nothing said so;
- an image with an ICC profile: a browser converts its colours to sRGB (Chromium drew an
  Apple RGB PNG's cyan as (3, 218, 254), which is what ImageCms makes of it); ThorVG draws
  the numbers as they are;
- a PNG with gAMA and cHRM chunks and no profile: Chromium converts it as by the profile
  they describe (see :mod:`lottie_image_profiles`), ThorVG drew the numbers (105 off for
  Display P3's primaries); one with a gAMA alone (not sRGB's) ThorVG converts by it, 5 to
  9 off Chromium.

Such an image (embedded, or a file beside the document) is decoded with Pillow (a GIF's
first frame), turned upright, converted to sRGB, cut to its asset's shape as lottie-web
cuts it, and embedded in the rewritten document as an 8-bit PNG. An image in a format
neither reads is named in a warning. Other 8-bit PNGs, JPEGs of one or three channels and
WebP images are left as they are: telling them apart reads only their headers.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import zlib
from pathlib import Path
from typing import Any

from studio_render.compositions.lottie_image_profiles import NEUTRAL_GAMMA, png_profile
from studio_render.core.errors import listed

_PNG = b"\x89PNG\r\n\x1a\n"
#: How much of an image the header check reads: past a JPEG's Exif and ICC segments (64
#: KiB each at most) to its frame header, past a PNG's colour chunks to its image data.
_HEADERS = 1 << 20
#: JPEG start-of-frame markers (not DHT, JPG or DAC, which share the range).
_JPEG_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def images_converted(doc: dict[str, Any], folder: Path | None) -> tuple[bool, tuple[str, ...]]:
    """Convert, in ``doc``, every image asset ThorVG would draw wrong or not at all (see
    above), embedding the converted image; whether any was, and a warning naming the
    images neither ThorVG nor Pillow can read."""
    assets = doc.get("assets")
    changed = False
    unreadable: list[str] = []
    for asset in assets if isinstance(assets, list) else []:
        head = image_data(asset, folder, _HEADERS) if isinstance(asset, dict) else None
        if head is None:
            continue
        size = _asset_size(asset)
        verdict = needs_converting(head, size)
        if verdict is False:
            continue
        data = head if len(head) < _HEADERS else image_data(asset, folder)
        png = _converted(data, size) if data is not None else None
        if png is None:
            if verdict is None:
                unreadable.append(repr(str(asset.get("p"))[:60]))
            continue
        asset.update(p="data:image/png;base64," + base64.b64encode(png).decode(), u="", e=1)
        changed = True
    if not unreadable:
        return changed, ()
    count = "1 image" if len(unreadable) == 1 else f"{len(unreadable)} images"
    return changed, (f"{count} in a format that cannot be read, drawn without: "
                     f"{listed(unreadable)}",)  # fmt: skip


def needs_converting(data: bytes, size: tuple[int, int] | None = None) -> bool | None:
    """Whether ThorVG would draw the image ``data`` (shown at ``size``, its asset's; None:
    its own) otherwise than lottie-web, or not at all; None: a format it does not read
    (Pillow may)."""
    if data.startswith(_PNG):
        needs, own = _png_header(data)
    elif data.startswith(b"\xff\xd8"):
        needs, own = _jpeg_header(data)
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        needs, own = _webp_header(data)
    elif data[:6] in (b"GIF87a", b"GIF89a"):
        return True
    else:
        return None
    return needs or (size is not None and own is not None and not _same_shape(own, size))


def _same_shape(own: tuple[int, int], size: tuple[int, int]) -> bool:
    """Whether an image of ``own`` pixels scaled to fit inside ``size`` fills it (to a
    unit)."""
    scale = min(size[0] / own[0], size[1] / own[1]) if own[0] and own[1] else 0.0
    return abs(own[0] * scale - size[0]) < 1 and abs(own[1] * scale - size[1]) < 1


def _png_header(data: bytes) -> tuple[bool, tuple[int, int] | None]:
    """Whether a PNG is 16-bit, has an ICC profile or an EXIF orientation other than
    upright, or gAMA (and cHRM) chunks a browser converts by (see
    :mod:`lottie_image_profiles`); chunks read up to the image data; and its size."""
    at, size = len(_PNG), None
    gamma: float | None = None
    srgb = chromaticities = False
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IHDR" and at + 17 <= len(data):
            size = struct.unpack(">II", data[at + 8 : at + 16])
            if data[at + 16] == 16:
                return True, size
        if kind == b"iCCP" and not _srgb_png_profile(data[at + 8 : at + 8 + length]):
            return True, size
        if kind == b"eXIf" and _turned(data[at + 8 : at + 8 + length]):
            return True, size
        if kind == b"gAMA" and length == 4 and at + 12 <= len(data):
            gamma = int.from_bytes(data[at + 8 : at + 12], "big") / 100_000
        srgb = srgb or kind == b"sRGB"
        chromaticities = chromaticities or kind == b"cHRM"
        if kind in (b"IDAT", b"PLTE"):  # the colour chunks come before both
            break
        at += 12 + length
    if srgb or not gamma:
        return False, size
    return chromaticities or abs(gamma * 2.2 - 1) >= NEUTRAL_GAMMA, size


def _jpeg_header(data: bytes) -> tuple[bool, tuple[int, int] | None]:
    """Whether a JPEG has an ICC profile, an EXIF orientation other than upright or four
    channels (CMYK), read up to its scan, and its size."""
    at, size = 2, None
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xE2 and segment.startswith(b"ICC_PROFILE\0") and not _srgb(segment[14:]):
            return True, size
        if marker == 0xE1 and segment.startswith(b"Exif\0\0") and _turned(segment[6:]):
            return True, size
        if marker in _JPEG_FRAMES and len(segment) >= 6:
            height, width = struct.unpack(">HH", segment[1:5])
            size = (width, height)
            if segment[5] == 4:
                return True, size
        if marker == 0xDA:  # start of scan: the headers are read
            return False, size
        at += 2 + length
    return False, size


def _srgb(profile: bytes) -> bool:
    """Whether an ICC profile is an sRGB one (its description says so: "sRGB
    IEC61966-2.1", "sRGB built-in"...), which changes nothing: such images (Photoshop tags
    its exports so) are left alone."""
    head = profile[:4096]
    return b"sRGB" in head or "sRGB".encode("utf-16-be") in head


def _srgb_png_profile(chunk: bytes) -> bool:
    """Whether a PNG's iCCP chunk (a name, a method byte, the zlib-compressed profile)
    holds an sRGB profile."""
    name_end = chunk.find(b"\0")
    try:
        return name_end >= 0 and _srgb(zlib.decompressobj().decompress(chunk[name_end + 2 :], 4096))
    except zlib.error:
        return False


def _turned(tiff: bytes) -> bool:
    """Whether EXIF data (a TIFF structure) gives an orientation other than upright (1)."""
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return False
    first = struct.unpack(order + "I", tiff[4:8])[0]
    if first + 2 > len(tiff):
        return False
    count = struct.unpack(order + "H", tiff[first : first + 2])[0]
    for n in range(count):
        entry = tiff[first + 2 + 12 * n : first + 14 + 12 * n]
        if len(entry) < 12:
            break
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag == 0x0112 and kind == 3:  # Orientation, a SHORT
            return struct.unpack(order + "H", entry[8:10])[0] not in (0, 1)
    return False


def _webp_header(data: bytes) -> tuple[bool, tuple[int, int] | None]:
    """Whether a WebP image has an ICC profile or EXIF data, and its size."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        flags = data[20]
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return bool(flags & 0x28), (width, height)  # ICC (0x20) or EXIF (0x08)
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return False, (width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return False, ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    return False, None


def asset_size(asset: dict[str, Any]) -> tuple[float, float] | None:
    """The size an image asset is shown at (``w`` x ``h``), if it says."""
    width, height = asset.get("w"), asset.get("h")
    if all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0
           for v in (width, height)):  # fmt: skip
        return float(width), float(height)  # type: ignore[arg-type]
    return None


def _asset_size(asset: dict[str, Any]) -> tuple[int, int] | None:
    """:func:`asset_size` in whole units, if at least one each way."""
    size = asset_size(asset)
    if size is None or min(size) < 1:
        return None
    return round(size[0]), round(size[1])


def image_data(asset: dict[str, Any], folder: Path | None, most: int = -1) -> bytes | None:
    """The bytes of an image asset (its first ``most`` bytes, if given): its ``data:`` URL
    decoded, or its file beside the document; None for what is not an image, on the
    network, or not found."""
    name, sub = asset.get("p"), asset.get("u") or ""
    if not isinstance(name, str) or not isinstance(sub, str) or "layers" in asset:
        return None
    if name.startswith("data:"):
        header, _, body = name.partition(",")
        if not header.endswith(";base64"):
            return None
        prefix = body[: (most + 2) // 3 * 4] if most >= 0 else body  # whole groups of four
        for text in (prefix, body):  # the whole, where the prefix splits a group (spaces)
            try:
                return base64.b64decode(text, validate=False)[: most if most >= 0 else None]
            except (binascii.Error, ValueError):
                continue
        return None
    if folder is None or name.startswith(("http://", "https://")) or not name:
        return None
    path = Path(f"{folder}/{sub}{name}")
    try:
        with path.open("rb") as file:
            return file.read(most)
    except OSError:  # not found, a folder, unreadable
        return None


def _converted(data: bytes, size: tuple[int, int] | None) -> bytes | None:
    """The image ``data`` as an 8-bit RGBA PNG in sRGB (a GIF's first frame), upright,
    cut to the shape of ``size`` as lottie-web cuts it; None if Pillow cannot read it."""
    try:
        from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
    except ImportError:  # an install without Pillow: the image as it is
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("I").point(lambda v: v / 257).convert("L") \
                if opened.mode.startswith("I;16") else opened.copy()  # fmt: skip
            profile = opened.info.get("icc_profile")
            if not profile and opened.format == "PNG":
                profile = png_profile(opened.info)
            image = ImageOps.exif_transpose(image.copy()) if opened.getexif() else image
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA")
    if profile and not _srgb(profile):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            managed = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
            image = managed if managed is not None else image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile lcms cannot use: the colours as they are
    image = image.convert("RGBA")
    if size is not None and not _same_shape(image.size, size):
        # cut to the asset's shape at the image's own density (ThorVG scales it to the box)
        density = max(1.0, min(image.width / size[0], image.height / size[1]))
        image = _sliced(image, (round(size[0] * density), round(size[1] * density)))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _sliced(image: Any, size: tuple[int, int]) -> Any:
    """``image`` scaled to cover ``size`` and cut to it around its centre, as SVG's
    ``preserveAspectRatio="xMidYMid slice"`` (lottie-web's) shows it."""
    from PIL import Image

    scale = max(size[0] / image.width, size[1] / image.height)
    scaled = (max(size[0], round(image.width * scale)), max(size[1], round(image.height * scale)))
    # straight alpha resampled as is leaves dark fringes: resample premultiplied
    premultiplied = image.convert("RGBa").resize(scaled, Image.Resampling.BILINEAR)
    left, top = (scaled[0] - size[0]) // 2, (scaled[1] - size[1]) // 2
    return premultiplied.crop((left, top, left + size[0], top + size[1])).convert("RGBA")
