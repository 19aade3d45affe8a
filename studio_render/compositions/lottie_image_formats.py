"""Images ThorVG 1.0 draws otherwise than a browser, converted before it loads them.

Measured on one-image files, each image's own decoding by Pillow as the reference (a
browser decodes these as Pillow does):

- a 16-bit PNG: ThorVG takes its samples for linear light and encodes them (a grey of 4
  came out 38, 8 as 53);
- a CMYK JPEG and a GIF: not drawn at all, and nothing said so;
- an image with an ICC profile: a browser converts its colours to sRGB (Chromium drew an
  Apple RGB PNG's cyan as (3, 218, 254), which is what ImageCms makes of it); ThorVG draws
  the numbers as they are.

Such an image (embedded, or a file beside the document) is decoded with Pillow (a GIF's
first frame; a profile converted to sRGB) and embedded in the rewritten document as an
8-bit PNG. An image in a format neither reads is named in a warning. 8-bit PNGs, JPEGs of
one or three channels and WebP images without a profile are left as they are: ThorVG
draws them as a browser does, and telling them apart reads only their headers.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from pathlib import Path
from typing import Any

from studio_render.core.errors import listed

_PNG = b"\x89PNG\r\n\x1a\n"
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
        data = _image_data(asset, folder) if isinstance(asset, dict) else None
        if data is None:
            continue
        verdict = needs_converting(data)
        if verdict is False:
            continue
        png = _converted(data)
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


def needs_converting(data: bytes) -> bool | None:
    """Whether ThorVG would draw the image ``data`` wrong or not at all; None: a format it
    does not read (Pillow may)."""
    if data.startswith(_PNG):
        return _png_needs(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_needs(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return data[12:16] == b"VP8X" and len(data) > 20 and bool(data[20] & 0x20)  # a profile
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return True
    return None


def _png_needs(data: bytes) -> bool:
    """A 16-bit PNG, or one with an ICC profile (chunks read up to the image data)."""
    at = len(_PNG)
    while at + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        if kind == b"IHDR" and at + 17 <= len(data) and data[at + 16] == 16:
            return True
        if kind == b"iCCP":
            return True
        if kind == b"IDAT":
            return False
        at += 12 + length
    return False


def _jpeg_needs(data: bytes) -> bool:
    """A JPEG with an ICC profile or four channels (CMYK), read up to its scan."""
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xE2 and segment.startswith(b"ICC_PROFILE\0"):
            return True
        if marker in _JPEG_FRAMES and len(segment) >= 6 and segment[5] == 4:
            return True
        if marker == 0xDA:  # start of scan: the headers are read
            return False
        at += 2 + length
    return False


def _image_data(asset: dict[str, Any], folder: Path | None) -> bytes | None:
    """The bytes of an image asset: its ``data:`` URL decoded, or its file beside the
    document; None for what is not an image, on the network, or not found."""
    name, sub = asset.get("p"), asset.get("u") or ""
    if not isinstance(name, str) or not isinstance(sub, str) or "layers" in asset:
        return None
    if name.startswith("data:"):
        header, _, body = name.partition(",")
        if not header.endswith(";base64"):
            return None
        try:
            return base64.b64decode(body, validate=False)
        except (binascii.Error, ValueError):
            return None
    if folder is None or name.startswith(("http://", "https://")) or not name:
        return None
    path = Path(f"{folder}/{sub}{name}")
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def _converted(data: bytes) -> bytes | None:
    """The image ``data`` as an 8-bit RGBA PNG in sRGB (a GIF's first frame), or None if
    Pillow cannot read it."""
    try:
        from PIL import Image, ImageCms, UnidentifiedImageError
    except ImportError:  # an install without Pillow: the image as it is
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            image = opened.convert("I").point(lambda v: v / 257).convert("L") \
                if opened.mode.startswith("I;16") else opened.copy()  # fmt: skip
            profile = opened.info.get("icc_profile")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGBA")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            managed = ImageCms.profileToProfile(image, source, srgb, outputMode=mode)
            image = managed if managed is not None else image
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a profile lcms cannot use: the colours as they are
    out = io.BytesIO()
    image.convert("RGBA").save(out, "PNG", compress_level=1)
    return out.getvalue()
