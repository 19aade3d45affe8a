"""Image edges where a browser draws them.

A browser draws an image layer as a rectangle filled with the image: each pixel reads the
image at its centre, bilinearly, clamped to the edge texels, and the rectangle's edges are
anti-aliased where they cut pixels. ThorVG 1.0 draws the image's own edges: its rasterizer
for turned images fades the first row and column out over a whole texel, so a photo turned
and scaled to 300% had its top and left edges 3 px inside lottie-web's (``image_test.json``
of the corpus: 0.21% of the pixels off), and the one for scaled images cuts its edges
without anti-aliasing.

So an image whose edge texels are not all transparent (where the edges show) gets a
border of one texel, a copy of its edge texels, and each image layer showing it becomes a
precomposition layer of the image's size holding the bordered image one texel up and left:
the texels land where they were, ThorVG's edge artefacts fall on the border, and the
precomposition's clip, a rectangle ThorVG anti-aliases, cuts the picture where a browser
does (``image_test.json``: 0.008% of the pixels off). The layer keeps its transform,
masks, matte, effects and timing. Images whose edges are transparent, as cut-out
illustration pieces usually are, are left as they are (nothing to cut), and so are images
Pillow cannot read and those past :data:`_MOST_PIXELS` in all (decoding each costs time in
every worker). What stays: the clip of an image that is neither turned nor scaled and sits
between pixels is cut on whole pixels.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from studio_render.compositions.lottie_image_formats import asset_size, image_data
from studio_render.compositions.lottie_tree import ALWAYS, new_asset_id

#: The most image pixels a document's images are decoded for (about eight 4K frames).
_MOST_PIXELS = 64_000_000


def image_edges_clipped(
    doc: dict[str, Any], all_layers: list[dict[str, Any]], folder: Path | None
) -> bool:
    """Give every image whose edges show a border, and make the layers showing it (of
    ``all_layers``, those of every composition of ``doc``) clip it where a browser cuts it
    (see above); whether any was."""
    assets = doc.get("assets")
    if not isinstance(assets, list):
        return False
    layers = [layer for layer in all_layers if layer.get("ty") == 2]
    shown = {layer.get("refId") for layer in layers}
    ids = {str(asset.get("id")) for asset in assets if isinstance(asset, dict)}
    budget = _MOST_PIXELS
    added: list[dict[str, Any]] = []
    for asset in [a for a in assets if isinstance(a, dict)]:
        if asset.get("id") not in shown or "layers" in asset:
            continue
        size = asset_size(asset)
        data = image_data(asset, folder) if size is not None else None
        bordered = _bordered(data, budget) if data is not None else None
        if size is None or bordered is None:
            continue
        png, (width, height) = bordered
        budget -= width * height
        texel = (size[0] / (width - 2), size[1] / (height - 2))
        comp_id = new_asset_id(asset["id"], ids)
        added.append({"id": comp_id, "layers": [_inner_layer(asset["id"], texel)]})
        for layer in layers:
            if layer.get("refId") == asset["id"]:
                layer.update(ty=0, refId=comp_id, w=size[0], h=size[1])
        asset.update(w=size[0] + 2 * texel[0], h=size[1] + 2 * texel[1], u="", e=1,
                     p="data:image/png;base64," + base64.b64encode(png).decode())  # fmt: skip
    assets.extend(added)
    return bool(added)


def _bordered(data: bytes, budget: int) -> tuple[bytes, tuple[int, int]] | None:
    """The image ``data`` with a border of its edge texels, as an RGBA PNG, and its size;
    None where its edges are transparent, Pillow cannot read it, or it is past ``budget``
    pixels."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # an install without Pillow: the image as it is
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > budget or opened.width < 2 or opened.height < 2:
                return None
            image = opened.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    width, height = image.size
    alpha = image.getchannel("A")
    edges = [(0, 0, width, 1), (0, height - 1, width, height), (0, 0, 1, height),
             (width - 1, 0, width, height)]  # fmt: skip
    if not any(alpha.crop(box).getbbox() for box in edges):
        return None  # transparent edges: nothing a cut would show
    tall = Image.new("RGBA", (width, height + 2))  # the top and bottom rows copied
    tall.paste(image, (0, 1))
    tall.paste(image.crop((0, 0, width, 1)), (0, 0))
    tall.paste(image.crop((0, height - 1, width, height)), (0, height + 1))
    bordered = Image.new("RGBA", (width + 2, height + 2))  # then the side columns
    bordered.paste(tall, (1, 0))
    bordered.paste(tall.crop((0, 0, 1, height + 2)), (0, 0))
    bordered.paste(tall.crop((width - 1, 0, width, height + 2)), (width + 1, 0))
    out = io.BytesIO()
    bordered.save(out, "PNG", compress_level=1)
    return out.getvalue(), bordered.size


def _inner_layer(image_id: str, texel: tuple[float, float]) -> dict[str, Any]:
    """The bordered image, one texel up and left of its precomposition's origin."""
    transform = {"p": {"a": 0, "k": [-texel[0], -texel[1]]}, "a": {"a": 0, "k": [0, 0]},
                 "s": {"a": 0, "k": [100, 100]}, "r": {"a": 0, "k": 0},
                 "o": {"a": 0, "k": 100}}  # fmt: skip
    return {"ty": 2, "ind": 1, "refId": image_id, "ip": -ALWAYS, "op": ALWAYS, "st": 0,
            "sr": 1, "ks": transform, "nm": "Image with its edges"}  # fmt: skip
